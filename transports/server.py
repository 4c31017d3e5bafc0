"""The server: one port for the page, ``/config``, cached files and WebSocket sessions.

A :class:`Server` holds an app's runtime and its ASGI application (``server.app``, built by
:mod:`transports.asgi`), which uvicorn serves. ``async with serve(demo, port=0) as server:``
runs it on the current event loop (tests, embedding); :func:`launch` (what ``demo.launch()``
calls) runs it on a loop of its own in a background thread, as Gradio does, and returns at
once with ``prevent_thread_lock=True``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import importlib.util
import json
import logging
import os
import socket
import tempfile
import threading
import weakref
import webbrowser
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import uvicorn
from starlette.applications import Starlette

from streamcore.app.runtime import DEFAULT_MAX_JOBS_PER_SESSION, App, AppRuntime
from streamcore.media.files import FileAccess, current_file_access
from streamcore.media.sizes import parse_file_size
from streamcore.media.static_paths import static_paths
from streamcore.media.upload_ledger import UploadLedger
from streamcore.unsupported import refuse_mcp

from .asgi import WS_PATH, build_app
from .auth import AuthDependency, Authenticator, Credentials
from .connection_limit import OpenConnections, default_max_connections
from .gradio_messages import gradio_config_keys
from .log_throttle import throttle_accept_errors
from .metrics import ServerMetrics
from .ports import bind_first_free, bind_socket, first_port
from .process_setup import prepare_process
from .protocol import PROTOCOL_VERSION, json_default
from .rtc_peers import DEFAULT_MAX_PEERS, RtcSettings
from .stopping import StopSignal
from .websocket import MessageSocket, serve_connection
from .ws_route import Admission

__all__ = [
    "LOOP_ENV",
    "LaunchCall",
    "Server",
    "ServerOptions",
    "asgi_app",
    "launch",
    "launches_captured",
    "run_on_server_loop",
    "serve",
    "server_loop",
    "uvicorn_on",
    "uvicorn_settings",
]

log = logging.getLogger("streamcore.transports")

T = TypeVar("T")

DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 10
"""How long closing waits for open connections to end before cancelling their tasks."""


@dataclass
class ServerOptions:
    """What ``launch(...)`` / ``serve(...)`` accept beyond host and port."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Bigger WebSocket messages close the connection with code 1009."""
    max_pixels: int | None = None
    """Bigger frames and images are refused (default: the file access policy's)."""
    max_file_size: int | str | None = None
    """Gradio's: the largest file a client may upload, in bytes or as ``"5mb"``, ``"200kb"``
    (units b, kb, mb, gb, tb, powers of 1024); ``None``: no limit. Bigger uploads get 413 over
    HTTP and a ``file_too_large`` error over the WebSocket."""
    allowed_origins: Sequence[str] | None = None
    """Browser origins allowed to connect; ``None``: only the server's own host; ``"*"``: any."""
    auth: Credentials | None = None
    """Gradio's: a ``(user, password)`` tuple, a list of them, or a callable
    ``(user, password) -> bool``; users log in at ``login`` (see :mod:`transports.auth`)."""
    auth_message: str | None = None
    """Shown on the login form."""
    auth_dependency: AuthDependency | None = None
    """Gradio's: ``(request) -> user name | None``, run on every request (a proxy's login)."""
    ssl_keyfile: str | Path | None = None
    """With ``ssl_certfile``: serve HTTPS and WSS (the page then reaches the camera from
    other machines too: browsers give it only to secure pages and localhost)."""
    ssl_certfile: str | Path | None = None
    ssl_keyfile_password: str | None = None
    root_path: str = ""
    """The path prefix a proxy serves the app under and strips before forwarding (uvicorn's
    and Gradio's ``root_path``): the app then scopes its login cookie to it. The page's
    URLs are relative, so it needs none to work behind a proxy."""
    allowed_hosts: Sequence[str] = ()
    """``Host`` names the server answers to besides IP addresses, localhost and the name it
    was started on (DNS-rebinding defence, :mod:`transports.host_check`); ``"*"``: any."""
    idle_timeout: float | None = 30.0
    """A stream with no frame in and no result out for this long ends as ``idle``."""
    max_threads: int = 40
    """Worker threads at most (anyio's capacity limiter): threads, not running fns."""
    max_concurrent_fns: int | Literal["auto"] | None = "auto"
    """streamcore's: how many stream fn calls (a frame's decode, fn and encode in its
    worker thread) may run at once in this process, shared fairly by the streams (first
    come, first served; a stream that just ran waits behind those waiting). ``"auto"``: the
    CPUs the process may use; ``None``: no limit. More fn threads than cores starve the
    event loop of the GIL (``docs/semantics.md``, "Concurrent fn calls"). An event's own
    ``max_concurrent_fns`` overrides it for that event."""
    prequeue_threads: int = 2
    """Threads for the decoding that runs before a job holds its slot (a validator's
    values, an ``inputs`` message for a stream still waiting), app-wide
    (``docs/security.md``)."""
    show_error: bool = False
    """Gradio's: send the text of a fn's unexpected exceptions to clients. Off, they read
    that the app failed and the text stays in the server's log; a ``gr.Error`` and a
    refused input are always sent."""
    allowed_paths: Sequence[str | Path] = ()
    blocked_paths: Sequence[str | Path] = ()
    allow_private_urls: bool = False
    """Let the server fetch URLs (an image input given as a URL, a URL a fn returns) on
    loopback, private, link-local and other non-public addresses: refused by default
    (SSRF defence, ``docs/security.md``). Also ``FileAccess(allow_private_urls=True)``."""
    rtc_configuration: dict[str, Any] | None = None
    """ICE servers for WebRTC, browser-style: ``{"iceServers": [{"urls": [...]}]}``; used by
    the server's peers and sent to browsers in ``/config``. Default: none (host candidates,
    enough on loopback and a LAN; see docs/deployment.md)."""
    rtc_connect_timeout: float = 15.0
    """A WebRTC peer not connected after this many seconds is dropped and frees its slot."""
    max_jobs_per_session: int | None = DEFAULT_MAX_JOBS_PER_SESSION
    """The calls and streams (waiting or running) one client session may have open at once
    (64; ``None``: no bound). Past it a trigger gets ``too_many_jobs`` over the WebSocket
    and 429 over Gradio's HTTP API (``docs/security.md``)."""
    max_rtc_peers_per_session: int = DEFAULT_MAX_PEERS
    """The WebRTC peers one WebSocket session may have open at once (8); past it an
    ``rtc_offer`` gets ``too_many_peers``."""
    session_upload_quota: int | str | None = "512mb"
    """The bytes of uploads one session may hold (``max_file_size``'s forms; ``None``: no
    bound). Past it an upload gets 413 over HTTP, ``upload_quota`` over the WebSocket. A
    session's uploads are deleted when it ends (``docs/protocol.md``, "Upload quotas")."""
    upload_quota: int | str | None = "4gb"
    """The bytes of all sessions' uploads together; past it an upload gets 507."""
    heartbeat_interval: float = 15.0
    """Seconds between the messages an idle event stream or heartbeat of Gradio's HTTP API
    gets (proxies close connections that stay silent; clients notice a closed session)."""
    session_grace: float = 60.0
    """Seconds an HTTP API session lives on once its last heartbeat or event stream has
    closed (a client reconnecting in time keeps its ``State`` and uploads)."""
    show_api: bool = True
    """Gradio's: whether the page shows its "Use via API" link (``/config``'s ``show_api``).
    The API itself stays reachable either way."""
    max_connections: int | None = None
    """Long-lived connections open at once: WebSocket sessions and Gradio's event streams
    and heartbeats (:mod:`transports.connection_limit`). Past it a WebSocket is closed with
    code 1013, an HTTP stream gets 503; short requests (``/healthz``, the page, files) are
    never counted. ``None``: derived from the process's file-descriptor limit (480 for
    ``ulimit -n 1024``)."""
    session_idle_timeout: float | None = 300.0
    """A WebSocket session with no job running or waiting and no message either way for
    this many seconds is closed (code 1001). ``None``: never."""

    def __post_init__(self) -> None:
        if (self.ssl_keyfile is None) != (self.ssl_certfile is None):
            raise ValueError(
                "ssl_keyfile and ssl_certfile go together: give both to serve HTTPS, or neither"
            )
        if self.max_connections is not None and self.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {self.max_connections}")
        if self.session_idle_timeout is not None and self.session_idle_timeout <= 0:
            raise ValueError(
                f"session_idle_timeout must be positive or None, not {self.session_idle_timeout}"
            )


