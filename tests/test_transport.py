"""The WebSocket server end to end: real sockets on 127.0.0.1, real ``websockets`` clients.

Raw connections check the protocol message by message (``docs/protocol.md``); the
``Client`` / ``AsyncClient`` tests run the seed demos as a user would.
"""

from __future__ import annotations

import json
import posixpath
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
import numpy as np
import PIL.Image
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import streamcore as gr
from streamcore.client import JobCancelledError, Status
from streamcore.media.encoding import decode, encode, parse_data_url, to_data_url
from transports import AsyncClient, Client, Server, serve
from transports.http import static_files
from transports.protocol import pack_binary, unpack_binary

pytestmark = pytest.mark.anyio

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


# -- the seed demos through the clients ------------------------------------------------------


def test_sepia_filter_through_the_sync_client(tmp_path: Path) -> None:
    demo = sepia_demo()
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        image = gradient(60, 80)
        with Client(demo.local_url, download_dir=tmp_path / "downloads") as client:
            api = client.view_api(print_info=False, return_format="dict")
            assert api is not None
            assert "/predict" in api["named_endpoints"]
            result = client.predict(str(png_file(tmp_path, image)), api_name="/predict")
        assert Path(result).suffix == ".webp"
        with PIL.Image.open(result) as output:
            assert output.format == "WEBP"
            pixels = np.asarray(output.convert("RGB"))
        assert close_to(pixels, sepia_expected(image))
    finally:
        demo.close()


def test_fake_diffusion_sends_every_yield_and_ends_orange() -> None:
    demo = fake_diffusion_demo()
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        with Client(demo.local_url) as client:  # its downloads are removed when it closes
            job = client.submit(3, api_name="/predict")
            outputs = list(job)
            final = job.result()
            sizes = []
            for path in outputs:
                with PIL.Image.open(path) as image:
                    sizes.append(image.size)
            with PIL.Image.open(final) as image:
                pixels = np.asarray(image.convert("RGB")).astype(np.int16)
        assert len(outputs) == 4
        assert sizes == [(600, 600)] * 3 + [(1000, 1000)]
        assert final == outputs[-1]
        assert np.abs(pixels - [255, 124, 0]).max() <= 3
    finally:
        demo.close()


async def test_fake_diffusion_status_and_outputs_over_the_async_client() -> None:
    async with serve(fake_diffusion_demo()) as server, AsyncClient(server.local_url) as client:
        job = await client.submit(2, api_name="/predict")
        outputs = [value async for value in job]
        completed = await job.completion()
    assert len(outputs) == 3
    assert (completed.reason, completed.success) == ("done", True)
    assert (job.status().code, job.status().success) == (Status.FINISHED, True)


@pytest.mark.parametrize("binary_frames", [True, False], ids=["binary", "base64"])
async def test_webcam_sepia_stream_outputs_match_the_fn(binary_frames: bool) -> None:
    frames = [gradient(48, 64, shift) for shift in range(0, 50, 10)]
    demo = stream_demo(time_limit=60, concurrency_limit=8)
    async with (
        serve(demo) as server,
        AsyncClient(server.local_url, binary_frames=binary_frames) as client,
    ):
        stream = await client.stream(frames, api_name="/sepia")
        outputs = [output async for output in stream]
    assert len(outputs) == len(frames)
    for frame, output in zip(frames, outputs, strict=True):
        assert isinstance(output, np.ndarray)
        assert output.dtype == np.uint8
        assert close_to(output, sepia_expected(frame), mean=4.0, peak=40)
    assert stream.completion is not None
    assert stream.completion.reason == "closed"
    assert stream.completion.stats is not None
    assert stream.completion.stats["processed"] == len(frames)


async def test_webcam_sepia_through_the_sync_client() -> None:
    frames = [gradient(32, 40, shift) for shift in range(3)]
    demo = stream_demo()
    async with serve(demo) as server:

        def run() -> list[Any]:
            with Client(server.local_url) as client:
                return list(client.stream(frames, api_name="/sepia"))

        outputs = await anyio.to_thread.run_sync(run)
    assert len(outputs) == 3
    assert all(
        close_to(o, sepia_expected(f), 4.0, 40) for o, f in zip(outputs, frames, strict=True)
    )


