"""What the live-server tests share: the seed demos, a raw WebSocket connection, HTTP
helpers and a gate that holds a fn until released."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
import PIL.Image
from websockets.asyncio.client import ClientConnection, connect

import streamcore as gr
from streamcore.media.encoding import encode
from transports import Server
from transports.ports import bind_socket
from transports.protocol import pack_binary, unpack_binary

SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
TIMEOUT = 10.0


# -- the seed demos --------------------------------------------------------------------------


def sepia(input_img: np.ndarray) -> np.ndarray:
    """``examples/sepia_filter``'s fn, as written there."""
    sepia_img = input_img.dot(SEPIA.T)
    sepia_img /= sepia_img.max()
    return sepia_img  # type: ignore[no-any-return]


def sepia_expected(image: np.ndarray) -> np.ndarray:
    """What the server sends back for ``sepia(image)``: floats in [0, 1] to uint8."""
    return np.rint(sepia(image.astype(np.float64)) * 255).astype(np.int16)


def gradient(height: int = 48, width: int = 64, shift: int = 0) -> np.ndarray:
    """A smooth RGB image: lossy codecs keep it within a few levels."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack(
        [
            40 + (x * 160) // width + shift,
            30 + (y * 180) // height,
            np.full_like(x, 90 + shift),
        ],
        axis=-1,
    )
    return np.clip(image, 0, 255).astype(np.uint8)


def close_to(actual: np.ndarray, expected: np.ndarray, mean: float = 3.0, peak: int = 24) -> bool:
    difference = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    return actual.shape == expected.shape and difference.mean() < mean and difference.max() < peak


def sepia_demo() -> gr.Interface:
    return gr.Interface(sepia, gr.Image(), "image", api_name="predict")


def fake_diffusion_demo(step_seconds: float = 0.02) -> gr.Interface:
    def fake_diffusion(steps: int) -> Iterator[np.ndarray]:
        rng = np.random.default_rng()
        for _ in range(steps):
            time.sleep(step_seconds)
            yield rng.random(size=(600, 600, 3))
        image = np.ones((1000, 1000, 3), np.uint8)
        image[:] = [255, 124, 0]
        yield image

    return gr.Interface(
        fake_diffusion, inputs=gr.Slider(1, 10, 3, step=1), outputs="image", api_name="predict"
    )


def stream_demo(
    fn: Callable[..., Any] = sepia, *, extra_inputs: tuple[Any, ...] = (), **options: Any
) -> gr.Blocks:
    """``examples/webcam_sepia``: one streaming Image in, one out, event ``sepia``."""
    options = {"stream_every": 0, "api_name": "sepia", **options}
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        camera.stream(fn, [camera, *extra_inputs], toned, **options)
    return demo


# -- a raw connection ---------------------------------------------------------------------------


class Raw:
    """A bare WebSocket client speaking the protocol message by message."""

    def __init__(self, connection: ClientConnection, welcome: dict[str, Any]) -> None:
        self.connection = connection
        self.welcome = welcome
        self._count = 0

    async def send(self, type: str, **fields: Any) -> None:
        await self.connection.send(json.dumps({"type": type, **fields}))

    async def send_raw(self, message: str | bytes) -> None:
        await self.connection.send(message)

    async def frame(self, job: str, image: bytes | np.ndarray, seq: int = 0) -> None:
        data = image if isinstance(image, bytes) else encode(image, "jpeg", 90)
        await self.connection.send(pack_binary({"type": "frame", "job": job, "seq": seq}, data))

    async def recv(self) -> dict[str, Any]:
        """The next message; a binary one as its header plus ``payload``."""
        with anyio.fail_after(TIMEOUT):
            raw = await self.connection.recv()
        if isinstance(raw, bytes):
            header, payload = unpack_binary(raw)
            return {**header, "payload": payload}
        message: dict[str, Any] = json.loads(raw)
        return message

    async def until(self, type: str, **match: Any) -> dict[str, Any]:
        """The first message of ``type`` whose fields equal ``match``; others are skipped."""
        while True:
            message = await self.recv()
            if message["type"] == type and all(message.get(k) == v for k, v in match.items()):
                return message

    async def request(self, type: str, **fields: Any) -> dict[str, Any]:
        """Send a request with a fresh ``ref``; its ``accepted`` or ``error`` reply."""
        self._count += 1
        ref = f"ref-{self._count}"
        await self.send(type, ref=ref, **fields)
        while True:
            message = await self.recv()
            if message.get("ref") == ref:
                return message

    async def submit(self, api_name: str, data: list[Any]) -> str:
        reply = await self.request("submit", api_name=api_name, data=data)
        assert reply["type"] == "accepted", reply
        return str(reply["job"])

    async def open_stream(self, api_name: str = "sepia", data: list[Any] | None = None) -> str:
        fields: dict[str, Any] = {"api_name": api_name}
        if data is not None:
            fields["data"] = data
        reply = await self.request("open_stream", **fields)
        assert reply["type"] == "accepted", reply
        return str(reply["job"])

    async def error(self, type: str, **fields: Any) -> dict[str, Any]:
        """Send a request that must be refused; the ``error`` reply that comes next."""
        await self.send(type, **fields)
        return await self.until("error")

    async def assert_alive(self) -> None:
        """The connection still answers: a ping gets its pong."""
        self._count += 1
        ref = f"alive-{self._count}"
        await self.send("ping", ref=ref)
        await self.until("pong", ref=ref)


@asynccontextmanager
async def raw_client(server: Server, path: str = "/ws", **options: Any) -> AsyncIterator[Raw]:
    url = f"ws://{server.host}:{server.port}{path}"
    async with connect(url, compression=None, max_size=None, **options) as connection:
        with anyio.fail_after(TIMEOUT):
            welcome = json.loads(await connection.recv())
        assert welcome["type"] == "welcome"
        yield Raw(connection, welcome)


def healthy(url: str, timeout: float = TIMEOUT) -> bool:
    """Whether the server at ``url`` (ending in ``/``) answers ``healthz`` with ``ok`` now."""
    try:
        with urllib.request.urlopen(url + "healthz", timeout=timeout) as response:
            return bool(response.read() == b"ok")
    except (urllib.error.URLError, ConnectionError):
        return False


def http_get(server: Server, path: str) -> tuple[int, str, bytes]:
    """``GET path``: status, content type and body (also for error statuses)."""
    url = f"http://{server.host}:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


async def get(server: Server, path: str) -> tuple[int, str, bytes]:
    return await anyio.to_thread.run_sync(http_get, server, path)


def png_file(directory: Path, image: np.ndarray, name: str = "photo.png") -> Path:
    path = directory / name
    PIL.Image.fromarray(image).save(path)
    return path


class Gate:
    """Lets a test hold a sync fn inside its call and release it (never forever)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def hold(self, value: Any = None) -> Any:
        self.entered.set()
        self.release.wait(TIMEOUT)
        return value

    async def wait_entered(self) -> None:
        assert await anyio.to_thread.run_sync(self.entered.wait, TIMEOUT)


def held_demo(gate: Gate, **options: Any) -> gr.Blocks:
    """``hold`` (a Number in, out) waits for the gate; ``quick`` returns at once."""
    with gr.Blocks() as demo:
        number = gr.Number()
        button = gr.Button()
        button.click(gate.hold, number, number, api_name="hold", **options)
        button.click(lambda x: x, number, number, api_name="quick")
    return demo


@contextmanager
def serving_script(folder: Path, app: str, *args: str, seconds: float = 60) -> Iterator[str]:
    """``python -m streamcore serve app.py <args>`` in ``folder`` (``app`` is the script's
    text) until the body ends, then SIGTERM; yields the base URL once ``/healthz`` answers.
    The command must exit 0 in time and leave its port free. A ``PROMETHEUS_MULTIPROC_DIR``
    of the test process is not passed on (the command makes its own)."""
    (folder / "app.py").write_text(textwrap.dedent(app))
    with bind_socket("127.0.0.1", 0) as sock:
        port = int(sock.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamcore", "serve", "app.py", "--port", str(port), *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + seconds
        while not healthy(url, timeout=2):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=seconds)
    assert process.returncode == 0, output
    bind_socket("127.0.0.1", port).close()  # the port is free again
