"""Refusing a request before the app sees it, the same way for HTTP and WebSocket.

The gatekeeping middlewares (:mod:`transports.auth`, :mod:`transports.host_check`) and the
WebSocket route's Origin check answer through :func:`refuse`: an HTTP request gets a
plain-text response; a WebSocket upgrade gets the same status and text as an HTTP
response where the server has the ASGI denial-response extension (uvicorn has), else it
is closed before it is accepted (the server then answers 403).
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

__all__ = ["refuse"]

POLICY_VIOLATION = 1008
"""The WebSocket close code for a refused upgrade where no HTTP answer can be sent."""


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
    """Answer ``scope`` (an HTTP request or a WebSocket upgrade) with ``status`` and ``text``."""
    if scope["type"] == "http":
        await PlainTextResponse(text, status_code=status)(scope, receive, send)
        return
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})
        return
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": text.encode()})