class Server:
    """An app's runtime and its ASGI app (``app``); ``local_url`` is where to point a browser.

    Iterating gives ``(app, local_url, share_url)``, what Gradio's ``launch()`` returns
    (``share_url`` is always ``None``: there is no share service).
    """

    def __init__(self, blocks: App, options: ServerOptions) -> None:
        self.blocks = blocks
        self.options = options
        base = current_file_access.get()
        self.max_file_size = parse_file_size(options.max_file_size)
        allowed = (*map(Path, options.allowed_paths), *static_paths())  # gr.set_static_paths
        policy = dataclasses.replace(
            base,
            allowed_paths=(*base.allowed_paths, *allowed),
            blocked_paths=(*base.blocked_paths, *map(Path, options.blocked_paths)),
            max_pixels=options.max_pixels or base.max_pixels,
            max_file_size=self.max_file_size,
            allow_private_urls=options.allow_private_urls or base.allow_private_urls,
            # Gradio's rule, at launch: a file a fn returns from here is copied to the cache
            copied_roots=(Path.cwd(), Path(tempfile.gettempdir())),
        )
        served = FileAccess(
            cache_dir=policy.cache_dir,
            allowed_paths=allowed,
            blocked_paths=policy.blocked_paths,
        )
        named_by_clients = dataclasses.replace(  # the working directory is not one of them
            policy, allowed_paths=(*served.allowed_paths, *blocks.allowed_paths), copied_roots=()
        )
        self.runtime = AppRuntime(
            blocks,
            max_threads=options.max_threads,
            idle_timeout=options.idle_timeout,
            file_access=policy,
            input_access=named_by_clients,
            show_error=options.show_error,
            prequeue_threads=options.prequeue_threads,
            max_jobs_per_session=options.max_jobs_per_session,
            max_concurrent_fns=options.max_concurrent_fns,
            uploads=UploadLedger(
                session_quota=_quota(options.session_upload_quota),
                total_quota=_quota(options.upload_quota),
            ),
        )
        self._rtc = RtcSettings(
            options.rtc_configuration,
            options.rtc_connect_timeout,
            options.max_rtc_peers_per_session,
        )
        self.stopping = StopSignal()
        """Set as the server begins to stop: heartbeats and lingering sessions end."""
        self.allowed_hosts: list[str] = list(options.allowed_hosts)
        """Read at each request: :meth:`running` adds the name the server listens on."""
        self.connections = OpenConnections(options.max_connections or default_max_connections())
        """The long-lived connections open now, and those refused past their limit."""
        self.metrics = ServerMetrics(self.runtime)
        """``/metrics``: this server's figures, in a registry of its own."""
        throttle_accept_errors()  # a process out of descriptors logs it once per interval
        self.app: Starlette = build_app(
            config=self._config_json,
            files=served,
            admission=Admission(options.allowed_origins),
            handle_websocket=self._handle,
            authenticator=_authenticator(options),
            allowed_hosts=self.allowed_hosts,
            max_file_size=self.max_file_size,
            runtime=self.runtime,
            describe=self.config,
            stopping=self.stopping,
            session_grace=options.session_grace,
            heartbeat_interval=options.heartbeat_interval,
            connections=self.connections,
            metrics=self.metrics,
        )
        self.host = "127.0.0.1"
        self.port = 0
        self.share_url: str | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.app, self.local_url, self.share_url))

    @property
    def secure(self) -> bool:
        """Whether it serves HTTPS (``ssl_certfile`` and ``ssl_keyfile`` given)."""
        return self.options.ssl_certfile is not None

    @property
    def local_url(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"{scheme}://{self.host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        scheme = "wss" if self.secure else "ws"
        return f"{scheme}://{self.host}:{self.port}{WS_PATH}"

    def limits(self) -> dict[str, Any]:
        return {
            "max_message_bytes": self.options.max_message_bytes,
            "max_pixels": self.runtime.file_access.max_pixels,
            "idle_timeout": self.options.idle_timeout,
            "session_idle_timeout": self.options.session_idle_timeout,
        }

    def config(self) -> dict[str, Any]:
        """``/config``: the app description plus what clients need to connect."""
        return {
            **self.blocks.get_config_file(),
            **gradio_config_keys(),
            "streamcore_protocol": PROTOCOL_VERSION,
            "ws_path": WS_PATH.lstrip("/"),  # relative: the app may sit under a prefix
            "limits": self.limits(),
            "max_file_size": self.max_file_size,
            "rtc_configuration": self.options.rtc_configuration,
            "show_api": self.options.show_api,
        }

    def _config_json(self) -> bytes:
        return json.dumps(self.config(), default=json_default).encode()

    async def _handle(self, socket: MessageSocket) -> None:
        observer = self.metrics.observer("websocket")
        await serve_connection(socket, self.runtime, self.limits(), self._rtc, observer)

    # -- running ---------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, host: str, port: int) -> AsyncIterator[Server]:
        """Serve on ``host:port`` (0 = a free port) for the body of the ``async with``.

        Raises ``OSError`` naming the port at once when it cannot be bound. On exit the
        server stops accepting, closes open connections (WebSocket sessions get code 1012)
        and waits for them to end; the port is free again when it returns.
        """
        prepare_process()  # malloc policy, switch interval; bad settings stop here
        async with self._serving(bind_socket(host, port), host):
            yield self

    @asynccontextmanager
    async def _serving(self, sock: socket.socket, host: str) -> AsyncIterator[None]:
        """uvicorn serving ``self.app`` on the listening ``sock`` (closed on exit)."""
        self.host, self.port = host, int(sock.getsockname()[1])
        self.allowed_hosts.extend(_names_of(host))
        try:
            async with uvicorn_on(sock, self._uvicorn_config(), self.stopping):
                yield
        finally:  # every session has ended with the server
            await self.metrics.stop_sampler()
            await self.runtime.forget_uploads()

    def _uvicorn_config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self.app,
            root_path=self.options.root_path,
            ssl_keyfile=_path_or_none(self.options.ssl_keyfile),
            ssl_certfile=_path_or_none(self.options.ssl_certfile),
            ssl_keyfile_password=self.options.ssl_keyfile_password,
            ws_max_size=self.options.max_message_bytes,
            lifespan="off",
            log_config=None,  # leave the program's logging alone
            log_level="warning",
            **uvicorn_settings(),
        )

    def close(self) -> None:
        """Stop a server started by :func:`launch` (from any thread) and wait for it: on
        return its port is free and its thread has ended."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2 * SHUTDOWN_GRACE_SECONDS)
        self._thread = None

    def _run_in_thread(self, sock: socket.socket, host: str, started: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                async with self._serving(sock, host):
                    started.set()
                    await self._stop.wait()
            finally:
                started.set()

        try:
            run_on_server_loop(main())
        except BaseException as exc:  # reported to launch() through self.error
            self.error = exc


def _quota(size: int | str | None) -> int | None:
    try:
        return parse_file_size(size)
    except (TypeError, ValueError) as exc:  # its message names max_file_size
        raise type(exc)(str(exc).replace("max_file_size", "upload quota")) from None


LOOP_ENV = "STREAMCORE_LOOP"
"""The event loop of the servers streamcore starts: ``auto`` (the default: uvloop when it
is installed, else asyncio's), ``uvloop`` or ``asyncio``."""


def server_loop() -> Literal["uvloop", "asyncio"]:
    """The event loop a server streamcore starts runs on (``launch()``, ``streamcore
    serve``): :data:`LOOP_ENV`, else uvloop when it can be imported, else asyncio's.

    uvloop halves the loop's cost per WebSocket message, and with the fair fn limit it took
    8 WebRTC streams from 0.26-0.30 s to 0.22-0.28 s p50 (issue 16). ``serve()`` runs on the
    caller's loop, whatever it is. Raises ``ValueError`` for an unknown :data:`LOOP_ENV`.
    """
    choice = os.environ.get(LOOP_ENV, "auto").strip().lower() or "auto"
    if choice not in ("auto", "uvloop", "asyncio"):
        raise ValueError(f"{LOOP_ENV} must be auto, uvloop or asyncio, not {choice!r}")
    if choice == "asyncio":
        return "asyncio"
    if choice == "uvloop" or importlib.util.find_spec("uvloop") is not None:
        return "uvloop"
    return "asyncio"


def run_on_server_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to its end on a new event loop of the kind :func:`server_loop` names
    (in the calling thread, which may be any thread) and return its result."""
    if server_loop() == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


def uvicorn_settings() -> dict[str, Any]:
    """The uvicorn settings every streamcore server uses (``launch()``, ``serve()`` and
    ``streamcore serve``), as keywords of ``uvicorn.Config``; chosen by measurement (see
    ``benchmarks/RESULTS.md``). ``loop`` matters only where uvicorn makes the loop
    (``streamcore serve``'s workers); ``launch()`` makes it with :func:`run_on_server_loop`."""
    return {
        "loop": server_loop(),  # uvloop when installed: see server_loop()
        "http": "auto",  # httptools when installed: +30 % requests/s on /healthz, +15 % /config
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,  # images do not compress; deflate caps the rate
        "access_log": False,
        "server_header": False,
        "headers": [("server", "streamcore")],
        # open streams (event streams, heartbeats) do not hold a stopping server for good
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_SECONDS,
    }


@asynccontextmanager
async def uvicorn_on(
    sock: socket.socket, config: uvicorn.Config, stopping: StopSignal | None = None
) -> AsyncIterator[None]:
    """uvicorn serving ``config.app`` on the listening ``sock``, on the running event loop,
    for the body of the ``async with`` (accepting when the body starts; on exit it sets
    ``stopping``, stops accepting, closes open connections, waits for them, and closes
    ``sock``). For any ASGI app: a :class:`Server`'s, or one the demo is mounted into."""
    with sock:
        server = _EmbeddedUvicorn(config, stopping)
        serving = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        try:
            await server.wait_started(serving)
            yield
        finally:
            server.should_exit = True
            await serving


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn's server on a loop it does not own: it installs no signal handlers (the
    program that owns the loop owns them) and tells when it is accepting connections."""

    def __init__(self, config: uvicorn.Config, stopping: StopSignal | None) -> None:
        super().__init__(config)
        self._started = asyncio.Event()
        self._stopping = stopping

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._stopping is not None:  # long-lived responses end before uvicorn waits
            self._stopping.set()
        await super().shutdown(sockets=sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._started.set()

    async def wait_started(self, serving: asyncio.Task[None]) -> None:
        """Return once accepting; raise what made ``serving`` end before that."""
        started = asyncio.ensure_future(self._started.wait())
        try:
            await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            started.cancel()
        if not self._started.is_set():
            try:
                await serving  # raises what stopped it
            except SystemExit as exc:  # uvicorn exits the process when startup fails
                raise RuntimeError("uvicorn could not start (see its log)") from exc
            raise RuntimeError("uvicorn stopped before it started serving")


def _path_or_none(path: str | Path | None) -> str | None:
    return None if path is None else str(path)


def _authenticator(options: ServerOptions) -> Authenticator | None:
    if options.auth is None and options.auth_dependency is None:
        return None
    return Authenticator(
        options.auth, auth_dependency=options.auth_dependency, auth_message=options.auth_message
    )


def _names_of(host: str) -> list[str]:
    """The names a server listening on ``host`` is reached by, for the ``Host`` check:
    ``host`` itself, and the machine's names when it listens beyond loopback."""
    names = [host]
    if host in ("0.0.0.0", "::", ""):
        names += [socket.gethostname(), socket.getfqdn()]
    return names


_built: weakref.WeakKeyDictionary[App, Server] = weakref.WeakKeyDictionary()
"""The servers :func:`asgi_app` built for apps not launched, one per app, never running."""


def asgi_app(blocks: App) -> Starlette:
    """``demo.app``: the ASGI app of the server ``launch()`` started, else of one built once
    for ``blocks`` with the default :class:`ServerOptions`, for those who serve it with
    their own ASGI server."""
    if blocks.server is not None:
        return blocks.server.app  # type: ignore[no-any-return]
    server = _built.get(blocks)
    if server is None:
        server = _built[blocks] = Server(blocks, ServerOptions())
    return server.app


@asynccontextmanager
async def serve(
    blocks: App, *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> AsyncIterator[Server]:
    """Serve ``blocks`` on the running event loop for the body of the ``async with``.

    Raises ``OSError`` naming the port at once when it cannot be bound.
    """
    server = Server(blocks, ServerOptions(**options))
    async with server.running(host, port):
        yield server


_captured_launches: contextvars.ContextVar[list[LaunchCall] | None] = contextvars.ContextVar(
    "streamcore_captured_launches", default=None
)


@dataclass(frozen=True)
class LaunchCall:
    """A ``launch(...)`` made while launches were captured: the app and its keywords."""

    blocks: App
    options: dict[str, Any]
    """The :class:`ServerOptions` keywords it was given (``auth``, ``max_threads``, ...)."""


@contextlib.contextmanager
def launches_captured() -> Iterator[list[LaunchCall]]:
    """While active, :func:`launch` serves nothing: it records each call in the yielded
    list and returns a :class:`Server` that is not running. ``streamcore serve`` loads an
    app this way, so that the ``demo.launch(auth=...)`` of its script configures the
    served app without starting a second server."""
    calls: list[LaunchCall] = []
    token = _captured_launches.set(calls)
    try:
        yield calls
    finally:
        _captured_launches.reset(token)


def launch(
    blocks: App,
    *,
    server_name: str | None = None,
    server_port: int | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
    share: bool | None = None,
    inbrowser: bool = False,
    debug: bool = False,
    show_error: bool = False,
    mcp_server: bool | None = None,
    theme: Any = None,
    css: str | None = None,
    css_paths: Any = None,
    js: str | None = None,
    head: str | None = None,
    head_paths: Any = None,
    favicon_path: Any = None,
    ssr_mode: bool | None = None,
    **options: Any,
) -> Server:
    """Start serving ``blocks`` in a background thread and print its URL (``demo.launch``).

    The host is ``server_name``, else ``GRADIO_SERVER_NAME``, else ``127.0.0.1``. With no
    ``server_port``, the first free port of the 100 from ``GRADIO_SERVER_PORT`` (default
    7860) up; a given port that is busy raises ``OSError`` naming it, before anything runs.
    A server this app launched before is closed first. Blocks the calling thread until
    interrupted unless ``prevent_thread_lock``; then the server keeps running until
    ``demo.close()``; ``debug=True`` blocks it in any case, as Gradio. ``inbrowser=True``
    opens the page in the default browser. ``share=True`` raises ``ValueError``: there is no
    share service. ``show_error`` is :attr:`ServerOptions.show_error`. Other keywords are
    :class:`ServerOptions`. Returns the :class:`Server`, which unpacks as ``app,
    local_url, share_url``. ``mcp_server=True`` raises
    :class:`~streamcore.unsupported.NotSupportedError`: there is no MCP server. Gradio 6's
    presentation keywords (``theme``, ``css``, ``css_paths``, ``js``, ``head``,
    ``head_paths``, ``favicon_path``, ``ssr_mode``) are accepted and not applied: the page
    has one look of its own (``docs/semantics.md``).
    """
    refuse_mcp(mcp_server)
    if share:
        raise ValueError(
            "share=True is not available: streamcore has no share service (no public relay). "
            "Serve it on a reachable host (server_name='0.0.0.0') behind your own proxy."
        )
    options["show_error"] = show_error
    server = Server(blocks, ServerOptions(**options))
    captured = _captured_launches.get()
    if captured is not None:
        captured.append(LaunchCall(blocks, options))
        return server
    if blocks.server is not None:
        blocks.server.close()
        blocks.server = None
    prepare_process()  # malloc policy, switch interval; bad settings stop here
    host = server_name or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    if server_port is None:
        sock = bind_first_free(host, first_port())
    else:
        sock = bind_socket(host, server_port)
    _start_thread(server, sock, host)
    blocks.server = server
    if not quiet:
        print(f"* Running on local URL:  {server.local_url}", flush=True)
    if inbrowser:
        webbrowser.open(server.local_url)
    if debug or not prevent_thread_lock:
        _block_until_closed(server)
    return server


def _start_thread(server: Server, sock: socket.socket, host: str) -> None:
    port = sock.getsockname()[1]
    started = threading.Event()
    thread = threading.Thread(
        target=server._run_in_thread,
        args=(sock, host, started),
        name="streamcore-server",
        daemon=True,
    )
    server._thread = thread
    thread.start()
    started.wait()
    if server.error is not None:
        raise OSError(f"could not serve on {host}:{port}: {server.error}") from server.error


def _block_until_closed(server: Server) -> None:
    thread = server._thread
    try:
        while thread is not None and thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        print("Keyboard interruption: closing the server.", flush=True)
    finally:
        server.close()
