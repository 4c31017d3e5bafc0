"""Connections and sessions (``docs/security.md``): ``max_connections``, the idle-session
reaper and the log of a process out of file descriptors, against live servers.

The fd-limit tests run the server as users do (``demo.launch()`` in a script), in a
subprocess whose ``RLIMIT_NOFILE`` is low, its log going to a file; the attacker is this
process, with real sockets.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import resource
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from live_support import gradient, healthy, raw_client, sepia_demo, stream_demo
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import streamcore as gr
from transports import AsyncClient, serve
from transports.connection_limit import (
    ConnectionLimit,
    OpenConnections,
    default_max_connections,
    is_long_lived,
)
from transports.log_throttle import (
    AcceptErrorFilter,
    RecordRateFilter,
    ThrottledLog,
    throttle_accept_errors,
)
from transports.ports import bind_socket
from transports.server import LOOP_ENV

pytestmark = pytest.mark.anyio

SECONDS = 30
HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None

APP = """
import streamcore as gr

with gr.Blocks() as demo:
    camera = gr.Image(sources="webcam", streaming=True)
    out = gr.Image(streaming=True)
    camera.stream(lambda image: image, camera, out, stream_every=0, api_name="echo")

demo.launch(server_port={port}, quiet=True, **{options})
"""


def free_port() -> int:
    with bind_socket("127.0.0.1", 0) as sock:
        return int(sock.getsockname()[1])


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@contextmanager
def limited_server(
    tmp_path: Path, fd_limit: int, loop: str = "auto", **options: Any
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """A server launched by a script in a subprocess whose soft fd limit is ``fd_limit``,
    with ``demo.launch(**options)`` on the event loop ``loop`` (``STREAMCORE_LOOP``); yields
    its URL (once ``/healthz`` answers), the process and the file its stdout and stderr go
    to."""
    port = free_port()
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(APP).format(port=port, options=repr(options)))
    log_path = tmp_path / "server.log"
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    def lower_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, hard))

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lower_limit,
            env={
                **os.environ,
                "PYTHONPATH": str(Path(__file__).parent.parent),
                LOOP_ENV: loop,
            },
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SECONDS
        while not healthy(url, timeout=2):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url, process, log_path
    finally:
        process.kill()
        process.wait(SECONDS)


def timed_healthz(url: str) -> float:
    """Seconds ``/healthz`` took to answer ``ok`` (fails the test if it did not)."""
    start = time.perf_counter()
    assert healthy(url, timeout=5)
    return time.perf_counter() - start


def http_status(url: str) -> tuple[int, str, dict[str, Any]]:
    """``GET url``: status, ``Retry-After`` and the JSON body of an error status."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, "", {}
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Retry-After", ""), json.loads(exc.read())


@asynccontextmanager
async def sessions(ws_url: str, count: int) -> AsyncIterator[list[ClientConnection]]:
    """``count`` idle WebSocket sessions, each past its ``welcome``."""
    async with contextlib.AsyncExitStack() as stack:
        opened = []
        for _ in range(count):
            connection = await stack.enter_async_context(connect(ws_url, compression=None))
            with anyio.fail_after(SECONDS):
                assert json.loads(await connection.recv())["type"] == "welcome"
            opened.append(connection)
        yield opened


async def closed_with(connection: ClientConnection) -> tuple[int | None, str]:
    """The close code and reason the server ended ``connection`` with (waits for it)."""
    with anyio.fail_after(SECONDS), contextlib.suppress(ConnectionClosed):
        while True:
            await connection.recv()
    return connection.close_code, connection.close_reason


async def test_sessions_past_max_connections_are_refused_while_short_requests_are_answered(
    tmp_path: Path,
) -> None:
    """With ``max_connections=20`` under ``ulimit -n 128``: 20 idle sessions open; the 21st
    WebSocket is closed with 1013 and a reason naming the limit, an event stream or a
    heartbeat gets 503 with a JSON detail; ``/healthz`` and ``/config`` are answered within
    1 s throughout; once the sessions leave, new ones are admitted and the server holds no
    more descriptors than before."""
    with limited_server(tmp_path, 128, max_connections=20) as (url, process, log_path):
        ws_url = url.replace("http", "ws") + "ws"
        before = open_fds(process.pid)
        async with sessions(ws_url, 20):
            async with connect(ws_url, compression=None) as refused:
                code, reason = await closed_with(refused)
            assert code == 1013
            assert "max_connections" in reason
            assert "20" in reason
            for path in ("gradio_api/heartbeat/abc", "gradio_api/queue/data?session_hash=abc"):
                status, retry_after, body = await anyio.to_thread.run_sync(http_status, url + path)
                assert status == 503, path
                assert "max_connections" in body["detail"]
                assert retry_after
            assert await anyio.to_thread.run_sync(timed_healthz, url) < 1.0
            status, _, _ = await anyio.to_thread.run_sync(http_status, url + "config")
            assert status == 200
        deadline = time.monotonic() + SECONDS
        while open_fds(process.pid) > before + 2:  # the server's side closes a moment later
            assert time.monotonic() < deadline, (open_fds(process.pid), before)
            await anyio.sleep(0.1)
        async with sessions(ws_url, 20):  # the room is back
            pass
        log = log_path.read_text()
    assert log.count("max_connections=20") == 1, log  # refused 3 times, logged once


