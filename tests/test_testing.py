"""The in-process clients: client-side values in and out, jobs, streams, errors."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.testing import AsyncTestClient, TestClient, ValidationError
from streamcore.client import JobSkippedError, Status
from streamcore.engine.clock import FakeClock
from streamcore.media.encoding import encode, to_data_url
from streamcore.media.files import FileAccess, use_file_access

WAIT = 5.0


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    access = FileAccess(cache_dir=tmp_path / "cache", allowed_paths=(tmp_path / "files",))
    with use_file_access(access):
        yield access


def solid(level: int, height: int = 6, width: int = 8) -> np.ndarray:
    return np.full((height, width, 3), level, np.uint8)


def read_image(path: str) -> np.ndarray:
    with PIL.Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def image_app() -> gr.Blocks:
    """``size`` reports an input image's size; ``invert`` returns an image."""
    with gr.Blocks() as demo:
        image = gr.Image()
        text = gr.Textbox()
        image.upload(lambda im: f"{im.shape[1]}x{im.shape[0]}", image, text, api_name="size")
        image.change(lambda im: 255 - im, image, gr.Image(format="png"), api_name="invert")
    return demo


# -- predict --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_images_go_in_as_arrays_pil_images_paths_or_data_urls(
    policy: FileAccess, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    path = files / "in.png"
    PIL.Image.fromarray(solid(10, 5, 7)).save(path)
    data_url = to_data_url(encode(solid(10, 3, 4), "png"), "image/png")
    async with AsyncTestClient(image_app(), file_access=policy) as client:
        assert await client.predict(solid(1), api_name="size") == "8x6"
        assert await client.predict(PIL.Image.new("RGB", (9, 2)), api_name="size") == "9x2"
        assert await client.predict(str(path), api_name="size") == "7x5"
        assert await client.predict(path, api_name="/size") == "7x5"
        assert await client.predict(data_url, api_name="size") == "4x3"
        with pytest.raises(FileNotFoundError, match="no image file"):
            await client.predict(str(files / "missing.png"), api_name="size")


def test_image_outputs_come_back_as_file_paths(policy: FileAccess) -> None:
    with TestClient(image_app(), file_access=policy) as client:
        path = client.predict(solid(40), api_name="invert")
    assert Path(path).suffix == ".png"
    assert Path(path).is_relative_to(policy.cache_dir)
    assert np.array_equal(read_image(path), solid(215))


def test_several_outputs_come_back_as_a_tuple(policy: FileAccess) -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(lambda x: (x, str(x * 2)), number, [gr.Number(), gr.Textbox()])
    with TestClient(demo, file_access=policy) as client:
        assert client.predict(4, api_name="lambda") == (4, "8")


def test_failures_raise_on_the_client_side(policy: FileAccess) -> None:
    def fail(x: int) -> int:
        if x < 0:
            raise gr.Error("negative!", title="Bad value")
        raise KeyError("boom")

    def must_be_even(x: int) -> dict[str, Any]:
        return gr.validate(x % 2 == 0, "give me an even number")

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(fail, number, number, api_name="fail")
        number.change(abs, number, number, api_name="even", validator=must_be_even)
        number.blur(abs, number, number, api_name="private", api_visibility="private")
    with TestClient(demo, file_access=policy) as client:
        with pytest.raises(gr.Error, match="negative!") as shown:
            client.predict(-1, api_name="fail")
        assert shown.value.title == "Bad value"
        with pytest.raises(gr.Error, match="KeyError: 'boom'"):
            client.predict(1, api_name="fail")
        with pytest.raises(ValidationError, match="give me an even number") as refused:
            client.predict(3, api_name="even")
        assert refused.value.messages == {"x": "give me an even number"}
        assert client.predict(4, api_name="even") == 4
        refusal = "no public event with api_name '/private'; the app has: /fail, /even"
        with pytest.raises(KeyError, match=refusal):
            client.predict(1, api_name="private")
        with pytest.raises(KeyError, match="no public event with api_name '/missing'"):
            client.predict(1, api_name="missing")


def test_the_client_is_used_inside_with(policy: FileAccess) -> None:
    client = TestClient(image_app(), file_access=policy)
    with pytest.raises(RuntimeError, match="inside `with`"):
        client.predict(solid(1), api_name="size")


# -- submit: jobs --------------------------------------------------------------------------------


