"""The ASGI application: the HTTP routes and the ``/ws`` route, composed with Starlette.

:func:`build_app` is all there is: a list of routes (:mod:`transports.http`,
:mod:`transports.uploads`, :mod:`transports.ws_route`) and the one ``404`` handler. Any
ASGI server can run the result; :mod:`transports.server` runs it under uvicorn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from streamcore.app.runtime import AppRuntime
from streamcore.media.files import FileAccess

from .auth import Authenticator, LoginGate
from .connection_limit import ConnectionLimit, OpenConnections
from .gradio_api import DEFAULT_SESSION_GRACE, HEARTBEAT_SECONDS, gradio_routes
from .host_check import HostCheck
from .http import http_routes, not_found
from .metrics import METRICS_PATH, ServerMetrics
from .stopping import StopSignal
from .uploads import upload_route
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
    authenticator: Authenticator | None = None,
    allowed_hosts: Sequence[str] = (),
    max_file_size: int | None = None,
    runtime: AppRuntime | None = None,
    describe: Callable[[], dict[str, Any]] | None = None,
    stopping: StopSignal | None = None,
    session_grace: float = DEFAULT_SESSION_GRACE,
    heartbeat_interval: float = HEARTBEAT_SECONDS,
    connections: OpenConnections | None = None,
    metrics: ServerMetrics | None = None,
) -> Starlette:
    """The app: the page, ``/static``, ``/config`` (``config()`` makes its JSON body), files
    ``files`` allows at ``/file=<path>``, ``/healthz``, uploads into ``files``' cache of at
    most ``max_file_size`` bytes each (:mod:`transports.uploads`) and, at :data:`WS_PATH`,
    WebSocket sessions that ``admission`` lets in, each run by ``handle_websocket``. With a
    ``runtime`` and ``describe`` (``/config``'s dict), Gradio's HTTP API too
    (:mod:`transports.gradio_api`), its calls on that runtime, its sessions living
    ``session_grace`` seconds past their last stream, its idle streams and heartbeats sent a
    message every ``heartbeat_interval`` seconds and ended when ``stopping`` is set.

    In front of every route: the ``Host`` check (:class:`~transports.host_check.HostCheck`,
    with ``allowed_hosts``), then, with ``connections``, the limit on long-lived connections
    (:class:`~transports.connection_limit.ConnectionLimit`), then, with an
    ``authenticator``, the login gate and the ``login``/``logout`` routes
    (:mod:`transports.auth`).

    With ``metrics``, ``GET /metrics`` (:mod:`transports.metrics`), behind the same login
    gate as every other route, and the Gradio API's sessions counted in them.
    """
    routes: list[BaseRoute] = [
        *http_routes(config, files),
        upload_route(files, max_file_size, runtime.uploads if runtime is not None else None),
        websocket_route(WS_PATH, admission, handle_websocket),
    ]
    if runtime is not None and describe is not None:
        routes += gradio_routes(
            runtime,
            describe,
            files,
            stopping=stopping or StopSignal(),
            grace=session_grace,
            heartbeat=heartbeat_interval,
            observe=None if metrics is None else partial(metrics.observer, "gradio_api"),
        )
    if metrics is not None:
        routes.append(Route(METRICS_PATH, metrics.endpoint, methods=["GET"]))
    middleware = [Middleware(HostCheck, allowed_hosts=allowed_hosts)]
    if connections is not None:
        middleware.append(Middleware(ConnectionLimit, connections=connections))
    if authenticator is not None:
        routes += [
            Route("/login", authenticator.login, methods=["GET", "POST"]),
            Route("/logout", authenticator.logout),
        ]
        middleware.append(Middleware(LoginGate, authenticator=authenticator))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
