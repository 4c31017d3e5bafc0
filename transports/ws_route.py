"""The ``/ws`` route: admit a WebSocket (its origin), accept it, serve its session.

Who the user is was settled before (:mod:`transports.auth`'s gate, in front of every
route); this route checks that a browser's page comes from an allowed origin. A refused
upgrade gets HTTP 403 with a plain-text reason (:func:`transports.refusals.refuse`).
:class:`StarletteSocket` adapts Starlette's ``WebSocket`` to the
:class:`~transports.websocket.MessageSocket` the session loops speak.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .refusals import refuse
from .websocket import MessageSocket, SocketClosed

__all__ = ["Admission", "StarletteSocket", "websocket_route"]


@dataclass(frozen=True)
class Admission:
    """Which browser pages may open a WebSocket."""

    allowed_origins: Sequence[str] | None = None
    """``None``: only pages served from the Host the browser connected to; ``"*"``: any."""

    def refusal(self, websocket: WebSocket) -> str | None:
        """Why ``websocket`` may not connect, or ``None`` when it may."""
        if not self._origin_allowed(websocket):
            origin = websocket.headers.get("origin")
            return f"origin {origin!r} is not allowed (see allowed_origins)"
        return None

    def _origin_allowed(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        if origin is None:
            return True  # not a browser: browsers always send Origin on WebSocket upgrades
        if self.allowed_origins is None:
            return urlsplit(origin).netloc == websocket.headers.get("host", "")
        return "*" in self.allowed_origins or origin in self.allowed_origins


class StarletteSocket:
    """A :class:`~transports.websocket.MessageSocket` over an accepted Starlette WebSocket.

    It reads ASGI messages directly (no per-message decoding or validation beyond the
    message type), so it adds next to nothing to a frame's trip.
    """

    def __init__(self, websocket: WebSocket) -> None:
        self.connection = websocket
        """The handshake, for the ``gr.Request`` of the session's fns."""
        self._websocket = websocket

    async def receive(self) -> str | bytes:
        if self._websocket.client_state is not WebSocketState.CONNECTED:
            raise SocketClosed("the client has disconnected")
        message = await self._websocket.receive()
        data: bytes | None = message.get("bytes")
        if data is not None:
            return data
        text: str | None = message.get("text")
        if text is not None:
            return text
        raise SocketClosed(f"the client closed the connection (code {message.get('code')})")

    async def send(self, message: str | bytes) -> None:
        if self._websocket.application_state is not WebSocketState.CONNECTED:
            raise SocketClosed("the connection is closed")
        if isinstance(message, bytes):
            event = {"type": "websocket.send", "bytes": message}
        else:
            event = {"type": "websocket.send", "text": message}
        try:
            await self._websocket.send(event)
        except WebSocketDisconnect as exc:
            raise SocketClosed(f"the client has disconnected (code {exc.code})") from exc

    async def close(self, code: int, reason: str = "") -> None:
        if self._websocket.application_state is not WebSocketState.CONNECTED:
            return
        with contextlib.suppress(WebSocketDisconnect, OSError):
            await self._websocket.close(code, reason)


def websocket_route(
    path: str, admission: Admission, handle: Callable[[MessageSocket], Awaitable[None]]
) -> WebSocketRoute:
    """The route at ``path``: refuse with 403 what ``admission`` refuses, else accept and run
    ``handle`` until it returns, then close the connection (code 1000) if still open."""

    async def endpoint(websocket: WebSocket) -> None:
        refusal = admission.refusal(websocket)
        if refusal is not None:
            await refuse(websocket.scope, websocket.receive, websocket.send, 403, refusal)
            return
        await websocket.accept()
        socket = StarletteSocket(websocket)
        try:
            await handle(socket)
        finally:
            if websocket.client_state is WebSocketState.CONNECTED:
                await socket.close(1000)

    return WebSocketRoute(path, endpoint)
