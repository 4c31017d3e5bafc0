"""The server's edges (``transports/server.py``, ``transports/http.py``,
``transports/ws_route.py``): who may connect, the HTTP routes (page, modules, ``/config``,
``/healthz``, ``/file=``) and the HTTP conventions they keep (keep-alive, HEAD, 304, Range,
405/404, gzip, downloads).
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
import pytest
from live_support import (
    TIMEOUT,
    close_to,
    get,
    gradient,
    raw_client,
    sepia_demo,
    sepia_expected,
    stream_demo,
)
from websockets.exceptions import InvalidStatus

from streamcore.media.encoding import decode, encode
from transports import Server, serve
from transports.http import static_files
from transports.protocol import pack_binary

pytestmark = pytest.mark.anyio

# -- who may connect ------------------------------------------------------------------------------


async def test_origin_check_at_the_handshake() -> None:
    async with serve(sepia_demo()) as server:
        with pytest.raises(InvalidStatus) as caught:
            async with raw_client(server, origin="http://evil.example"):
                pass
        assert caught.value.response.status_code == 403
        assert b"not allowed" in caught.value.response.body
        async with raw_client(server, origin=f"http://{server.host}:{server.port}") as raw:
            await raw.assert_alive()
        async with raw_client(server) as raw:  # no Origin: not a browser
            await raw.assert_alive()
    async with (
        serve(sepia_demo(), allowed_origins=["*"]) as server,
        raw_client(server, origin="http://evil.example") as raw,
    ):
        await raw.assert_alive()
    async with serve(sepia_demo(), allowed_origins=["https://app.example"]) as server:
        async with raw_client(server, origin="https://app.example") as raw:
            await raw.assert_alive()
        with pytest.raises(InvalidStatus):
            async with raw_client(server, origin=f"http://{server.host}:{server.port}"):
                pass


async def test_auth_callable_refuses_at_the_handshake() -> None:
    seen: list[tuple[dict[str, str], dict[str, list[str]]]] = []

    def auth(headers: Any, query: Any) -> bool:
        seen.append((dict(headers), dict(query)))
        return bool(query.get("token") == ["s3cret"] or headers.get("x-token") == "s3cret")

    async with serve(sepia_demo(), auth=auth) as server:
        for path, headers in [("/ws", None), ("/ws?token=wrong", None), ("/ws", {"X-Token": "no"})]:
            with pytest.raises(InvalidStatus) as caught:
                async with raw_client(server, path, additional_headers=headers):
                    pass
            assert caught.value.response.status_code == 403
            assert caught.value.response.body == b"authentication refused"
        async with raw_client(server, "/ws?token=s3cret") as raw:
            await raw.assert_alive()
        async with raw_client(server, additional_headers={"X-Token": "s3cret"}) as raw:
            await raw.assert_alive()
    assert seen[1][1] == {"token": ["wrong"]}
    assert seen[2][0]["x-token"] == "no"

    def broken(headers: Any, query: Any) -> bool:
        raise RuntimeError("auth backend down")

    async with serve(sepia_demo(), auth=broken) as server:
        with pytest.raises(InvalidStatus) as caught:
            async with raw_client(server):
                pass
        assert caught.value.response.status_code == 403


# -- the HTTP routes ------------------------------------------------------------------------------


async def test_config_page_and_health() -> None:
    async with serve(stream_demo(time_limit=5), idle_timeout=7) as server:
        status, kind, body = await get(server, "/config")
        assert (status, kind) == (200, "application/json")
        config = json.loads(body)
        assert (config["protocol"], config["ws_path"]) == (1, "/ws")
        assert config["limits"]["idle_timeout"] == 7
        (dependency,) = config["dependencies"]
        assert (dependency["api_name"], dependency["connection"]) == ("sepia", "stream")
        types = {c["id"]: c["type"] for c in config["components"]}
        assert [types[i] for i in dependency["inputs"]] == ["image"]

        status, kind, body = await get(server, "/")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert b"<html" in body.lower()
        assert await get(server, "/healthz") == (200, "text/plain; charset=utf-8", b"ok")
        status, _, body = await get(server, "/nowhere")
        assert (status, body) == (404, b"no such page: /nowhere")
        status, _, _ = await get(server, "/static/secrets.txt")
        assert status == 404


async def test_page_modules_are_served_as_javascript() -> None:
    """The page's entry module and every module it imports, sub-folders included, are served
    with a JavaScript type (browsers refuse a module script otherwise), and no module under
    static/ is left out of the import graph."""
    imports = re.compile(r'^import .* from "(\.{1,2}/[^"]+)";$', re.MULTILINE)
    async with serve(stream_demo(time_limit=5)) as server:
        _, _, index = await get(server, "/")
        entry = re.search(rb'<script type="module" src="(/static/[^"]+)"></script>', index)
        assert entry is not None
        queue, seen = [entry.group(1).decode()], set()
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            status, kind, body = await get(server, url)
            assert status == 200, url
            assert kind in (
                "text/javascript; charset=utf-8",
                "application/javascript; charset=utf-8",
            )
            for specifier in imports.findall(body.decode()):
                queue.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), specifier)))
        assert "/static/app.js" in seen
        assert seen == {f"/static/{name}" for name in static_files() if name.endswith(".js")}
        status, _, _ = await get(server, "/static/js/../app.js")
        assert status == 404


async def test_file_route_serves_cached_outputs_only(tmp_path: Path) -> None:
    image = gradient()
    async with serve(sepia_demo()) as server, raw_client(server) as raw:
        await raw.send_raw(
            pack_binary({"type": "upload", "ref": "u", "name": "in.png"}, encode(image, "png"))
        )
        uploaded = (await raw.until("uploaded", ref="u"))["path"]
        job = await raw.submit("predict", [{"path": uploaded, "orig_name": "in.png"}])
        completed = await raw.until("completed", job=job)
        output = completed["data"][0]
        assert output["path"].endswith(".webp")

        status, kind, body = await get(server, "/file=" + quote(output["path"]))
        assert (status, kind) == (200, "image/webp")
        assert close_to(decode(body), sepia_expected(image))

        secret = tmp_path / "secret.png"
        secret.write_bytes(encode(image, "png"))
        cache = Path(output["path"]).parent.parent
        for path in [
            "/etc/passwd",
            str(secret),
            f"{cache}/../../etc/passwd",
            f"{cache}/.hash_seed",
        ]:
            status, _, body = await get(server, "/file=" + quote(path))
            assert (status, body) == (
                403,
                b"that file is not served: only the cache and allowed_paths are",
            )
        status, _, body = await get(server, "/file=" + quote(f"{cache}/0000/missing.png"))
        assert (status, body) == (404, b"no such file")
        status, _, _ = await get(server, "/file=" + quote(str(cache)))
        assert status in (403, 404)  # a directory is never served
    async with serve(sepia_demo(), allowed_paths=[tmp_path]) as server:
        status, kind, _ = await get(server, "/file=" + quote(str(secret)))
        assert (status, kind) == (200, "image/png")


# -- HTTP conventions ------------------------------------------------------------------------------


def exchange(
    server: Server, requests: list[tuple[str, str, dict[str, str]]]
) -> list[tuple[int, dict[str, str], bytes]]:
    """Send ``(method, path, headers)`` requests one after another on one connection; each
    answer's status, headers (lower-case names) and body. Fails if the server closed the
    connection between them (no keep-alive)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    answers = []
    with contextlib.closing(connection):
        first_socket = None
        for method, path, headers in requests:
            connection.request(method, path, headers=headers)
            first_socket = first_socket or connection.sock
            assert connection.sock is first_socket, "a request needed a new connection"
            response = connection.getresponse()
            body = response.read()
            answers.append(
                (response.status, {k.lower(): v for k, v in response.getheaders()}, body)
            )
        assert connection.sock is first_socket, "the server closed the connection"
    return answers


