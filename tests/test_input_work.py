"""Small inputs that cost the server a lot of work (hardening, findings 1 and 4), against a
live server: the server runs in a subprocess so that its CPU time and memory are its own
(read from ``/proc``), and every wait has a time limit.

- A 48 KB GIF (a 1000x1000 canvas, 2000 frames of one pixel) sent to a ``type="filepath"``
  Image cost 70 s of CPU and 1 GB; three clients that sent it and left at once, 210 s and
  3 GB. The uploaded GIF is now passed through, not re-encoded frame by frame.
- Twelve clients queuing a 6300x6300 PNG held 1.5 GB while they waited (each queued job
  held its decoded array) and cost 12.5 s of CPU even after they left. Queued jobs now
  hold the values as sent; they are decoded in their slot, and never once they left.
- A stream's ``inputs`` message was preprocessed on the event loop: five 6300x6300 PNGs
  stalled every other session for seconds. It is preprocessed in a worker thread.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import PIL.Image
import pytest
from live_support import healthy, raw_client
from websockets.asyncio.client import ClientConnection, connect

import streamcore as gr
from transports import serve
from transports.ports import bind_socket
from transports.protocol import pack_binary

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.timeout(150),  # each step has its own limit (STEP_SECONDS), far inside this
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]

SECONDS = 60
STEP_SECONDS = 20
"""Each message waited for comes within this, well inside the test's own 60 s limit, so that a
message that never comes fails on the step that waited for it."""
MB = 1024 * 1024

APP = """
import sys
import threading

import streamcore as gr

held = threading.Event()

with gr.Blocks() as demo:
    text = gr.Textbox()
    path_in = gr.Image(type="filepath")
    gr.Button().click(lambda p: p, path_in, text, api_name="path")
    pixels = gr.Image()
    gr.Button().click(lambda a: held.wait(60) and "done", pixels, text, api_name="hold")
    gr.Button().click(lambda: held.set() or "released", None, text, api_name="release")
    camera = gr.Image(sources="webcam", streaming=True)
    extras = [gr.Image() for _ in range(5)]
    out = gr.Image(streaming=True)
    camera.stream(lambda frame, *extras: frame, [camera, *extras], out, api_name="cam")

demo.launch(server_port=int(sys.argv[1]))
"""


# -- a server in a subprocess, measured ---------------------------------------------------


class Measured:
    """A server process: its URL, its CPU seconds and its memory (from ``/proc``)."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self, key: str) -> int:
        """``VmRSS`` (now) or ``VmHWM`` (the peak), in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0]) * 1024
        raise KeyError(key)

    def settle(self, quiet: float = 1.0) -> None:
        """Wait (at most ``STEP_SECONDS``) until the server's CPU time stops growing."""
        deadline = time.monotonic() + STEP_SECONDS
        last = self.cpu()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.cpu()
            if now - last < 0.05 * quiet:
                return
            last = now


