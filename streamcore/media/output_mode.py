"""Whether a streaming ``Image``'s outputs travel inline or as files.

A stream's frames go back inline, as ``data:`` URLs (or binary messages): they are shown and
forgotten. A stream event called once through an API (``gradio_client``'s ``predict``, one
frame in) answers as Gradio's does, with a file of the cache the client downloads: the
runtime runs such a call inside :func:`stream_outputs_as_files`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["stream_outputs_as_files", "stream_outputs_inline"]

_inline: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "streamcore_stream_outputs_inline", default=True
)


def stream_outputs_inline() -> bool:
    """Whether a streaming Image output is sent inline here (else stored as a file)."""
    return _inline.get()


@contextlib.contextmanager
def stream_outputs_as_files(active: bool = True) -> Iterator[None]:
    """With ``active``, streaming Image outputs made in the body (and in the worker threads
    it starts, which copy the context) are stored in the cache as files."""
    if not active:
        yield
        return
    token = _inline.set(False)
    try:
        yield
    finally:
        _inline.reset(token)