@pytest.mark.parametrize("binary_frames", [True, False], ids=["binary", "base64"])
async def test_raw_stream_output_is_binary_jpeg_or_a_data_url(binary_frames: bool) -> None:
    frame = gradient()
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        assert raw.welcome["protocol"] == 1
        assert set(raw.welcome["limits"]) == {"max_message_bytes", "max_pixels", "idle_timeout"}
        if binary_frames:
            await raw.send("hello", binary_frames=True, protocol=1)
        job = await raw.open_stream()
        started = await raw.until("started", job=job)
        assert started["time_limit"] is None
        await raw.frame(job, frame, seq=5)
        output = await raw.until("output", job=job)
        assert output["seq"] == 5
        assert output["latency_ms"] >= 0
        if binary_frames:
            assert (output["mime"], output["index"], output["data"]) == ("image/jpeg", 0, [None])
            jpeg = output["payload"]
        else:
            assert "payload" not in output
            url = output["data"][0]["url"]
            assert url.startswith("data:image/jpeg;base64,")
            jpeg = parse_data_url(url)[1]
        assert jpeg[:2] == b"\xff\xd8"
        assert close_to(decode(jpeg), sepia_expected(frame), 4.0, 40)
        await raw.send("close_stream", job=job)
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("closed", True)
        assert completed["stats"]["received"] == 1


# -- every completion reason over the wire ------------------------------------------------------


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


async def test_reason_done_carries_the_result() -> None:
    demo = gr.Interface(lambda x: x * 2, gr.Number(), gr.Number(), api_name="predict")
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.submit("predict", [21])
        assert (await raw.until("started", job=job))["time_limit"] is None
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"], completed["data"]) == ("done", True, [42])
    assert (completed["error"], completed["validation"]) == (None, None)


