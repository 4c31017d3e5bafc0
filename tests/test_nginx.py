"""The nginx configuration of ``docs/deployment.md``, tested as written: Debian's nginx on
loopback in front of a live server, the app under ``/cams/`` of the proxy (which strips
the prefix), reached by the Python client over the WebSocket and WebRTC, with a login."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from live_support import close_to, gradient, healthy

import streamcore as gr
from transports import AsyncClient, serve
from transports.ports import bind_socket

pytestmark = pytest.mark.anyio

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYMENT = Path(__file__).parent.parent / "docs" / "deployment.md"


def documented_config(upstream: int, listen: int) -> str:
    """The ```nginx block of docs/deployment.md, on the test's ports."""
    block = re.search(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.DOTALL)
    assert block is not None, "docs/deployment.md lost its nginx configuration"
    config = block.group(1)
    assert "127.0.0.1:7860" in config
    assert "127.0.0.1:8080" in config
    return config.replace("127.0.0.1:7860", f"127.0.0.1:{upstream}").replace(
        "127.0.0.1:8080", f"127.0.0.1:{listen}"
    )


@asynccontextmanager
async def nginx(tmp_path: Path, upstream: int) -> AsyncIterator[int]:
    """nginx with the documented server block in front of ``upstream``; yields its port."""
    process, listen = await anyio.to_thread.run_sync(start_nginx, tmp_path, upstream)
    try:
        await anyio.to_thread.run_sync(wait_until_proxying, process, listen)
        yield listen
    finally:
        process.terminate()
        await anyio.to_thread.run_sync(lambda: process.communicate(timeout=30))


def start_nginx(tmp_path: Path, upstream: int) -> tuple[subprocess.Popen[str], int]:
    assert Path(NGINX).exists(), "nginx is not installed (the README's test command installs it)"
    with bind_socket("127.0.0.1", 0) as sock:
        listen = int(sock.getsockname()[1])
    for folder in ("temp", "logs"):
        (tmp_path / folder).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\n"
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/temp/body;\n"
        f"  proxy_temp_path {tmp_path}/temp/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/temp/fastcgi;\n"
        f"  uwsgi_temp_path {tmp_path}/temp/uwsgi;\n"
        f"  scgi_temp_path {tmp_path}/temp/scgi;\n"
        f"{documented_config(upstream, listen)}\n"
        "}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, listen


def wait_until_proxying(process: subprocess.Popen[str], port: int) -> None:
    """Block until nginx answers ``/cams/healthz`` from the app (30 s at most)."""
    deadline = time.monotonic() + 30
    while not healthy(f"http://127.0.0.1:{port}/cams/", timeout=2):
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "nginx did not start proxying"
        time.sleep(0.05)


async def test_the_documented_nginx_config_proxies_calls_streams_and_the_login(
    tmp_path: Path,
) -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    image = gradient()
    async with (
        serve(demo, root_path="/cams", auth=("ada", "lovelace")) as server,
        nginx(tmp_path, server.port) as port,
        AsyncClient(f"http://127.0.0.1:{port}/cams/", auth=("ada", "lovelace")) as client,
    ):
        frames = [o async for o in await client.stream([image] * 5, api_name="/invert")]
        assert frames
        assert close_to(frames[-1], 255 - image)
        rtc = await client.stream([image] * 8, api_name="/invert", transport="webrtc")
        with anyio.fail_after(30):
            received = [o async for o in rtc]
        assert received
        assert close_to(received[-1], 255 - image, mean=6, peak=60)
        path = await client.predict(image, api_name="/invert")
        assert await anyio.Path(path).exists()  # a file fetched through the proxy
