"""The ``/ws`` route: admit a WebSocket (origin, ``auth``), accept it, serve its session.

A refused upgrade gets HTTP 403 with a plain-text reason, sent through the ASGI
"WebSocket Denial Response" extension where the server has it (uvicorn does); elsewhere
the connection is closed before it is accepted, which servers answer with a bare 403.
:class:`StarletteSocket` adapts Starlette's ``WebSocket`` to the
:class:`~transports.websocket.MessageSocket` the session loops speak.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .websocket import MessageSocket, SocketClosed

__all__ = ["Admission", "AuthCallback", "StarletteSocket", "websocket_route"]

log = logging.getLogger("streamcore.transports")

AuthCallback = Callable[[Mapping[str, str], Mapping[str, list[str]]], bool]
"""``auth(headers, query) -> bool``: ``False`` (or an exception) refuses the connection with
HTTP 403. ``headers`` has lower-case names; ``query`` maps each name to all its values."""

POLICY_VIOLATION = 1008
"""The close code of a refused upgrade where the server cannot send a 403 body."""


@dataclass(frozen=True)
class Admission:
    """Who may open a WebSocket: browser origins and an ``auth`` callback."""

    allowed_origins: Sequence[str] | None = None
    """``None``: only pages served from the Host the browser connected to; ``"*"``: any."""
    auth: AuthCallback | None = None

    def refusal(self, websocket: WebSocket) -> str | None:
        """Why ``websocket`` may not connect, or ``None`` when it may."""
        if not self._origin_allowed(websocket):
            origin = websocket.headers.get("origin")
            return f"origin {origin!r} is not allowed (see allowed_origins)"
        if self.auth is not None and not self._authenticated(websocket):
            return "authentication refused"
        return None

    def _origin_allowed(self, websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        if origin is None:
            return True  # not a browser: browsers always send Origin on WebSocket upgrades
        if self.allowed_origins is None:
            return urlsplit(origin).netloc == websocket.headers.get("host", "")
        return "*" in self.allowed_origins or origin in self.allowed_origins

    def _authenticated(self, websocket: WebSocket) -> bool:
        assert self.auth is not None
        headers = dict(websocket.headers.items())  # lower-case names
        query = parse_qs(websocket.url.query)
        try:
            return bool(self.auth(headers, query))
        except Exception:
            log.exception("the auth callback failed; refusing the connection")
            return False


class StarletteSocket:
    """A :class:`~transports.websocket.MessageSocket` over an accepted Starlette WebSocket.

    It reads ASGI messages directly (no per-message decoding or validation beyond the
    message type), so it adds next to nothing to a frame's trip.
    """

    def __init__(self, websocket: WebSocket) -> None:
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
            await _refuse(websocket, refusal)
            return
        await websocket.accept()
        socket = StarletteSocket(websocket)
        try:
            await handle(socket)
        finally:
            if websocket.client_state is WebSocketState.CONNECTED:
                await socket.close(1000)

    return WebSocketRoute(path, endpoint)


async def _refuse(websocket: WebSocket, reason: str) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(reason, status_code=403))
    else:
        await websocket.close(POLICY_VIOLATION, reason)