async def test_reason_time_limit_ends_a_stream_fed_with_frames() -> None:
    async with serve(stream_demo(time_limit=0.3)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        assert (await raw.until("started", job=job))["time_limit"] == 0.3
        began = time.monotonic()

        async def feed() -> None:  # frames until cancelled (late ones get error replies)
            for seq in range(1000):
                await raw.frame(job, gradient(), seq)
                await anyio.sleep(0.03)

        async with anyio.create_task_group() as feeder:
            feeder.start_soon(feed)
            completed = await raw.until("completed", job=job)
            feeder.cancel_scope.cancel()
    assert (completed["reason"], completed["success"]) == ("time_limit", True)
    assert 0.25 < time.monotonic() - began < 3
    assert completed["stats"]["processed"] >= 1
    assert completed["data"] is not None  # the last output is the final one


async def test_reason_time_limit_ends_a_generator() -> None:
    def forever(x: float) -> Iterator[float]:
        while True:
            time.sleep(0.02)
            yield x

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(forever, number, number, api_name="predict", time_limit=0.3)
    async with serve(demo) as server, AsyncClient(server.local_url) as client:
        job = await client.submit(7, api_name="/predict")
        outputs = [value async for value in job]
        completed = await job.completion()
    assert completed.reason == "time_limit"
    assert outputs
    assert set(outputs) == {7}
    assert await job.result() == 7


async def test_reason_closed_delivers_the_call_in_flight() -> None:
    gate = Gate()

    def slow_sepia(frame: np.ndarray) -> np.ndarray:
        gate.hold()
        return sepia(frame)

    async with serve(stream_demo(slow_sepia)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.frame(job, gradient(), seq=1)
        await gate.wait_entered()
        await raw.send("close_stream", job=job)
        await raw.assert_alive()  # the close was taken before the fn returns
        gate.release.set()
        output = await raw.until("output", job=job)
        completed = await raw.until("completed", job=job)
    assert output["seq"] == 1
    assert (completed["reason"], completed["success"]) == ("closed", True)
    assert completed["data"] == output["data"]


async def test_reason_cancelled_by_the_client() -> None:
    gate = Gate()
    try:
        async with serve(held_demo(gate)) as server, AsyncClient(server.local_url) as client:
            job = await client.submit(1, api_name="/hold")
            await gate.wait_entered()
            await job.cancel()
            # another group's call runs meanwhile; its reply also shows the cancel was read
            assert await client.predict(5, api_name="/quick") == 5
            gate.release.set()  # the sync fn returns in its thread; its result is dropped
            completed = await job.completion()
            assert (completed.reason, completed.success, completed.data) == (
                "cancelled",
                True,
                None,
            )
            with pytest.raises(JobCancelledError):
                await job.result()
    finally:
        gate.release.set()


async def test_reason_cancelled_for_a_stream_and_a_queued_call() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="multiple")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            queued = await raw.submit("hold", [2])  # concurrency_limit 1: it waits
            estimation = await raw.until("estimation", job=queued)
            assert (estimation["rank"], estimation["queue_size"]) == (0, 1)
            await raw.send("cancel", job=queued)
            completed = await raw.until("completed", job=queued)
            assert completed["reason"] == "cancelled"
            gate.release.set()
            assert (await raw.until("completed", job=first))["reason"] == "done"
    finally:
        gate.release.set()
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.send("cancel", job=job)
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("cancelled", True)


async def test_reason_cancelled_by_another_events_cancels() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        stop = gr.Button()
        streaming = camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
        stop.click(lambda: None, None, None, cancels=[streaming], api_name="stop")
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.frame(job, gradient())
        await raw.until("output", job=job)
        stop_job = await raw.submit("stop", [])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("cancelled", True)
        assert (await raw.until("completed", job=stop_job))["reason"] == "done"


async def test_reason_idle_ends_a_stream_without_frames() -> None:
    async with serve(stream_demo(), idle_timeout=0.3) as server, raw_client(server) as raw:
        assert raw.welcome["limits"]["idle_timeout"] == 0.3
        job = await raw.open_stream()
        await raw.until("started", job=job)
        began = time.monotonic()
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("idle", True)
    assert 0.2 < time.monotonic() - began < 3


async def test_reason_error_carries_a_gr_error_verbatim() -> None:
    def refuse(x: float) -> float:
        raise gr.Error("The lens cap is on: take it off and try again.", title="Camera")

    def divide(x: float) -> float:
        return x / 0

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(refuse, number, number, api_name="refuse")
        number.submit(divide, number, number, api_name="divide")
    async with serve(demo) as server:
        async with raw_client(server) as raw:
            job = await raw.submit("refuse", [1])
            completed = await raw.until("completed", job=job)
            assert (completed["reason"], completed["success"]) == ("error", False)
            assert completed["error"]["message"] == "The lens cap is on: take it off and try again."
            assert (completed["error"]["type"], completed["error"]["title"]) == ("Error", "Camera")
            job = await raw.submit("divide", [1])
            completed = await raw.until("completed", job=job)
            assert completed["error"]["message"].startswith("ZeroDivisionError: ")
            await raw.assert_alive()
        async with AsyncClient(server.local_url) as client:
            with pytest.raises(gr.Error) as caught:
                await client.predict(1, api_name="/refuse")
            assert str(caught.value) == "The lens cap is on: take it off and try again."
            assert caught.value.title == "Camera"


async def test_reason_error_ends_a_stream_whose_fn_raises() -> None:
    def broken(frame: np.ndarray) -> np.ndarray:
        raise gr.Error("no faces found")

    async with serve(stream_demo(broken)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.frame(job, gradient())
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("error", False)
    assert completed["error"]["message"] == "no faces found"
    assert completed["stats"]["errors"] == 1


async def test_reason_validation_lists_each_input() -> None:
    def check(image: np.ndarray | None, strength: float) -> list[dict[str, Any]]:
        return [
            gr.validate(image is not None, "Upload an image first."),
            gr.validate(0 <= strength <= 1, "Strength must lie between 0 and 1."),
        ]

    def tone(image: np.ndarray, strength: float) -> np.ndarray:
        return image

    with gr.Blocks() as demo:
        image = gr.Image()
        strength = gr.Number()
        image.upload(tone, [image, strength], image, api_name="tone", validator=check)
    async with serve(demo) as server:
        async with raw_client(server) as raw:
            job = await raw.submit("tone", [None, 3])
            completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("validation", False)
        assert completed["validation"] == [
            {"parameter_name": "image", "is_valid": False, "message": "Upload an image first."},
            {
                "parameter_name": "strength",
                "is_valid": False,
                "message": "Strength must lie between 0 and 1.",
            },
        ]
        from streamcore.client import ValidationError

        async with AsyncClient(server.local_url) as client:
            with pytest.raises(ValidationError) as caught:
                await client.predict(None, 0.5, api_name="/tone")
        assert caught.value.messages == {"image": "Upload an image first."}


async def test_reason_skipped_by_trigger_mode_once() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="once")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            second = await raw.submit("hold", [2])
            skipped = await raw.until("completed", job=second)
            assert (skipped["reason"], skipped["success"], skipped["data"]) == (
                "skipped",
                True,
                None,
            )
            gate.release.set()
            done = await raw.until("completed", job=first)
            assert (done["reason"], done["data"]) == ("done", [1])
    finally:
        gate.release.set()


async def test_reason_superseded_by_trigger_mode_always_last() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="always_last")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            second = await raw.submit("hold", [2])
            third = await raw.submit("hold", [3])
            superseded = await raw.until("completed", job=second)
            assert (superseded["reason"], superseded["success"]) == ("superseded", True)
            gate.release.set()
            assert (await raw.until("completed", job=first))["data"] == [1]
            last = await raw.until("completed", job=third)
            assert (last["reason"], last["data"]) == ("done", [3])
    finally:
        gate.release.set()


