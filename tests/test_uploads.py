"""Uploads (``transports/uploads.py``, ``transports/multipart.py``, ``media/sizes.py``,
``files.save_stream_to_cache``): ``POST /gradio_api/upload`` into the cache, and
``max_file_size`` over HTTP (413) and over the WebSocket (``file_too_large``)."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
import pytest
from live_support import TIMEOUT, get, raw_client, sepia_demo
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from streamcore.errors import FileTooLargeError
from streamcore.media.files import (
    FileAccess,
    save_bytes_to_cache,
    save_stream_to_cache,
    use_file_access,
)
from streamcore.media.sizes import file_too_large, format_size, parse_file_size
from transports import Server, serve
from transports.multipart import MAX_PARTS, PART_OVERHEAD
from transports.protocol import pack_binary
from transports.server import ServerOptions

pytestmark = pytest.mark.anyio

BOUNDARY = "streamcore-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LIMIT = 2048
"""The ``max_file_size`` of the live tests, in bytes."""


# -- the size forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "size"),
    [
        (1000, 1000),
        ("7b", 7),
        ("200kb", 200 * 1024),
        ("5mb", 5 * 1024**2),
        ("1gb", 1024**3),
        ("2tb", 2 * 1024**4),
        ("10 MB", 10 * 1024**2),
        (" 3 Kb ", 3 * 1024),
        ("1.5kb", 1536),
        (None, None),
    ],
)
def test_file_sizes_in_gradio_forms(given: Any, size: int | None) -> None:
    assert parse_file_size(given) == size


@pytest.mark.parametrize("given", ["5", "mb", "", "5 megabytes", "5mb5", "-5mb", "0kb", "5 pb"])
def test_a_bad_size_string_is_a_value_error_naming_it(given: str) -> None:
    with pytest.raises(ValueError, match=repr(given)):
        parse_file_size(given)


@pytest.mark.parametrize("given", [0, -1])
def test_a_size_must_be_positive(given: int) -> None:
    with pytest.raises(ValueError, match="must be more than 0 bytes"):
        parse_file_size(given)


@pytest.mark.parametrize("given", [5.0, True, b"5mb"])
def test_a_size_of_another_type_is_a_type_error(given: Any) -> None:
    with pytest.raises(TypeError, match="max_file_size must be"):
        parse_file_size(given)


def test_sizes_are_written_in_human_units() -> None:
    assert format_size(5 * 1024**2) == "5 MB"
    assert format_size(int(7.2 * 1024**2)) == "7.2 MB"
    assert format_size(200 * 1024) == "200 KB"
    assert format_size(999) == "999 B"
    assert format_size(3 * 1024**4) == "3 TB"
    error = file_too_large("photo.png", 5 * 1024**2, int(7.2 * 1024**2))
    assert isinstance(error, FileTooLargeError)
    assert str(error).startswith("photo.png is 7.2 MB, over the 5 MB max_file_size")


# -- save_stream_to_cache -------------------------------------------------------------------------


def visible_files(cache: Path) -> list[Path]:
    """Everything in the cache but its seed: stored files and any temporary left over."""
    return sorted(path for path in cache.rglob("*") if path.is_file() and path.name != ".hash_seed")


def test_a_stream_is_stored_where_the_same_bytes_would_be(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    data = bytes(range(256)) * 1000  # several chunks
    streamed = save_stream_to_cache(io.BytesIO(data), "blob.bin", policy)
    assert streamed == save_bytes_to_cache(data, "blob.bin", policy)
    assert streamed.read_bytes() == data
    assert streamed.parent.parent == tmp_path
    assert visible_files(tmp_path) == [streamed]  # no temporary file left


def test_an_existing_file_is_kept(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    first = save_stream_to_cache(io.BytesIO(b"same"), "a.txt", policy)
    inode = first.stat().st_ino
    again = save_stream_to_cache(io.BytesIO(b"same"), "../a.txt", policy)
    assert (again, again.stat().st_ino) == (first, inode)
    assert visible_files(tmp_path) == [first]


def test_a_failing_source_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell():
                raise OSError("the disk went away")
            return super().read(size)

    with pytest.raises(OSError, match="the disk went away"):
        save_stream_to_cache(Broken(b"x" * 200_000), "x.bin", FileAccess(cache_dir=tmp_path))
    assert visible_files(tmp_path) == []


# -- the route, live ---------------------------------------------------------------------------


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A ``multipart/form-data`` body of ``(field name, file name or None, content)`` parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += (
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def files(*named: tuple[str, bytes]) -> bytes:
    return multipart(*(("files", name, content) for name, content in named))


Answer = tuple[int, dict[str, str], bytes]


def _answer(connection: http.client.HTTPConnection) -> Answer:
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def _post(
    server: Server, body: bytes, content_type: str = MULTIPART, method: str = "POST"
) -> Answer:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    with contextlib.closing(connection):
        connection.request(method, "/gradio_api/upload", body, {"Content-Type": content_type})
        return _answer(connection)


async def post(server: Server, body: bytes, content_type: str = MULTIPART) -> Answer:
    return await anyio.to_thread.run_sync(_post, server, body, content_type)


def _post_chunked(server: Server, chunks: list[bytes]) -> Answer:
    """Send the head and ``chunks`` with ``Transfer-Encoding: chunked`` but no last chunk,
    then read the answer: it comes only if the server answers before the body ends."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    with contextlib.closing(connection):
        connection.putrequest("POST", "/gradio_api/upload")
        connection.putheader("Content-Type", MULTIPART)
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for chunk in chunks:
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        return _answer(connection)


