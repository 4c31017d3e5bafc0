"""The server's limit on long-lived connections (``max_connections``).

What counts: every WebSocket connection, and the HTTP responses that stay open for as long
as the client holds them: Gradio's event streams (``GET /gradio_api/queue/data``,
``GET /gradio_api/call/<api_name>/<event_id>``) and heartbeats (``GET
/gradio_api/heartbeat/<session_hash>``). Ordinary short requests (the page, ``/config``,
``/healthz``, files, uploads, ``queue/join``) are not counted and never refused by it, so
they keep being answered while the long-lived ones are at their limit.

Past the limit a WebSocket is accepted and closed at once with code 1013 (Try Again Later)
and a reason naming the limit; an HTTP stream gets ``503`` with a JSON ``detail`` naming it
and ``Retry-After``. Refusals are logged once per interval with a count
(:class:`~transports.log_throttle.ThrottledLog`).

The default (:func:`default_max_connections`) is derived from the process's
file-descriptor limit, leaving room for everything else that needs one.
"""

from __future__ import annotations

import json
import logging
import resource
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .log_throttle import ThrottledLog

__all__ = [
    "RESERVED_FDS",
    "RETRY_AFTER_SECONDS",
    "TRY_AGAIN_LATER",
    "ConnectionLimit",
    "OpenConnections",
    "default_max_connections",
    "is_long_lived",
]

log = logging.getLogger("streamcore.transports")

TRY_AGAIN_LATER = 1013
"""The WebSocket close code for a connection refused past ``max_connections`` (RFC 6455's
registry: Try Again Later)."""

RESERVED_FDS = 64
"""File descriptors set apart before the division in :func:`default_max_connections`."""

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` a refused HTTP stream is given."""

_LONG_LIVED_HTTP = ("/gradio_api/queue/data", "/gradio_api/heartbeat/", "/gradio_api/call/")


def default_max_connections(
    getrlimit: Callable[[int], tuple[int, int]] = resource.getrlimit,
) -> int:
    """``max_connections`` when none is given: half of what the process's soft
    ``RLIMIT_NOFILE`` leaves past :data:`RESERVED_FDS`, and at least 8.

    Each counted connection holds one descriptor (its socket) and may hold another (a
    WebRTC peer's UDP socket, an upload being written); the other half stays free for short
    requests, files, the listening socket and the process's own. With ``ulimit -n 1024``
    that is 480. An unlimited (or very large) limit counts as 65,536.
    """
    soft, _hard = getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 65536:
        soft = 65536
    return max(8, (soft - RESERVED_FDS) // 2)


def is_long_lived(scope: Scope) -> bool:
    """Whether the connection ``scope`` describes is one :class:`ConnectionLimit` counts."""
    if scope["type"] == "websocket":
        return True
    if scope["type"] != "http" or scope.get("method") != "GET":
        return False
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path.startswith("/gradio_api/call/"):  # /call/<api_name>/<event_id> only
        return path.count("/") >= 4
    return path.startswith(_LONG_LIVED_HTTP)


class OpenConnections:
    """The count a server keeps of its long-lived connections, shared by the
    :class:`ConnectionLimit` in front of its app and whoever reads it (tests, metrics)."""

    def __init__(self, limit: int, interval: float | None = None) -> None:
        if limit < 1:
            raise ValueError(f"max_connections must be at least 1, not {limit}")
        self.limit = limit
        self.open = 0
        """How many are open now."""
        self.refused = (
            ThrottledLog(log) if interval is None else ThrottledLog(log, interval=interval)
        )
        """Counts the connections refused (``refused.total``) and logs them, throttled."""

    def reason(self) -> str:
        """What a refused client is told (short enough for a WebSocket close reason)."""
        return (
            f"the server has its maximum of {self.limit} open connections "
            "(max_connections); try again later"
        )


class ConnectionLimit:
    """ASGI middleware: at most ``connections.limit`` long-lived connections
    (:func:`is_long_lived`) at once; past it, 503 for HTTP and close code 1013 for a
    WebSocket (see the module docstring)."""

    def __init__(self, app: ASGIApp, connections: OpenConnections) -> None:
        self.app = app
        self.connections = connections

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_long_lived(scope):
            await self.app(scope, receive, send)
            return
        connections = self.connections
        if connections.open >= connections.limit:
            connections.refused.note(
                f"refused a connection: {connections.open} open, at "
                f"max_connections={connections.limit}"
            )
            await self._refuse(scope, receive, send)
            return
        connections.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            connections.open -= 1

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = self.connections.reason()
        if scope["type"] == "websocket":
            message = await receive()  # websocket.connect
            if message["type"] != "websocket.connect":
                return
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": reason})
            return
        body = json.dumps({"detail": reason}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