# -- bad input on a raw connection: an error reply, and the connection goes on ---------------------


def bad_input_demo() -> gr.Blocks:
    """A call ``double``, a private event, and the stream ``sepia``."""
    with gr.Blocks() as demo:
        number = gr.Number()
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        number.submit(lambda x: x * 2, number, number, api_name="double")
        number.change(lambda x: x, number, number, api_name="secret", api_visibility="private")
        camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
    return demo


@pytest.mark.parametrize(
    ("message", "code", "text"),
    [
        ("{not json", "bad_json", "a text message must be a JSON object: "),
        ("[1, 2, 3]", "bad_json", "a text message must be a JSON object"),
        ('{"type": "dance", "ref": "r"}', "bad_message", "unknown message type 'dance'"),
        ('{"type": "submit", "api_name": "double", "data": [1]}', "bad_message", "'submit' needs"),
        ('{"type": "submit", "ref": "r", "api_name": 5.5, "data": [1]}', "bad_message", "'api_"),
        ('{"type": "submit", "ref": "r", "api_name": "double", "data": 1}', "bad_message", "'su"),
        ('{"type": "cancel"}', "bad_message", "'cancel' needs a non-empty string 'job'"),
        ('{"type": "hello", "protocol": 2}', "bad_message", "this server speaks protocol 1, not 2"),
        (b"\x00\x00", "bad_binary", "a binary message must start with a 4-byte length"),
        (pack_binary({"type": "movie"}, b"x"), "bad_binary", "unknown binary message type 'movie'"),
        (b"\x00\x00\x00\x09{garbage}", "bad_binary", "the binary header is not JSON: "),
    ],
)
async def test_malformed_messages_are_answered_and_the_connection_goes_on(
    message: str | bytes, code: str, text: str
) -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        await raw.send_raw(message)
        error = await raw.recv()
        assert error["type"] == "error"
        assert (error["code"], error["message"][: len(text)]) == (code, text)
        await raw.assert_alive()
        job = await raw.submit("double", [4])
        assert (await raw.until("completed", job=job))["data"] == [8]


async def test_refused_requests_name_the_problem_and_their_ref() -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        cases: list[tuple[str, dict[str, Any], str, str]] = [
            (
                "submit",
                {"api_name": "nope", "data": [1]},
                "unknown_api",
                "there is no api_name 'nope'; the app has ['double', 'sepia']",
            ),
            (
                "submit",
                {"api_name": 99, "data": [1]},
                "unknown_api",
                "there is no event at index 99",
            ),
            (
                "submit",
                {"api_name": "secret", "data": [1]},
                "unknown_api",
                "the event 'secret' is private: clients cannot call it",
            ),
            (
                "submit",
                {"api_name": "double", "data": [1, 2]},
                "bad_input",
                "'double' takes 1 input value(s) as a list, got 2",
            ),
            (
                "open_stream",
                {"api_name": "double"},
                "not_a_stream",
                "'double' is not a stream event: use submit()",
            ),
            (
                "open_stream",
                {"api_name": "sepia", "data": []},
                "bad_input",
                "'sepia' takes 1 input value(s) as a list, got 0",
            ),
        ]
        for kind, fields, code, text in cases:
            reply = await raw.request(kind, **fields)
            assert reply["type"] == "error", (kind, fields)
            assert (reply["code"], reply["message"]) == (code, text)
        await raw.assert_alive()


