"""A component's starting value given as a local file path by the app's author.

Gradio takes such a file at build, wherever it lies: it copies it into its cache (so the
page can be served it, with no ``allowed_paths``), and a path to no file is kept as it is
(the page then shows nothing there). The access rules for what a fn returns and what a
client names (``docs/security.md``) do not apply to the author's own constructor
arguments. :func:`take_author_file` does the same for streamcore's components.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..media.files import current_file_access, save_stream_to_cache
from ..media.url_fetch import is_http_url

__all__ = ["take_author_file"]


def take_author_file(value: Any) -> tuple[Any, Path | None]:
    """``(value, None)`` with a path to an existing file outside the cache replaced by the
    path of its copy in the cache; ``(None, path)`` for a path to no file; any other
    value (arrays, URLs, ``data:`` URLs, callables, cached paths) unchanged. Raises
    ``OSError`` when the file exists but cannot be read, or the cache cannot be written."""
    if not isinstance(value, str | Path):
        return value, None
    text = str(value)
    if text.startswith("data:") or is_http_url(text):
        return value, None
    path = Path(text).expanduser().absolute()
    policy = current_file_access.get()
    cache = policy.cache_dir.absolute()
    if path == cache or cache in path.parents:
        return value, None
    if not path.is_file():
        return None, path
    with path.open("rb") as file:
        return str(save_stream_to_cache(file, path.name, policy)), None
