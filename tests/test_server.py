"""The server's edges (``transports/server.py``, ``transports/http.py``,
``transports/ws_route.py``): who may connect, the HTTP routes (page, modules, ``/config``,
``/healthz``, ``/file=``) and the HTTP conventions they keep (keep-alive, HEAD, 304, Range,
405/404, gzip, downloads).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.client
import json
import posixpath
import re
import urllib.error
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
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
from starlette.requests import HTTPConnection
from websockets.exceptions import InvalidStatus

import streamcore as gr
from streamcore.media.encoding import decode, encode
from transports import AsyncClient, ClientError, Server, serve
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


async def test_auth_dependency_refuses_the_handshake_without_a_user() -> None:
    seen: list[tuple[dict[str, str], dict[str, str]]] = []

    def from_token(connection: HTTPConnection) -> str | None:
        headers, query = dict(connection.headers), dict(connection.query_params)
        seen.append((headers, query))
        token = query.get("token") or headers.get("x-token")
        return "ada" if token == "s3cret" else None

    async with serve(sepia_demo(), auth_dependency=from_token) as server:
        for path, headers in [("/ws", None), ("/ws?token=wrong", None), ("/ws", {"X-Token": "no"})]:
            with pytest.raises(InvalidStatus) as caught:
                async with raw_client(server, path, additional_headers=headers):
                    pass
            assert caught.value.response.status_code == 401
            assert caught.value.response.body == b"log in first: /ws needs a session"
        async with raw_client(server, "/ws?token=s3cret") as raw:
            await raw.assert_alive()
        async with raw_client(server, additional_headers={"X-Token": "s3cret"}) as raw:
            await raw.assert_alive()
    assert seen[1][1] == {"token": "wrong"}
    assert seen[2][0]["x-token"] == "no"

    def broken(connection: HTTPConnection) -> str | None:
        raise RuntimeError("auth backend down")

    async with serve(sepia_demo(), auth_dependency=broken) as server:
        with pytest.raises(InvalidStatus) as caught:
            async with raw_client(server):
                pass
        assert caught.value.response.status_code == 401


# -- the HTTP routes ------------------------------------------------------------------------------


async def test_config_page_and_health() -> None:
    async with serve(stream_demo(time_limit=5), idle_timeout=7) as server:
        status, kind, body = await get(server, "/config")
        assert (status, kind) == (200, "application/json")
        config = json.loads(body)
        assert (config["streamcore_protocol"], config["ws_path"]) == (1, "ws")
        assert (config["protocol"], config["api_prefix"]) == ("sse_v3", "/gradio_api")
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
    static/ is left out of the import graph (a worker script started with
    ``new Worker(new URL("./x.js", import.meta.url))`` counts as imported)."""
    imports = re.compile(
        r'^import .* from "(\.{1,2}/[^"]+)";$'
        r'|new Worker\(new URL\("(\.{1,2}/[^"]+)", import\.meta\.url\)',
        re.MULTILINE,
    )
    async with serve(stream_demo(time_limit=5)) as server:
        _, _, index = await get(server, "/")
        # relative, so that the page works under a path prefix
        entry = re.search(rb'<script type="module" src="(static/[^"]+)"></script>', index)
        assert entry is not None
        queue, seen = ["/" + entry.group(1).decode()], set()
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
            for specifier in (a or b for a, b in imports.findall(body.decode())):
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


# -- auth on every route (a live server) ----------------------------------------------------------


def _request(
    server: Any, method: str, path: str, body: str | None = None, cookie: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie is not None:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _checker(user: str, password: str) -> bool:
    return (user, password) == ("ada", "lovelace")


@pytest.mark.parametrize(
    "auth",
    [("ada", "lovelace"), [("bob", "b"), ("ada", "lovelace")], _checker],
    ids=["tuple", "list", "callable"],
)
async def test_every_route_needs_the_login(auth: Any, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "result.png").write_bytes(encode(gradient(), "png"))
    file_route = "/file=" + quote(str(outputs / "result.png"))
    async with serve(
        sepia_demo(), auth=auth, auth_message="Ask Ada", allowed_paths=[outputs]
    ) as server:
        call = functools.partial(anyio.to_thread.run_sync, _request, server)
        status, headers, _ = await call("GET", "/")
        assert (status, headers["location"]) == (302, "login")
        status, _, body = await call("GET", "/config")
        assert (status, json.loads(body)) == (
            401,
            {"auth_required": True, "auth_message": "Ask Ada"},
        )
        assert (await call("GET", "/index.html"))[0] == 302
        for path in ["/static/app.js", file_route]:
            assert (await call("GET", path))[0] == 401, path
        assert (await call("GET", "/healthz"))[2] == b"ok"
        form = (await call("GET", "/login"))[2].decode()
        assert "Ask Ada" in form
        with pytest.raises(InvalidStatus) as refused:
            async with raw_client(server):
                pass
        assert refused.value.response.status_code == 401

        wrong = await call("POST", "/login", "username=ada&password=babbage")
        assert (wrong[0], json.loads(wrong[2])) == (400, {"detail": "Incorrect credentials."})
        assert "set-cookie" not in wrong[1]
        status, headers, body = await call("POST", "/login", "username=ada&password=lovelace")
        assert (status, json.loads(body)) == (200, {"success": True})
        cookie = headers["set-cookie"].split(";", 1)[0]
        for path in ["/", "/static/app.js", "/config", file_route]:
            assert (await call("GET", path, None, cookie))[0] == 200, path
        async with raw_client(server, additional_headers={"Cookie": cookie}) as raw:
            await raw.assert_alive()


async def test_the_client_logs_in_with_auth(tmp_path: Path) -> None:
    async with serve(sepia_demo(), auth=("ada", "lovelace")) as server:
        async with AsyncClient(server.local_url, auth=("ada", "lovelace")) as client:
            toned = await client.predict(gradient(), api_name="/predict")
            data = await anyio.Path(toned).read_bytes()  # downloaded with the cookie
        assert close_to(decode(data), sepia_expected(gradient()))
        with pytest.raises(ClientError, match="needs a login: pass auth="):
            async with AsyncClient(server.local_url):
                pass
        with pytest.raises(ClientError, match="refused the login of 'ada'"):
            async with AsyncClient(server.local_url, auth=("ada", "babbage")):
                pass


# -- HTTPS ----------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A key and a self-signed certificate for 127.0.0.1, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / "key.pem", directory / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


async def test_https_and_wss_with_a_certificate(tmp_path: Path) -> None:
    key_file, cert_file = self_signed(tmp_path)
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    image = gradient()
    async with serve(demo, ssl_keyfile=key_file, ssl_certfile=cert_file) as server:
        assert server.local_url.startswith("https://127.0.0.1:")
        assert server.ws_url.startswith("wss://127.0.0.1:")
        async with AsyncClient(server.local_url, ssl_verify=False) as client:
            outputs = [o async for o in await client.stream([image] * 4, api_name="/invert")]
            assert close_to(outputs[-1], 255 - image)
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            async with AsyncClient(server.local_url):  # self-signed: refused by default
                pass
    with pytest.raises(ValueError, match="ssl_keyfile and ssl_certfile go together"):
        async with serve(demo, ssl_certfile=cert_file):
            pass