async def test_job_requests_for_unknown_or_wrong_jobs() -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        missing = "there is no running job 'ghost' in this session (it may have ended)"
        for kind, fields in [
            ("cancel", {}),
            ("close_stream", {}),
            ("inputs", {"data": [None]}),
        ]:
            error = await raw.error(kind, job="ghost", **fields)
            assert (error["code"], error["message"], error["job"]) == (
                "unknown_job",
                missing,
                "ghost",
            )
        await raw.frame("ghost", gradient())
        error = await raw.until("error")
        assert (error["code"], error["job"]) == ("unknown_job", "ghost")
        await raw.assert_alive()

        # a call is not a stream: frames, inputs and close_stream are refused while it runs
        gate = Gate()
        try:
            with gr.Blocks() as demo:
                number = gr.Number()
                number.submit(gate.hold, number, number, api_name="hold")
            async with serve(demo) as other, raw_client(other) as raw2:
                job = await raw2.submit("hold", [1])
                await gate.wait_entered()
                await raw2.frame(job, gradient())
                error = await raw2.until("error")
                assert (error["code"], error["job"]) == ("not_a_stream", job)
                for kind, fields in [("close_stream", {}), ("inputs", {"data": [1]})]:
                    error = await raw2.error(kind, job=job, **fields)
                    assert (error["code"], error["job"]) == ("not_a_stream", job)
                gate.release.set()
                assert (await raw2.until("completed", job=job))["reason"] == "done"
        finally:
            gate.release.set()


async def test_stream_inputs_update_and_refusals() -> None:
    def tint(frame: np.ndarray, strength: float) -> np.ndarray:
        return np.full_like(frame, int(strength))

    demo = stream_demo(tint, extra_inputs=(gr.Slider(0, 255, 10),))
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream("sepia", [None, 10])
        await raw.frame(job, gradient(), 1)
        first = await raw.until("output", job=job)
        await raw.send("inputs", job=job, data=[None, 200])
        await raw.frame(job, gradient(), 2)
        second = await raw.until("output", job=job)
        assert decode(parse_data_url(first["data"][0]["url"])[1]).mean() == pytest.approx(10, abs=2)
        assert decode(parse_data_url(second["data"][0]["url"])[1]).mean() == pytest.approx(
            200, abs=2
        )
        error = await raw.error("inputs", job=job, data=[None])
        assert (error["code"], error["job"]) == ("bad_input", job)
        assert error["message"] == "'sepia' takes 2 input value(s) as a list, got 1"
        error = await raw.error("inputs", job=job, data=[None, 999])
        assert (error["code"], error["job"]) == ("bad_input", job)
        assert "999" in error["message"]
        await raw.frame(job, gradient(), 3)
        third = await raw.until("output", job=job)  # the refused values were not used
        assert decode(parse_data_url(third["data"][0]["url"])[1]).mean() == pytest.approx(
            200, abs=2
        )


async def test_frame_after_the_stream_stopped_taking_frames() -> None:
    gate = Gate()

    def slow_sepia(frame: np.ndarray) -> np.ndarray:
        gate.hold()
        return sepia(frame)

    try:
        async with serve(stream_demo(slow_sepia)) as server, raw_client(server) as raw:
            job = await raw.open_stream()
            await raw.frame(job, gradient(), 1)
            await gate.wait_entered()
            await raw.send("close_stream", job=job)
            await raw.frame(job, gradient(), 2)
            error = await raw.until("error")
            assert (error["code"], error["job"]) == ("stream_ended", job)
            assert error["message"] == "that stream has stopped taking frames"
            gate.release.set()
            completed = await raw.until("completed", job=job)
            assert (completed["reason"], completed["stats"]["processed"]) == ("closed", 1)
            await raw.frame(job, gradient(), 3)  # now it has ended: the job is gone
            error = await raw.until("error")
            assert (error["code"], error["job"]) == ("unknown_job", job)
            await raw.assert_alive()
    finally:
        gate.release.set()


async def test_undecodable_frame_gets_frame_error_and_the_stream_goes_on() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.frame(job, b"this is not a jpeg", seq=1)
        error = await raw.until("frame_error", job=job)
        assert error["seq"] == 1
        assert error["error"]["type"] == "ImageDecodeError"
        assert error["error"]["title"] == "Bad frame"
        assert error["error"]["message"]
        await raw.frame(job, gradient(), seq=2)
        output = await raw.until("output", job=job)
        assert output["seq"] == 2
        await raw.send("close_stream", job=job)
        completed = await raw.until("completed", job=job)
        assert completed["stats"]["received"] == 2


