"""Refusing a request before the app sees it, the same way for HTTP and WebSocket.

The gatekeeping middlewares (:mod:`transports.auth`, :mod:`transports.host_check`) and the
WebSocket route's Origin check answer through :func:`refuse`: an HTTP request gets a
plain-text response; a WebSocket upgrade gets the same status and text as an HTTP
response where the server has the ASGI denial-response extension (uvicorn has), else it
is closed before it is accepted (the server then answers 403).
"""

from __future__ import annotations

import json

from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Receive, Scope, Send

__all__ = ["refuse", "refuse_with_detail"]

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
    await _deny(send, status, b"text/plain; charset=utf-8", text.encode())


async def refuse_with_detail(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str
) -> None:
    """:func:`refuse`, the body being JSON: ``{"detail": detail}`` (as the HTTP API's)."""
    if scope["type"] == "http":
        await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
        return
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})
        return
    body = json.dumps({"detail": detail}).encode()
    await _deny(send, status, b"application/json", body)


async def _deny(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", content_type)]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})
