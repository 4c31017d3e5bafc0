"""The unmodified ``gradio_client`` receiving a generator's images from a live server.

What ``benchmarks/generator_http.py`` relies on and what the server does for it:

- an ``Image(streaming=True)`` output reaches ``gradio_client`` as an inline ``data:`` URL:
  the client leaves such a FileData dict as it is (it downloads only values with a
  ``path``), so the user gets the dict, whose ``url`` decodes to the image; no file is
  written on either side;
- a generator's yields are encoded after the generator carried on (two at a time, in
  worker threads), from a copy taken before it resumed: a generator that reuses one array
  for every yield still delivers each yield as it was, in order, for ``Image()`` (files)
  and ``Image(streaming=True)`` alike;
- an encoding that fails ends the call with an error after the yields before it arrived.
"""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from live_support import TIMEOUT, close_to, gradient

import streamcore as gr
import streamcore.components.image as image_module
from transports import Server

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy, no telemetry: the client speaks to the live server only."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


def launched(demo: gr.Blocks) -> Iterator[Server]:
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield server
    finally:
        demo.close()


def generator_demo(fn: Any) -> gr.Blocks:
    """``fn(steps)`` to ``Image()`` (event ``files``) and to ``Image(streaming=True)``
    (event ``inline``)."""
    with gr.Blocks() as demo:
        steps = gr.Number(3, precision=0)
        button = gr.Button()
        button.click(fn, steps, gr.Image(), api_name="files")
        button.click(fn, steps, gr.Image(streaming=True), api_name="inline")
    return demo


def run_job(server: Server, api_name: str, steps: int, out: Path) -> list[Any]:
    """Submit and iterate every yield, as a ``gradio_client`` user does."""
    client = Client(
        server.local_url,
        verbose=False,
        download_files=str(out),
        httpx_kwargs={"timeout": TIMEOUT},
    )
    try:
        job = client.submit(steps, api_name=api_name)
        values = list(job)
        job.result(timeout=TIMEOUT)
    finally:
        client.close()
    return values


def data_url_pixels(value: Any) -> np.ndarray:
    """The image of a FileData dict that ``gradio_client`` left with its ``data:`` URL."""
    assert isinstance(value, dict), value
    assert value["path"] is None
    assert value["meta"] == {"_type": "gradio.FileData"}
    url = value["url"]
    assert url.startswith("data:image/jpeg;base64,")
    with PIL.Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"))


def file_pixels(value: Any) -> np.ndarray:
    assert isinstance(value, str), value
    with PIL.Image.open(value) as image:
        return np.asarray(image.convert("RGB"))


def centre(image: np.ndarray) -> tuple[int, ...]:
    return tuple(int(c) for c in image[image.shape[0] // 2, image.shape[1] // 2])


def near(colour: tuple[int, ...], want: tuple[int, ...]) -> bool:
    """Equal but for lossy encoding (WebP, JPEG) of a flat colour."""
    return max(abs(a - b) for a, b in zip(colour, want, strict=True)) <= 6


def test_streaming_image_outputs_reach_gradio_client_as_data_urls(tmp_path: Path) -> None:
    expected = [gradient(shift=10 * step) for step in range(4)]

    def shifting(steps: float) -> Iterator[np.ndarray]:
        yield from expected[: int(steps)]

    for server in launched(generator_demo(shifting)):
        values = run_job(server, "/inline", 4, tmp_path / "out")
    assert len(values) == 4
    for value, want in zip(values, expected, strict=True):
        assert close_to(data_url_pixels(value), want, mean=4, peak=40)
    assert not list((tmp_path / "out").rglob("*"))  # nothing was downloaded: no file per image


def reusing(steps: float) -> Iterator[np.ndarray]:
    buffer = np.zeros((64, 80, 3), np.uint8)
    for step in range(int(steps)):
        buffer[:] = COLOURS[step]  # the same array, changed in place after each yield
        yield buffer


async def reusing_async(steps: float) -> AsyncIterator[np.ndarray]:
    for value in reusing(steps):
        yield value


@pytest.mark.parametrize("fn", [reusing, reusing_async], ids=["sync", "async"])
@pytest.mark.parametrize("api_name", ["/files", "/inline"])
def test_a_generator_reusing_one_array_delivers_each_yield_as_it_was(
    tmp_path: Path, api_name: str, fn: Any
) -> None:
    for server in launched(generator_demo(fn)):
        values = run_job(server, api_name, len(COLOURS), tmp_path / "out")
    read = file_pixels if api_name == "/files" else data_url_pixels
    got = [centre(read(value)) for value in values]
    assert len(got) == len(COLOURS)
    assert all(near(colour, want) for colour, want in zip(got, COLOURS, strict=True)), got


def test_an_encoding_that_fails_ends_the_call_after_the_yields_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode_pixels = image_module._encode_pixels

    def failing_on_blue(pixels: np.ndarray, fmt: str) -> tuple[bytes, str]:
        if tuple(pixels[0, 0]) == COLOURS[2]:
            raise RuntimeError("the encoder broke")
        return encode_pixels(pixels, fmt)

    monkeypatch.setattr(image_module, "_encode_pixels", failing_on_blue)

    def solid(steps: float) -> Iterator[np.ndarray]:
        for step in range(int(steps)):
            yield np.full((32, 32, 3), COLOURS[step], np.uint8)

    for server in launched(generator_demo(solid)):
        client = Client(server.local_url, verbose=False, download_files=str(tmp_path / "out"))
        try:
            job = client.submit(len(COLOURS), api_name="/files")
            with pytest.raises(AppError):
                job.result(timeout=TIMEOUT)
            outputs = job.outputs()
        finally:
            client.close()
    got = [centre(file_pixels(value)) for value in outputs]
    assert len(got) == 2
    assert all(near(colour, want) for colour, want in zip(got, COLOURS[:2], strict=True)), got
