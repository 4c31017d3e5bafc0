"""The server's edges (``transports/server.py``, ``transports/http.py``): who may connect,
and the HTTP routes (page, modules, ``/config``, ``/healthz``, ``/file=``).
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from live_support import (
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
from transports import serve
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