@pytest.mark.parametrize(
    "loop",
    [
        "asyncio",
        pytest.param("uvloop", marks=pytest.mark.skipif(not HAS_UVLOOP, reason="no uvloop")),
    ],
)
async def test_running_out_of_descriptors_is_logged_once_per_interval(
    tmp_path: Path, loop: str
) -> None:
    """Past the process's fd limit (idle TCP connections the server cannot refuse: it has
    no descriptor to accept them with), asyncio's accept loop fails on every attempt; the
    log gets one line per interval with the count held back, not a traceback per attempt
    (before: megabytes a second). uvloop (libuv) accepts and closes such connections with a
    spare descriptor of its own and logs nothing. Once the connections close, ``/healthz``
    answers again and the descriptors are released."""
    with limited_server(tmp_path, 64, loop) as (url, process, log_path):
        before = open_fds(process.pid)
        with contextlib.ExitStack() as stack:
            for _ in range(80):
                stack.enter_context(socket.create_connection(("127.0.0.1", int(url[17:-1]))))
            await anyio.sleep(3)
            assert open_fds(process.pid) == 64  # exhausted: every descriptor is in use
        deadline = time.monotonic() + SECONDS
        while not healthy(url, timeout=2):
            assert time.monotonic() < deadline, "the server did not recover"
        assert open_fds(process.pid) <= before + 2
        log = log_path.read_text()
    expected = (1, 2) if loop == "asyncio" else (0, 0)
    count = log.count("socket.accept() out of system resource")
    assert expected[0] <= count <= expected[1], log[:2000]
    assert "Traceback" not in log
    assert len(log) < 5000, len(log)


async def test_idle_sessions_are_closed_after_session_idle_timeout() -> None:
    """A session with no job and no message for ``session_idle_timeout`` is closed with
    1001 and a reason naming the setting; one that sends messages, or has a stream open,
    is not."""
    async with (
        serve(stream_demo(), session_idle_timeout=0.5, idle_timeout=None) as server,
        raw_client(server) as idle,
        raw_client(server) as talking,
        raw_client(server) as streaming,
    ):
        assert idle.welcome["limits"]["session_idle_timeout"] == 0.5
        await streaming.open_stream()
        start = time.monotonic()
        with anyio.fail_after(SECONDS):
            while time.monotonic() - start < 1.5:
                await talking.assert_alive()
                await anyio.sleep(0.1)
        code, reason = await closed_with(idle.connection)
        assert code == 1001
        assert "session_idle_timeout" in reason
        await talking.assert_alive()
        await streaming.assert_alive()


async def test_the_python_client_keeps_an_idle_session_open() -> None:
    """``AsyncClient`` pings three times per ``session_idle_timeout``: held idle for three
    times the timeout, it still calls."""
    async with (
        serve(sepia_demo(), session_idle_timeout=0.5) as server,
        AsyncClient(server.local_url) as client,
    ):
        await anyio.sleep(1.5)
        result = await client.predict(gradient(), api_name="/predict")
        assert await anyio.Path(result).is_file()


async def test_the_default_limit_leaves_descriptors_for_everything_else() -> None:
    assert default_max_connections(lambda _: (1024, 4096)) == 480
    assert default_max_connections(lambda _: (100, 100)) == 18
    assert default_max_connections(lambda _: (10, 10)) == 8
    assert default_max_connections(lambda _: (resource.RLIM_INFINITY, 0)) == 32736


@pytest.mark.parametrize(
    ("scope", "counted"),
    [
        ({"type": "websocket", "path": "/ws"}, True),
        ({"type": "http", "method": "GET", "path": "/gradio_api/queue/data"}, True),
        ({"type": "http", "method": "GET", "path": "/gradio_api/heartbeat/abc"}, True),
        ({"type": "http", "method": "GET", "path": "/gradio_api/call/predict/e1"}, True),
        (
            {
                "type": "http",
                "method": "GET",
                "path": "/p/gradio_api/queue/data",
                "root_path": "/p",
            },
            True,
        ),
        ({"type": "http", "method": "POST", "path": "/gradio_api/call/predict"}, False),
        ({"type": "http", "method": "GET", "path": "/healthz"}, False),
        ({"type": "http", "method": "GET", "path": "/config"}, False),
        ({"type": "http", "method": "POST", "path": "/gradio_api/queue/join"}, False),
        ({"type": "lifespan"}, False),
    ],
)
def test_what_counts_as_long_lived(scope: dict[str, Any], counted: bool) -> None:
    assert is_long_lived(scope) is counted


