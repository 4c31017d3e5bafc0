"""The demo inside another web application (``transports/mount.py``) and behind a proxy's
prefix (``root_path``): a FastAPI app under a real uvicorn, the demo mounted at ``/x``; the
page, its assets, ``/config``, a call, a WebSocket stream and a WebRTC stream all work
under the prefix. (The browser page under the prefix: ``test_browser.py``.)"""

from __future__ import annotations

import http.client
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
import uvicorn
from fastapi import FastAPI
from live_support import close_to, gradient, sepia_demo, sepia_expected, stream_demo

import streamcore as gr
from transports import AsyncClient, ClientError, serve
from transports.ports import bind_socket
from transports.server import uvicorn_on

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """``app`` under uvicorn on a free port of 127.0.0.1; yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
    async with uvicorn_on(sock, config):
        yield f"http://127.0.0.1:{port}"


def fetch(url: str) -> tuple[int, str, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


async def get(url: str) -> tuple[int, str, bytes]:
    return await anyio.to_thread.run_sync(fetch, url)


def host_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"from": "the host app"}

    return app


async def test_the_page_assets_and_config_are_served_under_the_prefix() -> None:
    app = gr.mount_gradio_app(host_app(), stream_demo(), path="/x")
    async with serving(app) as base:
        assert json.loads((await get(f"{base}/hello"))[2]) == {"from": "the host app"}
        status, kind, page = await get(f"{base}/x")  # redirected to /x/
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert b'src="static/app.js"' in page
        assert (await get(f"{base}/x/static/app.js"))[0] == 200
        assert (await get(f"{base}/x/static/js/urls.js"))[0] == 200
        status, _, body = await get(f"{base}/x/config")
        assert status == 200
        assert json.loads(body)["ws_path"] == "ws"
        assert (await get(f"{base}/x/healthz"))[2] == b"ok"
        assert (await get(f"{base}/config"))[0] == 404  # nothing of the demo outside /x


async def test_calls_and_streams_over_both_transports_under_the_prefix() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    app = gr.mount_gradio_app(host_app(), demo, path="/cams/x/")
    image = gradient()
    async with serving(app) as base, AsyncClient(f"{base}/cams/x") as client:
        outputs = [o async for o in await client.stream([image] * 5, api_name="/invert")]
        assert len(outputs) >= 1
        assert close_to(outputs[-1], 255 - image)
        rtc = await client.stream([image] * 8, api_name="/invert", transport="webrtc")
        with anyio.fail_after(30):
            received = [o async for o in rtc]
        assert len(received) >= 1
        assert close_to(received[-1], 255 - image, mean=6, peak=60)
        single = await client.predict(image, api_name="/invert")
        assert await anyio.Path(single).exists()  # downloaded from /cams/x/file=...


async def test_the_login_lives_under_the_prefix() -> None:
    app = gr.mount_gradio_app(host_app(), sepia_demo(), path="/x", auth=("ada", "lovelace"))
    async with serving(app) as base:
        status, _, body = await get(f"{base}/x/config")
        assert (status, json.loads(body)["auth_required"]) == (401, True)
        assert (await get(f"{base}/hello"))[0] == 200  # the host app's routes are its own
        async with AsyncClient(f"{base}/x/", auth=("ada", "lovelace")) as client:
            toned = await client.predict(gradient(), api_name="/predict")
            data = await anyio.Path(toned).read_bytes()
        from streamcore.media.encoding import decode

        assert close_to(decode(data), sepia_expected(gradient()))
        with pytest.raises(ClientError, match="needs a login"):
            async with AsyncClient(f"{base}/x/"):
                pass


def test_gradio_front_end_keywords_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"mount_gradio_app\(css, theme=\.\.\.\) is not supported"):
        gr.mount_gradio_app(host_app(), sepia_demo(), "/x", theme="soft", css="p {}")


async def test_root_path_is_the_prefix_a_stripping_proxy_removed() -> None:
    """A proxy serves the app at /proxy/ and forwards /proxy/config as /config: routes answer
    as usual, and the login cookie is scoped to /proxy/, the path the browser sees."""
    async with serve(sepia_demo(), root_path="/proxy", auth=("ada", "pw")) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert (await get(f"{base}/healthz"))[2] == b"ok"

        def login() -> str:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.request(
                    "POST",
                    "/login",
                    body="username=ada&password=pw",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = connection.getresponse()
                response.read()
                return str(response.getheader("set-cookie"))
            finally:
                connection.close()

        cookie = await anyio.to_thread.run_sync(login)
        assert "Path=/proxy/" in cookie
