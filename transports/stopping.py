"""The server's "stopping" signal, for responses that would otherwise stay open for good.

A heartbeat stream (``/gradio_api/heartbeat/...``) has no end of its own: when the server
stops, uvicorn would wait for it until its graceful-shutdown timeout. It waits on a
:class:`StopSignal` too, which the server sets as it begins to stop
(:func:`transports.server.uvicorn_on`). Where nothing sets it (an app mounted into another
server, ``streamcore serve``'s workers) such streams end at the graceful-shutdown timeout.
"""

from __future__ import annotations

import anyio

__all__ = ["StopSignal"]


class StopSignal:
    """Set once, when the server begins to stop; awaited by long-lived responses.

    Use it from the server's event loop only.
    """

    def __init__(self) -> None:
        self._set = False
        self._event: anyio.Event | None = None

    def set(self) -> None:
        """The server is stopping: wake every waiter, now and later."""
        self._set = True
        if self._event is not None:
            self._event.set()

    async def wait(self) -> None:
        """Return once the server is stopping (at once if it already is)."""
        if self._set:
            return
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds`` or until the server stops; whether it is stopping."""
        with anyio.move_on_after(seconds):
            await self.wait()
        return self._set