def count_to(n: int) -> Iterator[int]:
    yield from range(1, int(n) + 1)


def test_a_job_iterates_a_generators_outputs_and_results_in_the_last(policy: FileAccess) -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(count_to, number, number, api_name="count")
    with TestClient(demo, file_access=policy) as client:
        job = client.submit(4, api_name="count")
        assert list(job) == [1, 2, 3, 4]
        assert job.outputs() == [1, 2, 3, 4]
        assert job.result() == 4
        assert (job.status().code, job.status().success) == (Status.FINISHED, True)
        assert client.predict(2, api_name="count") == 2


@pytest.mark.anyio
async def test_a_job_status_goes_from_queued_to_started_to_completed(policy: FileAccess) -> None:
    release = anyio.Event()

    async def slow(x: int) -> int:
        await release.wait()
        return x

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(slow, number, number, api_name="slow", trigger_mode="multiple")
    async with AsyncTestClient(demo, file_access=policy, message_buffer=16) as client:
        jobs = [await client.submit(value, api_name="slow") for value in (1, 2)]

        def statuses() -> list[Status]:
            return [job.status().code for job in jobs]

        # status() is a snapshot: poll it, as a UI would. Which call gets the slot depends
        # on which one's inputs are ready first (calls join the queue once preprocessed).
        with anyio.fail_after(WAIT):
            while sorted(s.value for s in statuses()) != ["IN_QUEUE", "PROCESSING"]:  # noqa: ASYNC110
                await anyio.sleep(0.001)
        [waiting] = [job for job in jobs if job.status().code is Status.IN_QUEUE]
        assert (waiting.status().rank, waiting.status().queue_size) == (0, 1)
        release.set()
        assert [await job.result() for job in jobs] == [1, 2]
        assert statuses() == [Status.FINISHED, Status.FINISHED]


def test_cancelling_a_job_ends_it_without_a_result(policy: FileAccess) -> None:
    entered = threading.Event()
    release = threading.Event()

    def stepping(x: int) -> Iterator[int]:
        yield x
        entered.set()
        release.wait(WAIT)
        yield x + 1

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(stepping, number, number, api_name="step")
    with TestClient(demo, file_access=policy) as client:
        job = client.submit(1, api_name="step")
        outputs = iter(job)
        assert next(outputs) == 1
        assert entered.wait(WAIT)
        assert job.cancel() is True
        release.set()
        assert list(outputs) == []
        with pytest.raises(concurrent.futures.CancelledError):
            job.result()
        assert job.cancelled()
        status = job.status()
        assert (status.code, status.success) == (Status.CANCELLED, False)
        assert status.reason == "cancelled"
        assert job.cancel() is False  # cancelling an ended job does nothing


@pytest.mark.anyio
async def test_a_skipped_trigger_completes_as_skipped(policy: FileAccess) -> None:
    release = anyio.Event()

    async def slow(x: int) -> int:
        await release.wait()
        return x

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(slow, number, number, api_name="slow", concurrency_limit=None)
    async with AsyncTestClient(demo, file_access=policy) as client:
        first = await client.submit(1, api_name="slow")
        skipped = await client.submit(2, api_name="slow")
        assert (await skipped.completion()).reason == "skipped"
        with pytest.raises(JobSkippedError, match="trigger_mode is 'once'"):
            await skipped.result()
        assert (skipped.status().code, skipped.status().reason) == (Status.FINISHED, "skipped")
        release.set()
        assert await first.result() == 1


@pytest.mark.anyio
async def test_select_event_data_reaches_the_fn(policy: FileAccess) -> None:
    def where(image: Any, event: gr.SelectData) -> str:
        return f"{event.index[0]},{event.index[1]}"

    with gr.Blocks() as demo:
        image = gr.Image()
        image.select(where, image, gr.Textbox(), api_name="where")
    async with AsyncTestClient(demo, file_access=policy) as client:
        job = await client.submit(solid(1), api_name="where", event_data={"index": [5, 2]})
        assert await job.result() == "5,2"


# -- streams -------------------------------------------------------------------------------------


def invert(frame: np.ndarray) -> np.ndarray:
    return 255 - frame


