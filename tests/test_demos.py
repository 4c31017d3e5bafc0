"""The seed's demos, run as written through the in-process clients, checked pixel by pixel.

Tolerances: outputs are lossy. ``"image"`` outputs are WebP at Pillow's default quality
(80, 4:2:0 chroma, as Gradio saves them); streaming outputs are JPEG quality 75 (4:2:0).
On the smooth gradients used here both stay within about 1 level on average and 5 at
worst (measured), so the bounds below (2.5 on average, 16 at worst, 1 on channel means)
leave room for other libwebp/libjpeg builds while any real mistake fails by far: the
sepia matrix transposed is off by about 45 levels on average, a missing normalisation
by about 37. A flat colour survives both codecs within 2 levels.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.testing import AsyncTestClient, TestClient
from streamcore.engine.clock import FakeClock
from streamcore.media.files import FileAccess, use_file_access

WAIT = 5.0
MEAN_ERROR = 2.5
MAX_ERROR = 16
CHANNEL_MEAN_ERROR = 1.0
FLAT_ERROR = 2


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    access = FileAccess(cache_dir=tmp_path / "cache")
    with use_file_access(access):
        yield access


# -- the seed's fns, as written there ------------------------------------------------------


def sepia(input_img):  # type: ignore[no-untyped-def]
    sepia_filter = np.array([
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131]
    ])  # fmt: skip
    sepia_img = input_img.dot(sepia_filter.T)
    sepia_img /= sepia_img.max()
    return sepia_img


def fake_diffusion(steps):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng()
    for i in range(steps):  # noqa: B007
        time.sleep(1)
        image = rng.random(size=(600, 600, 3))
        yield image
    image = np.ones((1000,1000,3), np.uint8)  # fmt: skip
    image[:] = [255, 124, 0]
    yield image


# -- helpers ----------------------------------------------------------------------------------


def expected_sepia(image: np.ndarray) -> np.ndarray:
    """The documented formula, then the float-in-[0, 1] to uint8 rule: rint(x * 255)."""
    matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    result = image.astype(np.float64) @ matrix.T
    return np.rint(result / result.max() * 255).astype(np.uint8)


def gradient(height: int = 96, width: int = 128, shift: int = 0) -> np.ndarray:
    """A smooth RGB test card (lossy codecs keep such images within a level or two)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack(
        [
            (x * 200) // width + 30 + shift,
            (y * 220) // height + 20,
            ((x + y) * 180) // (width + height) + 40 - shift,
        ],
        axis=-1,
    ).astype(np.uint8)


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    error = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    assert error.mean() <= MEAN_ERROR, f"mean error {error.mean():.2f}"
    assert error.max() <= MAX_ERROR, f"max error {error.max()}"
    channel_means = actual.reshape(-1, 3).mean(0) - expected.reshape(-1, 3).mean(0)
    assert np.abs(channel_means).max() <= CHANNEL_MEAN_ERROR, f"channel means {channel_means}"


def read_rgb(path: str) -> np.ndarray:
    with PIL.Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


# -- sepia_filter ---------------------------------------------------------------------------


def sepia_demo() -> gr.Interface:
    return gr.Interface(sepia, gr.Image(), "image", api_name="predict")


def test_sepia_output_is_the_documented_formula_as_a_webp_file(policy: FileAccess) -> None:
    image = gradient()
    with TestClient(sepia_demo(), file_access=policy) as client:
        path = client.predict(image)
    assert Path(path).suffix == ".webp"
    with PIL.Image.open(path) as saved:
        assert saved.format == "WEBP"
    assert_close(read_rgb(path), expected_sepia(image))


def test_sepia_also_runs_on_an_uploaded_file(policy: FileAccess, tmp_path: Path) -> None:
    source = tmp_path / "card.png"
    image = gradient(40, 60, shift=10)
    PIL.Image.fromarray(image).save(source)
    demo = sepia_demo()
    demo.set_file_access(allowed_paths=[tmp_path])
    with TestClient(demo, file_access=policy) as client:
        path = client.predict(str(source), api_name="/predict")
    assert_close(read_rgb(path), expected_sepia(image))


