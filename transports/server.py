"""The server: one port for the page, ``/config``, cached files and WebSocket sessions.

``async with serve(demo, port=0) as server:`` runs it on the current event loop (tests,
embedding); :func:`launch` (what ``demo.launch()`` calls) runs it on a loop of its own in a
background thread, as Gradio does, and returns at once with ``prevent_thread_lock=True``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.http11 import Request, Response

from streamcore.app.runtime import App, AppRuntime
from streamcore.media.files import FileAccess, current_file_access

from .http import HttpRoutes, respond
from .rtc_peers import RtcSettings
from .websocket import serve_connection

__all__ = ["AuthCallback", "Server", "ServerOptions", "launch", "serve"]

log = logging.getLogger("streamcore.transports")

AuthCallback = Callable[[Mapping[str, str], Mapping[str, list[str]]], bool]
"""``auth(headers, query) -> bool``: ``False`` refuses the connection with HTTP 403."""

DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


@dataclass
class ServerOptions:
    """What ``launch(...)`` / ``serve(...)`` accept beyond host and port."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Bigger WebSocket messages close the connection with code 1009."""
    max_pixels: int | None = None
    """Bigger frames and images are refused (default: the file access policy's)."""
    allowed_origins: Sequence[str] | None = None
    """Browser origins allowed to connect; ``None``: only the server's own host; ``"*"``: any."""
    auth: AuthCallback | None = None
    idle_timeout: float | None = 30.0
    """A stream with no frame in and no result out for this long ends as ``idle``."""
    max_threads: int = 40
    allowed_paths: Sequence[str | Path] = ()
    blocked_paths: Sequence[str | Path] = ()
    rtc_configuration: dict[str, Any] | None = None
    """ICE servers for WebRTC, browser-style: ``{"iceServers": [{"urls": [...]}]}``; used by
    the server's peers and sent to browsers in ``/config``. Default: none (host candidates,
    enough on loopback and a LAN; see docs/deployment.md)."""
    rtc_connect_timeout: float = 15.0
    """A WebRTC peer not connected after this many seconds is dropped and frees its slot."""
    extra: dict[str, Any] = field(default_factory=dict)


class Server:
    """A running server for one app; ``local_url`` is where to point a browser."""

    def __init__(self, blocks: App, options: ServerOptions) -> None:
        self.blocks = blocks
        self.options = options
        base = current_file_access.get()
        policy = FileAccess(
            cache_dir=base.cache_dir,
            allowed_paths=(*base.allowed_paths, *map(Path, options.allowed_paths)),
            blocked_paths=(*base.blocked_paths, *map(Path, options.blocked_paths)),
            max_pixels=options.max_pixels or base.max_pixels,
            url_timeout=base.url_timeout,
            max_url_bytes=base.max_url_bytes,
        )
        self.runtime = AppRuntime(
            blocks,
            max_threads=options.max_threads,
            idle_timeout=options.idle_timeout,
            file_access=policy,
        )
        served = FileAccess(
            cache_dir=policy.cache_dir,
            allowed_paths=tuple(Path(p) for p in options.allowed_paths),
            blocked_paths=policy.blocked_paths,
        )
        self._routes = HttpRoutes(self.config, served)
        self.host = "127.0.0.1"
        self.port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: Exception | None = None

    @property
    def local_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def limits(self) -> dict[str, Any]:
        return {
            "max_message_bytes": self.options.max_message_bytes,
            "max_pixels": self.runtime.file_access.max_pixels,
            "idle_timeout": self.options.idle_timeout,
        }

    def config(self) -> dict[str, Any]:
        """``/config``: the app description plus what clients need to connect."""
        return {
            **self.blocks.config(),
            "protocol": 1,
            "ws_path": "/ws",
            "limits": self.limits(),
            "rtc_configuration": self.options.rtc_configuration,
        }

    # -- the hooks websockets calls --------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path != "/ws":
            return self._routes(request)
        if not self._origin_allowed(request):
            origin = request.headers.get("Origin")
            return respond(403, f"origin {origin!r} is not allowed (see allowed_origins)")
        if self.options.auth is not None:
            query = parse_qs(urlsplit(request.path).query)
            headers = {k.lower(): v for k, v in request.headers.raw_items()}
            try:
                allowed = bool(self.options.auth(headers, query))
            except Exception:
                log.exception("the auth callback failed; refusing the connection")
                allowed = False
            if not allowed:
                return respond(403, "authentication refused")
        return None

    def _origin_allowed(self, request: Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser: browsers always send Origin on WebSocket upgrades
        allowed = self.options.allowed_origins
        if allowed is None:
            host = request.headers.get("Host", "")
            return urlsplit(origin).netloc == host
        return "*" in allowed or origin in allowed

    async def _handle(self, connection: ServerConnection) -> None:
        rtc = RtcSettings(self.options.rtc_configuration, self.options.rtc_connect_timeout)
        await serve_connection(connection, self.runtime, self.limits(), rtc)

    # -- running ---------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, host: str, port: int) -> AsyncIterator[Server]:
        """Serve on ``host:port`` (0 = a free port) for the body of the ``async with``."""
        async with websockets_serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            compression=None,
            max_size=self.options.max_message_bytes,
            max_queue=4,
            server_header="streamcore",
        ) as websocket_server:
            sockname = next(iter(websocket_server.sockets)).getsockname()
            self.host, self.port = host, int(sockname[1])
            try:
                yield self
            finally:
                websocket_server.close()

    def close(self) -> None:
        """Stop a server started by :func:`launch` (from any thread) and wait for it."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None

    def _run_in_thread(self, host: str, port: int, started: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                async with self.running(host, port):
                    started.set()
                    await self._stop.wait()
            finally:
                started.set()

        try:
            asyncio.run(main())
        except Exception as exc:  # reported to launch() through self.error
            self.error = exc


@asynccontextmanager
async def serve(
    blocks: App, *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> AsyncIterator[Server]:
    """Serve ``blocks`` on the running event loop for the body of the ``async with``."""
    server = Server(blocks, ServerOptions(**options))
    async with server.running(host, port):
        yield server


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
    **options: Any,
) -> Server:
    """Start serving ``blocks`` in a background thread and print its URL (``demo.launch``).

    Blocks the calling thread until interrupted unless ``prevent_thread_lock``; then the
    server keeps running until ``demo.close()``. ``share`` is not available (there is no
    relay service): asking for it raises. Other keywords are :class:`ServerOptions`.
    """
    if share:
        raise ValueError("share=True is not available in streamcore: serve behind your own proxy")
    host = server_name or "127.0.0.1"
    port = 7860 if server_port is None else server_port
    server = Server(blocks, ServerOptions(**options))
    started = threading.Event()
    thread = threading.Thread(
        target=server._run_in_thread,
        args=(host, port, started),
        name="streamcore-server",
        daemon=True,
    )
    server._thread = thread
    thread.start()
    started.wait()
    if server.error is not None:
        raise OSError(f"could not serve on {host}:{port}: {server.error}") from server.error
    blocks.server = server
    if not quiet:
        print(f"* Running on local URL:  {server.local_url}", flush=True)
    if not prevent_thread_lock:
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            print("Keyboard interruption: closing the server.", flush=True)
        finally:
            server.close()
    return server