def stream_app(fn: Any = invert, **options: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        webcam = gr.Image(sources="webcam", streaming=True)
        webcam.stream(fn, webcam, gr.Image(streaming=True), api_name="live", **options)
    return demo


def test_a_stream_yields_arrays_for_the_frames(policy: FileAccess) -> None:
    frames = [solid(level) for level in (30, 120, 200)]
    with TestClient(stream_app(stream_every=0), file_access=policy) as client:
        outputs = list(client.stream(frames, api_name="live"))
    assert len(outputs) == 3
    for output, frame in zip(outputs, frames, strict=True):
        assert isinstance(output, np.ndarray)
        assert output.shape == frame.shape
        assert output.dtype == np.uint8
        assert np.abs(output.astype(int) - invert(frame)).max() <= 2  # JPEG of a flat colour


@pytest.mark.anyio
@pytest.mark.parametrize("binary_frames", [False, True])
async def test_a_stream_skips_junk_frames_and_counts_them(
    policy: FileAccess, binary_frames: bool
) -> None:
    frames: list[Any] = [solid(10), b"junk", solid(250)]
    async with AsyncTestClient(
        stream_app(stream_every=0), file_access=policy, binary_frames=binary_frames
    ) as client:
        stream = await client.stream(frames, api_name="live")
        outputs = [output async for output in stream]
    assert [round(o.mean()) for o in outputs] == [245, 5]
    assert (stream.sent, stream.received) == (3, 2)
    assert len(stream.frame_errors) == 1
    assert stream.frame_errors[0]["title"] == "Bad frame"
    assert stream.completion is not None
    assert stream.completion.reason == "closed"


@pytest.mark.anyio
async def test_a_stream_that_fails_raises_on_the_client_side(policy: FileAccess) -> None:
    def fail(frame: np.ndarray) -> np.ndarray:
        raise gr.Error("camera covered")

    async with AsyncTestClient(stream_app(fail, stream_every=0), file_access=policy) as client:
        stream = await client.stream([solid(1)], api_name="live")
        with pytest.raises(gr.Error, match="camera covered"):
            async for _ in stream:
                pass


@pytest.mark.anyio
async def test_a_stream_ends_at_its_time_limit_on_a_fake_clock(policy: FileAccess) -> None:
    clock = FakeClock()
    more = anyio.Event()

    async def frames() -> AsyncIterator[np.ndarray]:
        yield solid(100)
        await more.wait()  # the client has nothing more to send for now

    demo = stream_app(stream_every=0, time_limit=10)
    async with AsyncTestClient(demo, file_access=policy, clock=clock, idle_timeout=None) as client:
        stream = await client.stream(frames(), api_name="live")
        outputs = aiter(stream)
        first = await anext(outputs)
        assert round(first.mean()) == 155
        await clock.advance(10)
        with anyio.fail_after(WAIT):
            assert [o async for o in outputs] == []
    assert stream.completion is not None
    assert (stream.completion.reason, stream.completion.success) == ("time_limit", True)


@pytest.mark.anyio
async def test_a_silent_stream_ends_as_idle_on_a_fake_clock(policy: FileAccess) -> None:
    clock = FakeClock()
    never = anyio.Event()

    async def one_frame() -> AsyncIterator[np.ndarray]:
        yield solid(1)
        await never.wait()

    demo = stream_app(stream_every=0)
    async with AsyncTestClient(demo, file_access=policy, clock=clock, idle_timeout=3) as client:
        stream = await client.stream(one_frame(), api_name="live")
        outputs = aiter(stream)
        await anext(outputs)  # the stream runs; then nothing comes
        await clock.advance(2.5)
        await anyio.wait_all_tasks_blocked()
        assert stream.completion is None
        await clock.advance(0.5)
        with anyio.fail_after(WAIT):
            assert [o async for o in outputs] == []
    assert stream.completion is not None
    assert stream.completion.reason == "idle"


@pytest.mark.anyio
async def test_a_stream_takes_the_values_of_its_other_inputs(policy: FileAccess) -> None:
    def tint(frame: np.ndarray, level: float) -> np.ndarray:
        return np.full_like(frame, int(level))

    with gr.Blocks() as demo:
        webcam = gr.Image(sources="webcam", streaming=True)
        slider = gr.Slider(0, 255, 0)
        webcam.stream(tint, [webcam, slider], gr.Image(streaming=True), stream_every=0)
    async with AsyncTestClient(demo, file_access=policy) as client:
        stream = await client.stream([solid(1)], None, 77, api_name="tint")
        [output] = [o async for o in stream]
    assert np.abs(output.astype(int) - 77).max() <= 2