async def test_frame_over_max_pixels_gets_frame_error() -> None:
    async with serve(stream_demo(), max_pixels=64 * 48) as server, raw_client(server) as raw:
        assert raw.welcome["limits"]["max_pixels"] == 64 * 48
        job = await raw.open_stream()
        await raw.frame(job, gradient(49, 64), seq=1)
        error = await raw.until("frame_error", job=job)
        assert (error["seq"], error["error"]["type"]) == (1, "ImageTooLargeError")
        assert "max_pixels" in error["error"]["message"]
        await raw.frame(job, gradient(48, 64), seq=2)
        assert (await raw.until("output", job=job))["seq"] == 2


async def test_compat_base64_frames_and_a_bad_one() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        url = to_data_url(encode(gradient(), "jpeg", 90), "image/jpeg")
        await raw.send("frame", job=job, data=url, seq=1)
        assert (await raw.until("output", job=job))["seq"] == 1
        error = await raw.error("frame", job=job, data="data:image/jpeg;base64,%%%", seq=2)
        assert (error["code"], error["job"]) == ("bad_frame", job)
        assert error["message"].startswith("the base64 payload is not valid base64")
        error = await raw.error("frame", job=job, data="http://example.com/x.jpg")
        assert error["code"] == "bad_frame"
        await raw.send("frame", job=job, data=url, seq=3)
        assert (await raw.until("output", job=job))["seq"] == 3


async def test_oversized_message_closes_with_1009() -> None:
    async with serve(stream_demo(), max_message_bytes=10_000) as server:
        async with raw_client(server) as raw:
            assert raw.welcome["limits"]["max_message_bytes"] == 10_000
            job = await raw.open_stream()
            await raw.frame(job, b"x" * 20_000)
            with pytest.raises(ConnectionClosed) as caught:
                await raw.until("never")
            assert caught.value.rcvd is not None
            assert caught.value.rcvd.code == 1009
        async with raw_client(server) as raw:  # the server still serves others
            await raw.assert_alive()


async def test_uploads_good_and_bad(tmp_path: Path) -> None:
    image = gradient()
    async with serve(sepia_demo()) as server, raw_client(server) as raw:
        png = encode(image, "png")
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u1", "name": "../../x.png"}, png))
        uploaded = await raw.until("uploaded", ref="u1")
        path = Path(uploaded["path"])
        assert path.name == "x.png"
        assert await anyio.Path(path).read_bytes() == png
        job = await raw.submit("predict", [{"path": str(path), "orig_name": "x.png"}])
        completed = await raw.until("completed", job=job)
        assert completed["reason"] == "done"

        # a header without its ref or name
        await raw.send_raw(pack_binary({"type": "upload", "name": "x.png"}, png))
        error = await raw.until("error")
        assert (error["code"], error["message"]) == (
            "bad_message",
            "'upload' needs a non-empty string 'ref'",
        )
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u2"}, png))
        error = await raw.until("error")
        assert (error["code"], error["ref"]) == ("bad_message", "u2")

        # a name the file system cannot hold
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u3", "name": "é" * 199}, png))
        error = await raw.until("error")
        assert (error["code"], error["ref"]) == ("bad_input", "u3")
        assert error["message"].endswith("could not be stored: File name too long")
        await raw.assert_alive()

        # bytes that are not an image: stored, but refused as an input with a message
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u4", "name": "a.png"}, b"nope"))
        bogus = (await raw.until("uploaded", ref="u4"))["path"]
        job = await raw.submit("predict", [{"path": bogus, "orig_name": "a.png"}])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("error", False)
        assert completed["error"]["type"] == "ImageDecodeError"

        # a path the server must not read
        job = await raw.submit("predict", [{"path": "/etc/passwd"}])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["error"]["type"]) == ("error", "PathNotAllowedError")
        await raw.assert_alive()


async def test_stream_inputs_naming_a_refused_file_are_refused() -> None:
    def overlay(frame: np.ndarray, logo: np.ndarray | None) -> np.ndarray:
        return frame

    demo = stream_demo(overlay, extra_inputs=(gr.Image(),))
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream("sepia", [None, None])
        for path, kind in [("/etc/passwd", "Cannot read"), ("/tmp/streamcore/nope.png", "No such")]:
            error = await raw.error("inputs", job=job, data=[None, {"path": path}])
            assert (error["code"], error["job"]) == ("bad_input", job)
            assert error["message"].startswith(kind)
        await raw.frame(job, gradient(), 1)
        assert (await raw.until("output", job=job))["seq"] == 1


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