def _post_head_only(server: Server, length: int) -> Answer:
    """Announce a body of ``length`` bytes and send none of it."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    with contextlib.closing(connection):
        connection.putrequest("POST", "/gradio_api/upload")
        connection.putheader("Content-Type", MULTIPART)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        return _answer(connection)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """A cache of the test's own, in force for the servers the test starts."""
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")) as policy:
        yield policy.cache_dir


def detail(body: bytes) -> str:
    answer = json.loads(body)
    assert set(answer) == {"detail"}
    return str(answer["detail"])


async def test_files_come_back_as_cache_paths_in_order(cache: Path) -> None:
    sent = [("first.png", b"\x89PNG one"), ("second.txt", b"two" * 3000), ("third", b"")]
    async with serve(sepia_demo(), max_file_size="1mb") as server:
        status, headers, body = await post(server, files(sent[0]))
        assert (status, headers["content-type"]) == (200, "application/json")
        (single,) = json.loads(body)
        status, _, body = await post(server, files(*sent))
        assert status == 200
        paths = [Path(path) for path in json.loads(body)]
        assert [path.name for path in paths] == ["first.png", "second.txt", "third"]
        assert paths[0] == Path(single)
        for path, (_, content) in zip(paths, sent, strict=True):
            assert path.parent.parent == cache
            assert path.read_bytes() == content
            status, _, served = await get(server, "/file=" + quote(str(path)))
            assert (status, served) == (200, content)
        assert visible_files(cache) == sorted(paths)
    assert visible_files(cache) == []  # the server stopped: every session's uploads go


async def test_other_fields_are_read_past(cache: Path) -> None:
    body = multipart(("note", None, b"hello"), ("files", "a.bin", b"AAA"), ("x", "y.bin", b"y"))
    async with serve(sepia_demo()) as server:
        status, _, answer = await post(server, body)
        (path,) = json.loads(answer)
        assert status == 200
        assert await anyio.Path(path).read_bytes() == b"AAA"
        assert visible_files(cache) == [Path(path)]


async def test_the_same_bytes_give_the_same_path_over_http_and_websocket(cache: Path) -> None:
    data = bytes(range(256)) * 50
    async with serve(sepia_demo()) as server, raw_client(server) as raw:
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u", "name": "same.bin"}, data))
        over_websocket = (await raw.until("uploaded", ref="u"))["path"]
        status, _, body = await post(server, files(("same.bin", data)))
    assert (status, json.loads(body)) == (200, [over_websocket])


async def test_a_file_at_the_limit_is_taken(cache: Path) -> None:
    async with serve(sepia_demo(), max_file_size=LIMIT) as server:
        status, _, body = await post(server, files(("exact.bin", b"e" * LIMIT)))
        assert status == 200
        assert (await anyio.Path(json.loads(body)[0]).stat()).st_size == LIMIT


async def test_a_file_over_the_limit_is_413_and_nothing_is_stored(cache: Path) -> None:
    body = files(("fine.bin", b"f" * 10), ("photo.png", b"p" * (LIMIT + 1)))
    async with serve(sepia_demo(), max_file_size=LIMIT) as server:
        status, headers, answer = await post(server, body)
        assert (await get(server, "/healthz"))[0] == 200  # the server goes on
    assert (status, headers["connection"]) == (413, "close")
    assert detail(answer).startswith("photo.png is larger, over the 2 KB max_file_size")
    assert visible_files(cache) == []


async def test_a_length_over_the_budget_is_413_before_the_body(cache: Path) -> None:
    budget = MAX_PARTS * (LIMIT + PART_OVERHEAD)
    async with serve(sepia_demo(), max_file_size=LIMIT) as server:
        status, _, answer = await anyio.to_thread.run_sync(_post_head_only, server, budget + 1)
    assert status == 413
    assert detail(answer) == (
        f"the upload's body is {format_size(budget + 1)}, over its budget of "
        f"{format_size(budget)} (at most {MAX_PARTS} files of the 2 KB max_file_size)"
    )
    assert visible_files(cache) == []


async def test_a_chunked_file_is_refused_as_soon_as_it_passes_the_limit(cache: Path) -> None:
    head = files(("big.png", b""))[: -len(f"\r\n--{BOUNDARY}--\r\n")]  # the part, still open
    chunks = [head, b"b" * 1500, b"b" * 1500]  # no end: only an early answer comes
    async with serve(sepia_demo(), max_file_size=LIMIT) as server:
        status, _, answer = await anyio.to_thread.run_sync(_post_chunked, server, chunks)
    assert status == 413
    assert detail(answer).startswith("big.png is larger, over the 2 KB max_file_size")
    assert visible_files(cache) == []


