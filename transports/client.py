"""The Python client over the network: ``Client(url)`` (sync) and ``AsyncClient(url)``.

Names follow ``gradio_client`` where they exist: ``predict(*inputs, api_name=..., fn_index=...)``,
``submit(...)`` returning a :class:`~streamcore.client.Job` (a ``Future``; iterate it for a
generator's yields), ``view_api()``, ``handle_file()``; plus ``stream(frames, api_name=...)``
for stream events, over the WebSocket or WebRTC. Values are client-side: images are file
paths in and out (outputs are downloaded into ``download_dir``), and numpy arrays on a
stream. See ``docs/client.md`` and ``docs/protocol.md``.
"""

from __future__ import annotations

import contextlib
import http.cookies
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterable, Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import anyio
import anyio.to_thread
import numpy as np
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from streamcore.client import BaseAsyncClient, ClientStream, SyncClient
from streamcore.engine.frames import Frame
from streamcore.errors import ClientError, InvalidInputError, UnknownEventError
from streamcore.media.encoding import encode
from streamcore.messages import Accepted, Message

from .protocol import (
    Cancel,
    CloseStream,
    FrameData,
    Hello,
    OpenStream,
    Ping,
    Pong,
    RtcAnswer,
    RtcOffer,
    ServerError,
    Submit,
    UpdateInputs,
    Upload,
    Uploaded,
    Welcome,
    encode_request,
    parse_event,
)

__all__ = ["JPEG_QUALITY", "AsyncClient", "Client", "ClientError"]

JPEG_QUALITY = 90
"""Quality of the JPEG frames a client sends (the browser default is about 0.92)."""


class _WebSocketChannel:
    """The :class:`~streamcore.client.Channel` over one WebSocket connection."""

    def __init__(
        self,
        connection: ClientConnection,
        base_url: str,
        download_dir: Callable[[], Path],
        http: _Http,
    ) -> None:
        self._connection = connection
        self._base_url = base_url
        self._http = http
        self._download_dir = download_dir
        self._replies: dict[str, tuple[anyio.Event, list[Any]]] = {}
        send, receive = anyio.create_memory_object_stream[Message](16)
        self._send: MemoryObjectSendStream[Message] = send
        self._receive: MemoryObjectReceiveStream[Message] = receive
        self.welcome: Welcome | None = None
        self._answers: dict[str, str] = {}
        self._answer_arrived = anyio.Event()
        self.closed = False

    async def read(self) -> None:
        """Route every server message: replies to their request, job messages onwards."""
        try:
            async for raw in self._connection:
                event = parse_event(raw)
                if isinstance(event, Accepted):
                    self._reply(event.ref, event.job)
                    await self._send.send(event)
                elif isinstance(event, Uploaded):
                    self._reply(event.ref, event.path)
                elif isinstance(event, Pong):
                    self._reply(event.ref or "", None)
                elif isinstance(event, ServerError):
                    self._reply(event.ref or "", ClientError(event.code, event.message))
                elif isinstance(event, Welcome):
                    self.welcome = event
                elif isinstance(event, RtcAnswer):
                    self._answers[event.job] = event.sdp
                    self._answer_arrived.set()
                    self._answer_arrived = anyio.Event()
                else:
                    await self._send.send(event)
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self._answer_arrived.set()
            self._send.close()
            for waiter, box in self._replies.values():
                box.append(ClientError("closed", "the connection to the server closed"))
                waiter.set()

    async def keep_alive(self, idle_timeout: float | None) -> None:
        """Ping the server three times per ``idle_timeout`` (its ``session_idle_timeout``)
        so that a client with nothing to do is not closed as idle; returns at once without
        one. Runs until cancelled or the connection closes."""
        if not idle_timeout:
            return
        while not self.closed:
            await anyio.sleep(idle_timeout / 3)
            await self._send_quietly(Ping())

    def close(self) -> None:
        """Close both ends of the message channel (after :meth:`read` has stopped)."""
        self._send.close()
        self._receive.close()

    def _reply(self, ref: str, value: Any) -> None:
        waiter = self._replies.pop(ref, None)
        if waiter is not None:
            waiter[1].append(value)
            waiter[0].set()

    async def _request(self, make: Any) -> Any:
        ref = uuid.uuid4().hex
        event, box = anyio.Event(), list[Any]()
        self._replies[ref] = (event, box)
        try:
            await self._connection.send(encode_request(make(ref)))
        except ConnectionClosed:
            self._replies.pop(ref, None)
            raise ClientError("closed", "the connection to the server closed") from None
        await event.wait()
        if isinstance(box[0], ClientError):
            _raise(box[0])
        return box[0]

    async def submit(self, api_name: str | int, data: list[Any], event_data: Any) -> str:
        job: str = await self._request(lambda ref: Submit(ref, api_name, data, event_data))
        return job

    async def rtc_offer(
        self, api_name: str | int, data: list[Any] | None, sdp: str
    ) -> tuple[str, str]:
        """Open a stream carried by WebRTC: returns ``(job id, the server's answer SDP)``."""
        job: str = await self._request(lambda ref: RtcOffer(ref, api_name, sdp, data))
        while job not in self._answers:
            if self.closed:
                raise ClientError("closed", "the connection closed before the WebRTC answer")
            await self._answer_arrived.wait()
        return job, self._answers.pop(job)

    async def open_stream(self, api_name: str | int, data: list[Any] | None) -> str:
        job: str = await self._request(lambda ref: OpenStream(ref, api_name, data))
        return job

    async def send_frame(self, job: str, frame: Frame) -> None:
        pixels = frame.pixels
        if isinstance(pixels, bytes):
            payload = pixels
        elif isinstance(pixels, np.ndarray):
            payload = await anyio.to_thread.run_sync(encode, pixels, "jpeg", JPEG_QUALITY)
        else:
            raise TypeError(
                f"a frame to send must be a uint8 array or encoded bytes, not {pixels!r}"
            )
        await self._send_quietly(FrameData(job, payload, frame.seq))

    async def update_inputs(self, job: str, data: list[Any]) -> None:
        await self._send_quietly(UpdateInputs(job, data))

    async def close_stream(self, job: str) -> None:
        await self._send_quietly(CloseStream(job))

    async def cancel(self, job: str) -> None:
        await self._send_quietly(Cancel(job))

    async def _send_quietly(self, request: Any) -> None:
        with contextlib.suppress(ConnectionClosed):  # the job ends with the connection
            await self._connection.send(encode_request(request))

    async def receive(self) -> Message:
        return await self._receive.receive()

    async def upload(self, data: bytes, name: str) -> str:
        path: str = await self._request(lambda ref: Upload(ref, name, data))
        return path

    async def resolve_path(self, path: str) -> str:
        """Download a server file (``GET /file=<path>``) into the download directory."""
        url = urljoin(self._base_url, "file=" + quote(path))
        target = self._download_dir() / Path(path).parent.name / Path(path).name
        if not await anyio.Path(target).exists():
            data = await anyio.to_thread.run_sync(self._http.get, url)
            await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
            await anyio.Path(target).write_bytes(data)
        return str(target)


