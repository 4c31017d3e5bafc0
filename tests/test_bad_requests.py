"""Requests no client should send get a 4xx naming the problem, never a 500
(``docs/security.md``, "Unhandled exceptions").

Raw sockets, not an HTTP client: clients normalise what these tests send (a NUL in a path,
a header twice).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from live_support import sepia_demo

import streamcore as gr
from streamcore.media.files import current_file_access
from transports import Server

WS_UPGRADE = (
    b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    demo = sepia_demo()
    launched = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield launched
    finally:
        demo.close()


def send(
    server: Server, request: bytes, head_only: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is; the status, headers and body of the answer (with
    ``head_only``, what came with the head: event streams and WebSockets do not end)."""
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not (head_only or _complete(data)):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").lower().split("\r\n"):
        if line.startswith("content-length: "):
            return len(body) >= int(line.split(": ", 1)[1])
    return False  # read to the end (Connection: close)


def get(path: bytes, *headers: bytes, host: bytes = b"127.0.0.1") -> bytes:
    lines = [b"GET " + path + b" HTTP/1.1", b"Host: " + host, *headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def detail(body: bytes) -> str:
    value: dict[str, Any] = json.loads(body)
    return str(value["detail"])


@pytest.mark.parametrize("prefix", [b"/file=", b"/gradio_api/file="])
def test_a_file_name_with_a_nul_is_a_400(server: Server, prefix: bytes) -> None:
    status, headers, body = send(server, get(prefix + b"photo.png%00.txt"))
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert "NUL" in detail(body)


@pytest.mark.parametrize("prefix", [b"/file=", b"/gradio_api/file="])
def test_a_file_name_of_5000_characters_is_a_400(server: Server, prefix: bytes) -> None:
    cache = str(current_file_access.get().cache_dir).encode()  # past the allowed-root check
    for name in (b"a" * 5000, cache + b"/" + b"a" * 5000, cache + b"/" + b"b" * 300):
        status, headers, body = send(server, get(prefix + name))
        assert status == 400, name[:80]
        assert headers["content-type"] == "application/json"
        assert "bytes long" in detail(body)
        assert "aaaaaaaaaa" not in detail(body)  # the name is not echoed back


@pytest.mark.parametrize("path", [b"/healthz", b"/config", b"/ws"])
def test_a_request_with_two_host_headers_is_a_400(server: Server, path: bytes) -> None:
    """Whichever copy a check reads, another part could read the other: refused."""
    upgrade = [WS_UPGRADE.rstrip(b"\r\n")] if path == b"/ws" else []
    for second in (b"Host: evil.example", b"Host: 127.0.0.1"):
        status, headers, body = send(server, get(path, second, *upgrade))
        assert status == 400, (path, second)
        assert headers["content-type"] == "application/json"
        assert "more than one Host header" in detail(body)


def test_a_request_with_two_origin_headers_is_a_400(server: Server) -> None:
    origins = (b"Origin: http://127.0.0.1", b"Origin: http://evil.example")
    status, _, body = send(server, get(b"/config", *origins))
    assert status == 400
    assert "more than one Origin header" in detail(body)
    # a WebSocket upgrade: refused before the app by uvicorn's websockets, also with a 400
    status, _, body = send(server, get(b"/ws", *origins, WS_UPGRADE.rstrip(b"\r\n")))
    assert status == 400
    assert b"Origin" in body


def test_a_json_body_nested_too_deeply_is_a_400(server: Server) -> None:
    body = b"[" * 5000 + b"]" * 5000
    for path in (b"/gradio_api/queue/join", b"/gradio_api/cancel", b"/gradio_api/call/predict"):
        request = (
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        status, _, answer = send(server, request)
        assert status == 400, path
        assert "too deeply" in detail(answer)


# -- the sweep -------------------------------------------------------------------------------

GETS = [
    b"/",
    b"/static/app.js",
    b"/config",
    b"/healthz",
    b"/file=x.png",
    b"/gradio_api/info",
    b"/gradio_api/queue/data?session_hash=abc",
    b"/gradio_api/heartbeat/abc",
    b"/gradio_api/call/predict/abc",
    b"/gradio_api/file=x.png",
    b"/login",
    b"/ws",
]
POSTS = [
    b"/gradio_api/upload",
    b"/gradio_api/queue/join",
    b"/gradio_api/cancel",
    b"/gradio_api/call/predict",
    b"/gradio_api/reset",
    b"/login",
]
ODD_SUFFIXES = [
    b"%00",
    b"%ff%fe",
    b"/" + b"a" * 5000,
    b"/../../etc/passwd",
    b"%2e%2e%2f",
    b"?%00=%ff",
    b"?" + b"a=&" * 2000,
    b"%c0%af",
    b"?session_hash=%00",
    b"?session_hash=" + b"a" * 300,
]
ODD_HEADERS = [
    b"Host: 127.0.0.1",
    b"Cookie: streamcore-session=%%%%; a=\xff",
    b"Range: bytes=9999999-1",
    b"Range: bytes=abc",
    b"If-None-Match: \xff",
    b"If-Modified-Since: garbage",
    b"Accept-Encoding: gzip;q=abc",
    b"Authorization: Basic %%%",
    b"Content-Type: multipart/form-data; boundary=",
    b"Content-Type: application/json; charset=nope",
]
ODD_BODIES = [
    b"",
    b"{",
    b"[]",
    b"1e999999",
    b"\xff\xfe",
    b"[" * 5000 + b"]" * 5000,
    b'{"data": "x", "fn_index": 1e308, "session_hash": "a"}',
    b'{"data": [1], "fn_index": -1, "session_hash": "abc", "event_data": {}}',
    b'{"data": [], "api_name": ["x"], "session_hash": "abc"}',
    b'{"session_hash": "abc", "event_id": 5}',
    b'{"data": ["\\u0000"]}',
    b'--x\r\nContent-Disposition: form-data; name="files"; filename="\x00.png"\r\n\r\n'
    b"ab\r\n--x--\r\n",
    b"username=%ff&password=%00",
]
CONTENT_TYPES = [
    b"application/json",
    b"multipart/form-data; boundary=x",
    b"application/x-www-form-urlencoded",
]


def odd_requests() -> Iterator[bytes]:
    for path in GETS:
        for suffix in ODD_SUFFIXES:
            yield get(path + suffix)
        for header in ODD_HEADERS:
            yield get(path, header)
    for path in POSTS:
        for body in ODD_BODIES:
            for kind in CONTENT_TYPES:
                yield (
                    b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    b"Content-Type: " + kind + b"\r\nContent-Length: " + str(len(body)).encode()
                    + b"\r\n\r\n" + body
                )  # fmt: skip


@pytest.mark.parametrize("auth", [None, ("ada", "lovelace")], ids=["open", "auth"])
def test_no_route_answers_odd_requests_with_a_500(auth: tuple[str, str] | None) -> None:
    """Every route, odd paths, headers and bodies: never a 5xx, and the server lives."""
    demo = gr.Interface(lambda text: text, "textbox", "textbox", api_name="predict")
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, auth=auth)
    try:
        failures = []
        for request in odd_requests():
            status, _, body = send(server, request, head_only=True)
            if status >= 500:
                failures.append((request[:120], status, body[:200]))
        assert not failures, failures
        assert send(server, get(b"/healthz"))[0] == 200
    finally:
        demo.close()