def test_the_tolerance_catches_a_wrong_filter(policy: FileAccess) -> None:
    image = gradient()
    with TestClient(sepia_demo(), file_access=policy) as client:
        result = read_rgb(client.predict(image))
    transposed = image.astype(np.float64) @ np.array(
        [[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]
    )
    wrong = np.rint(transposed / transposed.max() * 255).astype(np.uint8)
    with pytest.raises(AssertionError):
        assert_close(result, wrong)


# -- fake_diffusion ---------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``time.sleep`` as the demo's module sees it, recorded instead of slept."""
    calls: list[float] = []
    monkeypatch.setitem(globals(), "time", SimpleNamespace(sleep=calls.append))
    return calls


def fake_diffusion_demo() -> gr.Interface:
    return gr.Interface(
        fake_diffusion, inputs=gr.Slider(1, 10, 3, step=1), outputs="image", api_name="predict"
    )


def test_fake_diffusion_yields_noise_steps_then_the_orange_image(
    policy: FileAccess, sleeps: list[float]
) -> None:
    with TestClient(fake_diffusion_demo(), file_access=policy) as client:
        job = client.submit(2)
        paths = list(job)
        final = job.result()
    assert sleeps == [1, 1]
    assert len(paths) == 3
    noise = [read_rgb(path) for path in paths[:2]]
    for image in noise:
        assert image.shape == (600, 600, 3)
        means, stds = image.reshape(-1, 3).mean(0), image.reshape(-1, 3).std(0)
        assert np.all(np.abs(means - 127.5) < 8), means  # uniform noise in [0, 1] * 255
        assert np.all(stds > 35), stds  # still noise after WebP (about 51; flat would be 0)
    assert np.abs(noise[0].astype(int) - noise[1]).mean() > 40  # a new draw each step
    orange = read_rgb(paths[2])
    assert orange.shape == (1000, 1000, 3)
    assert np.abs(orange.astype(int) - [255, 124, 0]).max() <= FLAT_ERROR
    assert final == paths[2]


@pytest.mark.anyio
async def test_fake_diffusion_outputs_arrive_one_by_one_and_in_order(
    policy: FileAccess, sleeps: list[float]
) -> None:
    async with AsyncTestClient(fake_diffusion_demo(), file_access=policy) as client:
        job = await client.submit(3)
        sizes = []
        async for path in job:
            with PIL.Image.open(path) as image:
                sizes.append(image.size)
    assert sizes == [(600, 600)] * 3 + [(1000, 1000)]
    assert sleeps == [1, 1, 1]


def test_calling_the_fake_diffusion_app_returns_the_last_image(
    policy: FileAccess, sleeps: list[float]
) -> None:
    demo = fake_diffusion_demo()
    with TestClient(demo, file_access=policy) as client:
        path = client.predict(1)
    assert np.abs(read_rgb(path).astype(int) - [255, 124, 0]).max() <= FLAT_ERROR


# -- webcam sepia: a stream ---------------------------------------------------------------------


def webcam_sepia_demo(**options: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        inp = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        inp.stream(sepia, inp, out, stream_every=0, **options)
    return demo


def test_webcam_sepia_streams_back_arrays_matching_the_fn(policy: FileAccess) -> None:
    frames = [gradient(shift=shift) for shift in (0, 8, 16, 24)]
    with TestClient(webcam_sepia_demo(time_limit=30), file_access=policy) as client:
        outputs = list(client.stream(frames, api_name="sepia"))
    assert len(outputs) == len(frames)
    for output, frame in zip(outputs, frames, strict=True):
        assert isinstance(output, np.ndarray)
        assert output.dtype == np.uint8
        assert_close(output, expected_sepia(frame))


@pytest.mark.anyio
async def test_webcam_sepia_survives_an_undecodable_frame(policy: FileAccess) -> None:
    frames = [gradient(shift=0), gradient(shift=20)]
    # one frame at a time awaits its answer, so the junk is never replaced before it is read
    sent: list[Any] = [frames[0], b"junk", frames[1]]
    async with AsyncTestClient(webcam_sepia_demo(time_limit=30), file_access=policy) as client:
        stream = await client.stream(sent, api_name="sepia", max_in_flight=1)
        outputs = [output async for output in stream]
    assert len(outputs) == 2
    for output, frame in zip(outputs, frames, strict=True):
        assert_close(output, expected_sepia(frame))
    [error] = stream.frame_errors
    assert (error["title"], error["frame"]) == ("Bad frame", True)
    assert "image" in error["message"].lower()
    assert stream.completion is not None
    assert stream.completion.reason == "closed"


@pytest.mark.anyio
async def test_webcam_sepia_stops_at_its_time_limit(policy: FileAccess) -> None:
    clock = FakeClock()
    more = anyio.Event()

    async def camera() -> AsyncIterator[np.ndarray]:
        yield gradient()
        await more.wait()
        yield gradient()

    demo = webcam_sepia_demo(time_limit=15)
    async with AsyncTestClient(demo, file_access=policy, clock=clock, idle_timeout=None) as client:
        stream = await client.stream(camera(), api_name="sepia")
        outputs = aiter(stream)
        assert_close(await anext(outputs), expected_sepia(gradient()))
        await clock.advance(14.5)
        await anyio.wait_all_tasks_blocked()
        assert stream.completion is None
        await clock.advance(0.5)
        with anyio.fail_after(WAIT):
            assert [o async for o in outputs] == []
    assert stream.completion is not None
    assert (stream.completion.reason, stream.completion.data is not None) == ("time_limit", True)


@pytest.mark.anyio
async def test_webcam_sepia_ends_an_abandoned_stream_as_idle(policy: FileAccess) -> None:
    clock = FakeClock()
    never = anyio.Event()

    async def camera() -> AsyncIterator[np.ndarray]:
        yield gradient()
        await never.wait()
        yield gradient()

    demo = webcam_sepia_demo()
    async with AsyncTestClient(demo, file_access=policy, clock=clock, idle_timeout=30) as client:
        stream = await client.stream(camera(), api_name="sepia")
        outputs = aiter(stream)
        await anext(outputs)
        await clock.advance(30)
        with anyio.fail_after(WAIT):
            assert [o async for o in outputs] == []
    assert stream.completion is not None
    assert stream.completion.reason == "idle"