async def test_a_chunked_body_over_the_budget_is_refused(cache: Path) -> None:
    budget = MAX_PARTS * (1 + PART_OVERHEAD)
    chunk = multipart(("padding", None, b"p" * 60_000))[: -len(f"--{BOUNDARY}--\r\n")]
    chunks = [chunk] * (budget // len(chunk) + 1)
    async with serve(sepia_demo(), max_file_size=1) as server:
        status, _, answer = await anyio.to_thread.run_sync(_post_chunked, server, chunks)
    assert status == 413
    over = f"the upload's body is larger, over its budget of {format_size(budget)}"
    assert detail(answer).startswith(over)


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b"[1]", "an upload is a multipart/form-data body"),
        ("multipart/form-data", files(("a", b"a")), "an upload is a multipart/form-data body"),
        (MULTIPART, multipart(("other", "a.bin", b"a")), "the upload has no part named 'files'"),
        (MULTIPART, files(("a", b"a"))[:-10], "ended before its last boundary"),
        (MULTIPART, b"garbage", "malformed"),
        (
            MULTIPART,
            files(*[(f"{n}.bin", b"x") for n in range(MAX_PARTS + 1)]),
            f"at most {MAX_PARTS} parts",
        ),
    ],
    ids=["json", "no-boundary", "no-files-part", "truncated", "garbage", "too-many-parts"],
)
async def test_a_body_that_is_not_an_upload_is_400(
    cache: Path, content_type: str, body: bytes, message: str
) -> None:
    async with serve(sepia_demo()) as server:
        status, _, answer = await post(server, body, content_type)
    assert status == 400
    assert message in detail(answer)
    assert visible_files(cache) == []


async def test_get_on_the_route_is_405() -> None:
    async with serve(sepia_demo()) as server:
        status, _, _ = await get(server, "/gradio_api/upload")
    assert status == 405


async def test_the_route_needs_the_login() -> None:
    async with serve(sepia_demo(), auth=("u", "p")) as server:
        status, _, _ = await post(server, files(("a.bin", b"a")))
    assert status == 401


def test_the_route_works_under_a_prefix(cache: Path) -> None:
    server = Server(sepia_demo(), ServerOptions(max_file_size=LIMIT))
    outer = Starlette(routes=[Mount("/x", app=server.app)])
    with TestClient(outer, base_url="http://127.0.0.1") as client:
        taken = client.post("/x/gradio_api/upload", files=[("files", ("a.bin", b"abc"))])
        refused = client.post("/x/gradio_api/upload", files=[("files", ("b.bin", b"b" * 3000))])
    assert taken.status_code == 200
    assert Path(taken.json()[0]).read_bytes() == b"abc"
    assert (refused.status_code, refused.json()["detail"][:5]) == (413, "b.bin")


# -- max_file_size elsewhere -------------------------------------------------------------------


async def test_a_websocket_upload_over_the_limit_gets_an_error_and_the_session_goes_on(
    cache: Path,
) -> None:
    async with serve(sepia_demo(), max_file_size=LIMIT) as server, raw_client(server) as raw:
        too_big = pack_binary({"type": "upload", "ref": "u1", "name": "big.png"}, b"b" * 3000)
        await raw.send_raw(too_big)
        error = await raw.until("error", ref="u1")
        assert error["code"] == "file_too_large"
        assert error["message"].startswith("big.png is 2.9 KB, over the 2 KB max_file_size")
        await raw.assert_alive()
        exact = pack_binary({"type": "upload", "ref": "u2", "name": "ok.png"}, b"o" * LIMIT)
        await raw.send_raw(exact)
        stored = (await raw.until("uploaded", ref="u2"))["path"]
        assert visible_files(cache) == [Path(stored)]


async def test_the_config_carries_max_file_size() -> None:
    async with serve(sepia_demo(), max_file_size="5mb") as server:
        _, _, body = await get(server, "/config")
        assert json.loads(body)["max_file_size"] == 5 * 1024**2
    async with serve(sepia_demo()) as server:
        _, _, body = await get(server, "/config")
        assert json.loads(body)["max_file_size"] is None


async def test_serve_refuses_a_bad_size_naming_it() -> None:
    with pytest.raises(ValueError, match="'5 zb'"):
        async with serve(sepia_demo(), max_file_size="5 zb"):
            pass


def test_launch_takes_max_file_size(cache: Path) -> None:
    demo = sepia_demo()
    with pytest.raises(ValueError, match="'lots'"):
        demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, max_file_size="lots")
    try:
        server = demo.launch(
            server_port=0, prevent_thread_lock=True, quiet=True, max_file_size="1kb"
        )
        status, _, body = _post(server, files(("big.bin", b"b" * 1025)))
        assert (status, detail(body)[:7]) == (413, "big.bin")
        assert _post(server, files(("ok.bin", b"o" * 1024)))[0] == 200
    finally:
        demo.close()
