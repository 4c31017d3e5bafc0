"""The ASGI application: the HTTP routes and the ``/ws`` route, composed with Starlette.

:func:`build_app` is all there is: a list of routes (:mod:`transports.http`,
:mod:`transports.ws_route`) and the one ``404`` handler. Any ASGI server can run the
result; :mod:`transports.server` runs it under uvicorn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette

from streamcore.media.files import FileAccess

from .http import http_routes, not_found
from .websocket import MessageSocket
from .ws_route import Admission, websocket_route

__all__ = ["WS_PATH", "build_app"]

WS_PATH = "/ws"


def build_app(
    *,
    config: Callable[[], bytes],
    files: FileAccess,
    admission: Admission,
    handle_websocket: Callable[[MessageSocket], Awaitable[None]],
) -> Starlette:
    """The app: the page, ``/static``, ``/config`` (``config()`` makes its JSON body), files
    ``files`` allows at ``/file=<path>``, ``/healthz`` and, at :data:`WS_PATH`, WebSocket
    sessions that ``admission`` lets in, each run by ``handle_websocket``."""
    routes = [*http_routes(config, files), websocket_route(WS_PATH, admission, handle_websocket)]
    return Starlette(routes=routes, exception_handlers={404: not_found})