async def test_the_count_is_released_when_the_app_raises() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    connections = OpenConnections(1)
    limit = ConnectionLimit(failing, connections)
    scope = {"type": "http", "method": "GET", "path": "/gradio_api/heartbeat/x"}
    with pytest.raises(RuntimeError):
        await limit(scope, None, None)  # type: ignore[arg-type]
    assert connections.open == 0
    with pytest.raises(ValueError, match="max_connections must be at least 1"):
        OpenConnections(0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def accept_failure() -> logging.LogRecord:
    try:
        raise OSError(24, "Too many open files")
    except OSError:
        exc_info = sys.exc_info()
    message = "socket.accept() out of system resource\nsocket: <TransportSocket fd=6>"
    return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, (), exc_info)


def test_accept_failures_pass_once_per_interval_with_the_count_held_back() -> None:
    clock = FakeClock()
    accept_filter = AcceptErrorFilter(interval=10, clock=clock)
    first = accept_failure()
    assert accept_filter.filter(first)
    assert first.exc_info is None  # no traceback: not a bug in the code
    assert first.getMessage().startswith("socket.accept() out of system resource: [Errno 24]")
    assert "more since" not in first.getMessage()
    clock.now = 5
    assert not any(accept_filter.filter(accept_failure()) for _ in range(1000))
    clock.now = 10
    later = accept_failure()
    assert accept_filter.filter(later)
    assert "(1000 more since the last report)" in later.getMessage()
    other = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "Task exception", (), None)
    assert accept_filter.filter(other)
    assert other.getMessage() == "Task exception"
    assert accept_filter.total == 1002


def test_a_throttled_log_logs_the_first_event_then_one_line_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    throttled = ThrottledLog(logging.getLogger("test.throttle"), interval=10, clock=clock)
    with caplog.at_level(logging.WARNING, "test.throttle"):
        assert throttled.note("refused")
        assert not throttled.note("refused")
        assert not throttled.note("refused")
        clock.now = 10.5
        assert throttled.note("refused")
    assert [r.getMessage() for r in caplog.records] == [
        "refused",
        "refused (2 more since the last report)",
    ]
    assert throttled.total == 4


def test_the_accept_filter_is_installed_once_per_process() -> None:
    first = throttle_accept_errors()
    assert throttle_accept_errors() is first
    assert logging.getLogger("asyncio").filters.count(first) == 1
    denied = [f for f in logging.getLogger("uvicorn.error").filters if f is not first]
    assert len([f for f in denied if isinstance(f, AcceptErrorFilter)]) == 1


def test_a_librarys_records_pass_once_per_interval_with_the_count_held_back() -> None:
    clock = FakeClock()
    rate = RecordRateFilter(interval=10, clock=clock)

    def record(index: int) -> logging.LogRecord:
        message = "Expected boundary character %d, got %d"
        return logging.LogRecord(
            "python_multipart.multipart", 30, __file__, 1, message, (45, index), None
        )

    first = record(1)
    assert rate.filter(first)
    assert first.getMessage() == "Expected boundary character 45, got 1"
    assert not any(rate.filter(record(i)) for i in range(500))
    clock.now = 11
    later = record(2)
    assert rate.filter(later)
    assert (
        later.getMessage()
        == "Expected boundary character 45, got 2 (500 more since the last report)"
    )
    assert rate.total == 502


def test_malformed_login_forms_are_logged_once_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """python-multipart warns once per malformed multipart body: any client could fill the
    log with login forms; the server lets one warning through per interval."""
    demo = gr.Interface(lambda text: text, "textbox", "textbox", api_name="predict")
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, auth=("a", "b"))
    try:
        with caplog.at_level(logging.WARNING, "python_multipart.multipart"):
            for _ in range(20):
                request = urllib.request.Request(
                    server.local_url + "login",
                    data=b"garbage-without-a-boundary",
                    headers={"Content-Type": "multipart/form-data; boundary=x"},
                )
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(request, timeout=10).close()
    finally:
        demo.close()
    warned = [r for r in caplog.records if r.name == "python_multipart.multipart"]
    assert len(warned) == 1, [r.getMessage() for r in warned]