def _raise(error: ClientError) -> None:
    """Raise the server's refusal as the error the caller would have met in process."""
    if error.code == "unknown_api":
        raise UnknownEventError(str(error))
    if error.code in ("bad_input", "not_a_stream", "bad_message"):
        raise InvalidInputError(str(error))
    raise error


def _unverified_context() -> ssl.SSLContext:
    """TLS that accepts any certificate (``ssl_verify=False``)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _socket_url(url: str) -> str:
    """``url`` (http or https) with the matching WebSocket scheme (ws or wss)."""
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


class _Http:
    """The client's plain HTTP requests (config, login, file downloads), blocking: run
    them in a worker thread. Every request carries the client's ``headers`` and, once
    :meth:`login` has succeeded, the session cookie (which the WebSocket then carries too)."""

    def __init__(self, headers: dict[str, str], ssl_context: ssl.SSLContext | None) -> None:
        self.headers = dict(headers)
        self.ssl_context = ssl_context
        handlers = [] if ssl_context is None else [urllib.request.HTTPSHandler(context=ssl_context)]
        # an opener of its own: the proxy settings of the environment as the client starts
        # (urllib's shared opener keeps those of the first request the process made)
        self._opener = urllib.request.build_opener(*handlers)

    def get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers=self.headers)
        with self._opener.open(request, timeout=30) as response:
            data: bytes = response.read()
            return data

    def get_config(self, url: str) -> dict[str, Any]:
        """``GET config``; a server that needs a login says so with 401."""
        try:
            config: dict[str, Any] = json.loads(self.get(url))
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 401:
                raise ClientError(
                    "auth_required", f"{url} needs a login: pass auth=(user, password)"
                ) from None
            raise
        return config

    def login(self, url: str, user: str, password: str) -> None:
        """``POST login`` with the form Gradio's clients send; keeps the session cookie."""
        form = urllib.parse.urlencode({"username": user, "password": password}).encode()
        headers = {**self.headers, "Accept": "application/json"}
        request = urllib.request.Request(url, data=form, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=30) as response:
                cookies = http.cookies.SimpleCookie()
                for header in response.headers.get_all("Set-Cookie") or []:
                    cookies.load(header)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (400, 401):
                raise ClientError("login_refused", f"{url} refused the login of {user!r}") from None
            raise
        if not cookies:
            raise ClientError("login_refused", f"{url} answered without a session cookie")
        self.headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in cookies.items())


