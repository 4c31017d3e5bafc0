"""``gr.set_static_paths``: folders and files the server serves as they are.

Gradio's rule: the paths are process-wide and each call adds to them; a file under one is
served from where it lies (``/file=<path>`` and ``/gradio_api/file=<path>``), may be named
by a client as an input, and is not copied into the cache. streamcore reads them when a
server is made (``launch()``, ``streamcore serve``, ``mount_gradio_app``, ``demo.app``), so
paths set after that apply to the next server. The other access rules still hold
(``docs/security.md``): ``blocked_paths`` win and hidden files (``.env``, ``.git/``) are
never served.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

__all__ = ["clear_static_paths", "set_static_paths", "static_paths"]

_paths: list[Path] = []
_lock = threading.Lock()


def set_static_paths(paths: str | Path | Sequence[str | Path]) -> None:
    """Serve the files under ``paths`` (a path or a list of paths, folders or single
    files) as they are, in addition to those set before. Raises ``TypeError`` for
    anything but paths."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    for item in items:
        if not isinstance(item, str | Path):
            raise TypeError(
                f"set_static_paths takes a path or a list of paths, not {type(item).__name__}"
            )
    with _lock:
        _paths.extend(Path(item).resolve() for item in items)


def static_paths() -> tuple[Path, ...]:
    """The paths set so far, resolved, in the order they were set."""
    with _lock:
        return tuple(_paths)


def clear_static_paths() -> None:
    """Forget every static path (for tests and long-lived processes that rebuild apps)."""
    with _lock:
        _paths.clear()
