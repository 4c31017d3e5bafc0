"""Scheduling a callback on the event loop from a worker thread, on any anyio backend.

The fast path of :class:`~streamcore.engine.session.StreamSession` hands every result from its
worker thread to the event loop without waiting for the loop to run it (fire and forget).
anyio's public ``anyio.from_thread.run_sync`` waits for the call to finish: the worker
would stall for a loop turn on every frame, a round trip the fast path exists to avoid.
anyio's ``AsyncBackend.run_sync_soon`` is fire-and-forget but private, and it copies the
thread's context on every call.

So :func:`loop_caller` picks, once, the backend's own thread-safe, non-blocking way to
schedule a plain callback, and returns it as a bound method the worker calls directly:

* asyncio: ``loop.call_soon_threadsafe`` (the cost streamcore always paid);
* trio: ``TrioToken.run_sync_soon``.

The backend is the one anyio itself detects: trio when ``sniffio`` names it (trio depends
on sniffio, so it is installed whenever trio runs), asyncio otherwise. Neither trio nor
sniffio is imported unless trio is already loaded.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["LoopCaller", "current_async_library", "loop_caller"]

LoopCaller = Callable[..., Any]
"""``caller(fn, *args)``: run ``fn(*args)`` on the event loop soon; thread-safe, never blocks.

Raises (``RuntimeError`` on asyncio, ``trio.RunFinishedError`` on trio) once the event loop
it belongs to has finished.
"""


def current_async_library() -> str:
    """``"trio"`` or ``"asyncio"``: the async library running the calling task.

    Raises :class:`RuntimeError` if neither is running in this thread.
    """
    if "trio" in sys.modules:
        import sniffio

        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = ""
        if library == "trio":
            return library
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError("streamcore needs a running asyncio or trio event loop") from None
    return "asyncio"


def loop_caller() -> LoopCaller:
    """The non-blocking, thread-safe way to call back into the running event loop.

    Call it on the event loop (once, e.g. when a session starts) and hand the result to a
    worker thread. Raises :class:`RuntimeError` outside a running asyncio or trio loop.
    """
    if current_async_library() == "trio":
        import trio

        return trio.lowlevel.current_trio_token().run_sync_soon
    return asyncio.get_running_loop().call_soon_threadsafe