# -- several clients ------------------------------------------------------------------------------


async def test_two_clients_at_once_get_their_own_results() -> None:
    def slow_double(x: float) -> float:
        time.sleep(0.1)
        return x * 2

    demo = gr.Interface(slow_double, gr.Number(), gr.Number(), concurrency_limit=2)
    results: dict[int, Any] = {}
    async with serve(demo) as server:

        async def use(value: int) -> None:
            async with AsyncClient(server.local_url) as client:
                results[value] = [await client.predict(value + i) for i in range(3)]

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(use, 10)
            tasks.start_soon(use, 100)
    assert results == {10: [20, 22, 24], 100: [200, 202, 204]}


async def test_two_streams_at_once_get_their_own_outputs() -> None:
    def tint(frame: np.ndarray) -> np.ndarray:
        return np.full_like(frame, int(frame.mean()))

    outputs: dict[int, list[float]] = {}
    async with serve(stream_demo(tint, concurrency_limit=2)) as server:

        async def use(level: int) -> None:
            frames = [np.full((32, 32, 3), level, np.uint8)] * 4
            async with AsyncClient(server.local_url) as client:
                stream = await client.stream(frames, api_name="sepia")
                outputs[level] = [float(o.mean()) async for o in stream]

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(use, 40)
            tasks.start_soon(use, 200)
    assert outputs[40] == pytest.approx([40] * 4, abs=2)
    assert outputs[200] == pytest.approx([200] * 4, abs=2)


async def test_with_concurrency_limit_1_the_second_stream_waits_its_turn() -> None:
    async with (
        serve(stream_demo(concurrency_limit=1)) as server,
        raw_client(server) as first,
        raw_client(server) as second,
    ):
        job1 = await first.open_stream()
        await first.until("started", job=job1)
        job2 = await second.open_stream()
        estimation = await second.until("estimation", job=job2)
        assert (estimation["rank"], estimation["queue_size"]) == (0, 1)
        await second.frame(job2, gradient(), seq=1)  # kept (latest wins) until it starts
        with anyio.move_on_after(0.3) as waited:
            await second.until("started", job=job2)
        assert waited.cancelled_caught
        await first.send("close_stream", job=job1)
        assert (await first.until("completed", job=job1))["reason"] == "closed"
        await second.until("started", job=job2)
        output = await second.until("output", job=job2)
        assert output["seq"] == 1


async def test_a_disconnect_mid_stream_frees_the_slot_at_once() -> None:
    """The slot is free as soon as the call in flight returns (a sync fn cannot be
    interrupted; its result is dropped), not at the stream's time_limit or idle timeout;
    the two clients' calls never overlap."""
    running, overlaps = [0], [0]
    entered, release = threading.Event(), threading.Event()
    lock = threading.Lock()

    def slow_sepia(frame: np.ndarray) -> np.ndarray:
        with lock:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
        entered.set()
        release.wait(TIMEOUT)
        with lock:
            running[0] -= 1
        return sepia(frame)

    # time_limit and idle timeout far beyond TIMEOUT: a slot they freed would be too late
    demo = stream_demo(slow_sepia, concurrency_limit=1, time_limit=12 * TIMEOUT)
    async with serve(demo, idle_timeout=12 * TIMEOUT) as server:
        for abrupt in (False, True):
            entered.clear()
            release.clear()
            async with raw_client(server) as first:
                job1 = await first.open_stream()
                await first.frame(job1, gradient())
                assert await anyio.to_thread.run_sync(entered.wait, TIMEOUT)
                await first.frame(job1, gradient())  # waiting behind the call in flight
                if abrupt:  # a killed tab: no closing handshake
                    first.connection.transport.abort()
            async with raw_client(server) as second:
                job2 = await second.open_stream()
                await second.until("estimation", job=job2)  # queued behind the call in flight
                release.set()  # the call returns: the slot is free at once (within TIMEOUT)
                await second.until("started", job=job2)
                await second.frame(job2, gradient(), seq=7)
                assert (await second.until("output", job=job2))["seq"] == 7
    assert overlaps[0] == 1


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


