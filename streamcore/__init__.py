"""streamcore: an async streaming engine for image frames."""