async def ask(
    server: Server, *requests: tuple[str, str, dict[str, str]]
) -> list[tuple[int, dict[str, str], bytes]]:
    return await anyio.to_thread.run_sync(exchange, server, list(requests))


async def test_requests_share_one_connection_and_head_has_no_body() -> None:
    async with serve(sepia_demo()) as server:
        answers = await ask(
            server,
            ("GET", "/healthz", {}),
            ("GET", "/", {}),
            ("HEAD", "/", {}),
            ("GET", "/static/app.js", {}),
            ("HEAD", "/static/app.js", {}),
            ("GET", "/config", {}),
        )
    assert [status for status, _, _ in answers] == [200] * 6
    (_, _, health), (_, _, page), (_, page_head, page_body), (_, _, js), (_, js_head, js_body) = (
        answers[:5]
    )
    assert health == b"ok"
    assert b"<html" in page.lower()
    assert (page_body, int(page_head["content-length"])) == (b"", len(page))
    assert page_head["content-type"] == "text/html; charset=utf-8"
    assert (js_body, int(js_head["content-length"])) == (b"", len(js))
    assert js_head["x-content-type-options"] == "nosniff"


async def test_static_files_have_etags_and_answer_304() -> None:
    async with serve(sepia_demo()) as server:
        ((status, headers, body),) = await ask(server, ("GET", "/static/style.css", {}))
        assert (status, headers["content-type"]) == (200, "text/css; charset=utf-8")
        etag = headers["etag"]
        answers = await ask(
            server,
            ("GET", "/static/style.css", {"If-None-Match": etag}),
            ("GET", "/", {"If-None-Match": etag}),  # another file: its own ETag
        )
    (unchanged, unchanged_headers, unchanged_body), (page_status, _, page) = answers
    assert (unchanged, unchanged_body, unchanged_headers["etag"]) == (304, b"", etag)
    assert body
    assert (page_status, b"<html" in page.lower()) == (200, True)