async def test_inputs_sent_while_a_stream_waits_in_the_queue_are_used() -> None:
    def tint(frame: np.ndarray, strength: float) -> np.ndarray:
        return np.full_like(frame, int(strength))

    demo = stream_demo(tint, extra_inputs=(gr.Slider(0, 255, 10),), concurrency_limit=1)
    async with (
        serve(demo) as server,
        raw_client(server) as first,
        raw_client(server) as second,
    ):
        job1 = await first.open_stream("sepia", [None, 10])
        await first.until("started", job=job1)
        job2 = await second.open_stream("sepia", [None, 10])
        await second.until("estimation", job=job2)
        await second.send("inputs", job=job2, data=[None, 200])
        await second.frame(job2, gradient(), seq=1)
        await second.assert_alive()
        await first.send("close_stream", job=job1)
        output = await second.until("output", job=job2)
        level = decode(parse_data_url(output["data"][0]["url"])[1]).mean()
        assert level == pytest.approx(200, abs=2)


async def test_queue_max_size_refuses_with_a_completion() -> None:
    gate = Gate()
    demo = held_demo(gate, trigger_mode="multiple").queue(max_size=1)
    try:
        async with serve(demo) as server, raw_client(server) as raw:
            running = await raw.submit("hold", [1])
            await gate.wait_entered()
            waiting = await raw.submit("hold", [2])
            await raw.until("estimation", job=waiting)
            refused = await raw.submit("hold", [3])
            completed = await raw.until("completed", job=refused)
            assert (completed["reason"], completed["success"]) == ("error", False)
            assert completed["error"]["message"] == (
                "Queue is full. Max size is 1 and size is 1; try again later."
            )
            gate.release.set()
            assert (await raw.until("completed", job=running))["data"] == [1]
            assert (await raw.until("completed", job=waiting))["data"] == [2]
    finally:
        gate.release.set()


async def test_a_storm_of_random_requests_never_breaks_the_connection() -> None:
    import random

    rng = random.Random(1234)
    values: list[Any] = [None, 0, -1, 2**40, 1.5, "", "x", [], [None], [1, 2], {}, {"path": 3}]
    values += [{"path": "/etc/passwd"}, {"url": "data:image/png;base64,AAAA"}, True]
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        jobs = [await raw.open_stream(), await raw.submit("double", [1]), "ghost"]
        kinds = ["submit", "open_stream", "frame", "inputs", "close_stream", "cancel", "hello"]
        for count in range(300):
            message: dict[str, Any] = {"type": rng.choice([*kinds, "ping", "dance"])}
            for key in ("ref", "api_name", "data", "job", "seq", "event_data", "binary_frames"):
                if rng.random() < 0.6:
                    message[key] = rng.choice(values)
            if rng.random() < 0.5:
                message["api_name"] = rng.choice(["double", "sepia", "secret", 0, 1, 2])
            if rng.random() < 0.5:
                message["job"] = rng.choice(jobs)
            if rng.random() < 0.3:
                message["data"] = [rng.choice(values) for _ in range(rng.randint(0, 2))]
            if rng.random() < 0.2:
                header = {k: v for k, v in message.items() if k in ("type", "job", "seq")}
                await raw.send_raw(pack_binary(header, rng.randbytes(rng.randint(0, 40))))
            else:
                await raw.send_raw(json.dumps(message))
            if count % 50 == 0:
                await raw.assert_alive()
        await raw.assert_alive()
        job = await raw.submit("double", [21])
        assert (await raw.until("completed", job=job))["data"] == [42]


async def test_the_server_stopping_ends_the_clients_unfinished_jobs() -> None:
    gate = Gate()
    try:
        async with AsyncExitStack() as clients:
            async with AsyncExitStack() as servers:
                server = await servers.enter_async_context(serve(held_demo(gate)))
                client = await clients.enter_async_context(AsyncClient(server.local_url))
                job = await client.submit(1, api_name="/hold")
                await gate.wait_entered()
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(servers.aclose)  # closes the connections (1001) first
                    with pytest.raises(gr.Error) as caught:
                        await job.result()
                    gate.release.set()  # the server then waits for the call in its thread
            assert str(caught.value) == "the connection to the server closed before the job ended"
            with pytest.raises(Exception, match="closed"):
                await client.predict(1, api_name="/quick")
    finally:
        gate.release.set()