@contextmanager
def measured_server(tmp_path: Path) -> Iterator[Measured]:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    with bind_socket("127.0.0.1", 0) as sock:
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "app.py", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    try:
        deadline = time.monotonic() + STEP_SECONDS
        while not healthy(f"http://127.0.0.1:{port}/", timeout=2):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield Measured(process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output = process.communicate(timeout=SECONDS)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
        print(f"the server printed:\n{output}")  # shown by pytest when the test fails


# -- a client, message by message ------------------------------------------------------------


@asynccontextmanager
async def client(server: Measured) -> AsyncIterator[ClientConnection]:
    async with connect(server.ws_url, compression=None, max_size=None) as connection:
        with anyio.fail_after(STEP_SECONDS):
            assert json.loads(await connection.recv())["type"] == "welcome"
        yield connection


async def until(connection: ClientConnection, **match: Any) -> dict[str, Any]:
    """The next message matching ``match``; an ``error`` message about the same request or
    job fails at once, with the error."""
    about = {key: match[key] for key in ("ref", "job") if key in match}
    with anyio.fail_after(STEP_SECONDS):
        while True:
            message: dict[str, Any] = json.loads(await connection.recv())
            if all(message.get(key) == value for key, value in match.items()):
                return message
            if message.get("type") == "error" and any(
                message.get(key) == value for key, value in about.items()
            ):
                raise AssertionError(f"waiting for {match}, the server answered {message}")


async def upload(connection: ClientConnection, data: bytes, name: str) -> dict[str, Any]:
    await connection.send(pack_binary({"type": "upload", "ref": name, "name": name}, data))
    path = (await until(connection, type="uploaded", ref=name))["path"]
    return {"path": path, "orig_name": name}


async def submit(connection: ClientConnection, api_name: str, data: list[Any]) -> str:
    await connection.send(
        json.dumps({"type": "submit", "ref": "s", "api_name": api_name, "data": data})
    )
    return str((await until(connection, type="accepted", ref="s"))["job"])


async def ping_time(server: Measured) -> float:
    """Seconds an honest client waits to connect and get its pong."""
    start = time.monotonic()
    async with client(server) as honest:
        await honest.send(json.dumps({"type": "ping", "ref": "p"}))
        await until(honest, type="pong", ref="p")
        return time.monotonic() - start


async def pong_times(connection: ClientConnection, count: int) -> list[float]:
    """Seconds each of ``count`` pings, 0.1 s apart, waits for its pong."""
    times = []
    for index in range(count):
        start = time.monotonic()
        await connection.send(json.dumps({"type": "ping", "ref": f"p{index}"}))
        await until(connection, type="pong", ref=f"p{index}")
        times.append(time.monotonic() - start)
        await anyio.sleep(0.1)
    return times


# -- the inputs ---------------------------------------------------------------------------------


def many_frames_gif(frames: int = 2000, side: int = 1000) -> bytes:
    """A ``side`` x ``side`` GIF whose ``frames - 1`` later frames are one pixel each (48 KB),
    written frame by frame (Pillow would take as long to write it as to re-encode it)."""
    canvas = PIL.Image.new("P", (side, side), 0)
    canvas.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    buffer = io.BytesIO()
    canvas.save(buffer, format="GIF")
    data = bytearray(buffer.getvalue().removesuffix(b";"))
    for index in range(frames - 1):
        x, y = (index * 7) % side, (index * 13) % side
        data += b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        data += (
            b"\x2c" + x.to_bytes(2, "little") + y.to_bytes(2, "little") + b"\x01\x00\x01\x00\x00"
        )
        data += b"\x02\x02\x4c\x01\x00"  # LZW: clear, colour 1, end
    return bytes(data + b";")


def big_png(side: int = 6300) -> bytes:
    """A one-colour PNG of ``side`` x ``side`` (just under 40 million pixels): 130 KB."""
    buffer = io.BytesIO()
    PIL.Image.new("RGB", (side, side), (10, 20, 30)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# -- finding 1 -------------------------------------------------------------------------------


async def test_a_gif_of_many_frames_costs_the_server_little(tmp_path: Path) -> None:
    gif = many_frames_gif()
    assert len(gif) < 50_000
    with measured_server(tmp_path) as server:
        before = server.cpu()
        async with client(server) as attacker:
            value = await upload(attacker, gif, "a.gif")
            job = await submit(attacker, "path", [value])
            completed = await until(attacker, type="completed", job=job)
            assert completed["reason"] == "done", completed
            assert completed["data"] == [value["path"]]  # the upload itself, not a copy
        for index in range(3):  # three more send it and leave at once
            async with client(server) as attacker:
                value = await upload(attacker, gif, f"b{index}.gif")
                await submit(attacker, "path", [value])
            assert await ping_time(server) < 1
        await anyio.to_thread.run_sync(server.settle)
        assert server.cpu() - before < 10
        assert server.memory("VmHWM") < 500 * MB


async def test_queued_jobs_hold_the_values_sent_and_departed_ones_cost_nothing(
    tmp_path: Path,
) -> None:
    png = big_png()
    with measured_server(tmp_path) as server:
        before = server.cpu()
        async with client(server) as first:
            job = await submit(first, "hold", [await upload(first, png, "first.png")])
            await until(first, type="started", job=job)  # holds the only slot
            async with AsyncExitStack() as stack:
                waiting = [await stack.enter_async_context(client(server)) for _ in range(12)]
                for index, connection in enumerate(waiting):
                    value = await upload(connection, png, f"{index}.png")
                    queued = await submit(connection, "hold", [value])
                    await until(connection, type="estimation", job=queued)
                await anyio.to_thread.run_sync(server.settle)
                assert server.memory("VmRSS") < 1024 * MB  # was 1.5 GB: 12 decoded arrays
                assert await ping_time(server) < 1
            # the twelve have left; the first is released and ends
            async with client(server) as other:
                released = await submit(other, "release", [])
                await until(other, type="completed", job=released)
            await until(first, type="completed", job=job)
        await anyio.to_thread.run_sync(server.settle)
        # one 6300x6300 decode (about 0.6 s) and the uploads; was 12.5 s with the
        # departed twelve decoded
        assert server.cpu() - before < 5


# -- finding 4 ---------------------------------------------------------------------------------


async def test_big_stream_inputs_do_not_hold_up_other_sessions(tmp_path: Path) -> None:
    png = big_png()
    with measured_server(tmp_path) as server:
        async with client(server) as attacker, client(server) as honest:
            values = [await upload(attacker, png, f"{index}.png") for index in range(5)]
            await attacker.send(json.dumps({"type": "open_stream", "ref": "o", "api_name": "cam"}))
            job = (await until(attacker, type="accepted", ref="o"))["job"]
            await until(attacker, type="started", job=job)
            for _ in range(2):  # was 1.96 s each on the loop, for every session
                inputs = {"type": "inputs", "job": job, "data": [None, *values]}
                await attacker.send(json.dumps(inputs))
            await attacker.send(json.dumps({"type": "ping", "ref": "after"}))
            waits = await pong_times(honest, 30)
            assert max(waits) < 1, waits
            # the attacker's own requests are answered in order, after its inputs
            await until(attacker, type="pong", ref="after")


async def test_a_big_download_does_not_stall_a_ping(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(512 * MB)
    async with serve(gr.Interface(lambda x: x, "text", "text"), allowed_paths=[tmp_path]) as server:
        url = f"http://{server.host}:{server.port}/file={big}"

        def download() -> int:
            total = 0
            with urllib.request.urlopen(url, timeout=SECONDS) as response:
                while chunk := response.read(MB):
                    total += len(chunk)
            return total

        async with raw_client(server) as honest, anyio.create_task_group() as tasks:
            sizes: list[int] = []

            async def fetch() -> None:
                sizes.append(await anyio.to_thread.run_sync(download))

            for _ in range(2):
                tasks.start_soon(fetch)
            worst = 0.0
            while len(sizes) < 2:
                start = time.monotonic()
                await honest.assert_alive()
                worst = max(worst, time.monotonic() - start)
                await anyio.sleep(0.02)
        assert sizes == [512 * MB] * 2
        assert worst < 1