async def test_wrong_method_is_405_and_unknown_route_404() -> None:
    async with serve(sepia_demo()) as server:
        answers = await ask(
            server,
            ("POST", "/config", {"Content-Length": "0"}),
            ("DELETE", "/healthz", {}),
            ("POST", "/nowhere", {"Content-Length": "0"}),
            ("GET", "/static/js", {}),
        )
    (config, config_headers, _), (health, _, _), (nowhere, _, body), (folder, _, _) = answers
    assert (config, health, nowhere, folder) == (405, 405, 404, 404)
    assert "GET" in config_headers["allow"]
    assert body == b"no such page: /nowhere"


async def test_json_and_javascript_are_gzipped_for_clients_that_accept_it(
    tmp_path: Path,
) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(encode(gradient(), "png"))
    gzipped = {"Accept-Encoding": "gzip"}
    async with serve(stream_demo(), allowed_paths=[tmp_path]) as server:
        answers = await ask(
            server,
            ("GET", "/config", {}),
            ("GET", "/config", gzipped),
            ("GET", "/static/app.js", gzipped),
            ("GET", "/file=" + quote(str(photo)), gzipped),
        )
    (_, plain_headers, plain), (_, headers, packed), (_, js_headers, js), (_, png_headers, png) = (
        answers
    )
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == "gzip"
    assert len(packed) < len(plain)
    assert json.loads(gzip.decompress(packed)) == json.loads(plain)
    assert js_headers["content-encoding"] == "gzip"
    assert b"import" in gzip.decompress(js)
    assert "content-encoding" not in png_headers  # images are not compressed again
    assert png == photo.read_bytes()


async def test_file_ranges_and_downloads(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    (tmp_path / "blob.bin").write_bytes(data)
    (tmp_path / "page.html").write_text("<script>alert(1)</script>")
    (tmp_path / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    png = encode(gradient(), "png")
    (tmp_path / "photo.png").write_bytes(png)

    def file(name: str) -> str:
        return "/file=" + quote(str(tmp_path / name))

    async with serve(sepia_demo(), allowed_paths=[tmp_path]) as server:
        answers = await ask(
            server,
            ("GET", file("blob.bin"), {"Range": "bytes=1000-1099"}),
            ("GET", file("blob.bin"), {"Range": "bytes=-10"}),
            ("GET", file("page.html"), {}),
            ("GET", file("drawing.svg"), {}),
            ("GET", file("photo.png"), {}),
            ("GET", "/file=" + quote("/etc/passwd"), {}),
        )
    (part, part_headers, part_body), (tail, _, tail_body) = answers[:2]
    assert (part, part_body) == (206, data[1000:1100])
    assert part_headers["content-range"] == f"bytes 1000-1099/{len(data)}"
    assert (tail, tail_body) == (206, data[-10:])
    for (status, headers, body), name in zip(
        answers[2:4], ["page.html", "drawing.svg"], strict=True
    ):
        assert status == 200
        assert headers["content-type"] == "application/octet-stream"
        assert headers["content-disposition"] == f'attachment; filename="{name}"'
        assert headers["x-content-type-options"] == "nosniff"
        assert body == (tmp_path / name).read_bytes()
    status, headers, body = answers[4]
    assert (status, headers["content-type"], body) == (200, "image/png", png)
    assert "content-disposition" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = answers[5]
    assert (status, headers["x-content-type-options"]) == (403, "nosniff")