class AsyncClient(BaseAsyncClient):
    """A client of a streamcore server at ``src`` (``http://host:port/``), for ``async with``.

    ``binary_frames`` asks for stream image outputs as binary messages (faster than the
    base64 data URLs of the documented behaviour, which it gets otherwise). ``auth``
    (``(user, password)``) logs in first, for an app launched with ``auth``; ``headers``
    go with every request, the WebSocket's included. ``ssl_verify=False`` accepts a
    server certificate that cannot be verified (a self-signed one), as gradio_client's.
    """

    channel: _WebSocketChannel

    def __init__(
        self,
        src: str,
        *,
        binary_frames: bool = True,
        download_dir: str | Path | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        ssl_verify: bool = True,
    ) -> None:
        super().__init__(download_dir=download_dir)
        self.src = src if src.endswith("/") else src + "/"
        self.binary_frames = binary_frames
        self.headers = headers or {}
        self.auth = auth
        self.ssl_verify = ssl_verify

    async def _connect(self, stack: contextlib.AsyncExitStack) -> None:
        context = None if self.ssl_verify else _unverified_context()
        web = _Http(self.headers, context)
        if self.auth is not None:
            user, password = self.auth
            await anyio.to_thread.run_sync(web.login, urljoin(self.src, "login"), user, password)
        self.config = await anyio.to_thread.run_sync(web.get_config, urljoin(self.src, "config"))
        ws_url = _socket_url(urljoin(self.src, self.config.get("ws_path", "ws")))
        connection = await stack.enter_async_context(
            connect(
                ws_url,
                compression=None,
                max_size=None,
                additional_headers=web.headers or None,
                ssl=context if ws_url.startswith("wss:") else None,
            )
        )
        self.channel = channel = _WebSocketChannel(
            connection, self.src, lambda: self.download_dir, web
        )
        stack.callback(channel.close)
        tasks = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tasks.cancel_scope.cancel)
        tasks.start_soon(channel.read)
        idle_timeout = self.config.get("limits", {}).get("session_idle_timeout")
        tasks.start_soon(channel.keep_alive, idle_timeout)
        await connection.send(encode_request(Hello(binary_frames=self.binary_frames)))

    async def stream(
        self,
        frames: Iterable[Any] | AsyncIterable[Any],
        *inputs: Any,
        api_name: str | int | None = None,
        fn_index: int | None = None,
        max_in_flight: int = 1,
        transport: str = "websocket",
    ) -> ClientStream:
        """Feed ``frames`` to a stream event; iterate the result for the outputs.

        ``transport="websocket"`` sends JPEG frames on the WebSocket;
        ``transport="webrtc"`` sends them on a video track (VP8) and receives the results
        on one (the fn's image output only). Otherwise as the in-process client.
        """
        if transport == "websocket":
            return await super().stream(
                frames, *inputs, api_name=api_name, fn_index=fn_index, max_in_flight=max_in_flight
            )
        if transport != "webrtc":
            raise ValueError(f"transport must be 'websocket' or 'webrtc', not {transport!r}")
        from .webrtc_client import RtcFrameStream  # aiortc is loaded only when used

        endpoint = self.endpoint(api_name, fn_index)
        data = await self.payloads(endpoint, inputs) if inputs else None
        stream = RtcFrameStream(self, endpoint, frames, max_in_flight)
        await stream.start(data)
        return stream


class Client(SyncClient):
    """A synchronous client of a streamcore server: ``Client("http://127.0.0.1:7860/")``.

    Takes :class:`AsyncClient`'s options. Use ``with Client(url) as client:``; a client
    that is never closed still lets the script end (see :mod:`streamcore.client.sync`).
    """

    def __init__(self, src: str, **options: Any) -> None:
        super().__init__(lambda: AsyncClient(src, **options))
