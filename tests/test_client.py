"""The network client end to end (``transports/client.py``): the seed demos through
``Client`` and ``AsyncClient`` as a user runs them, several clients at once, a server that
stops under them.
"""

from __future__ import annotations

import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
import PIL.Image
import pytest
from live_support import (
    TIMEOUT,
    Gate,
    close_to,
    fake_diffusion_demo,
    gradient,
    held_demo,
    png_file,
    raw_client,
    sepia,
    sepia_demo,
    sepia_expected,
    stream_demo,
)

import streamcore as gr
from streamcore.client import Status
from streamcore.media.encoding import decode, parse_data_url
from transports import AsyncClient, Client, serve

pytestmark = pytest.mark.anyio

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
        assert set(raw.welcome["limits"]) == {
            "max_message_bytes",
            "max_pixels",
            "idle_timeout",
            "session_idle_timeout",
        }
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
