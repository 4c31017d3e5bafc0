"""The WebP method the server encodes with: method 0 by default, ``STREAMCORE_WEBP_METHOD``
to trade CPU for smaller files, and a clear error for a value libwebp has no method for."""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.media.encoding import WEBP_METHOD, WEBP_METHOD_ENV, encode, webp_method


def _picture() -> np.ndarray:
    """A smooth picture with some texture, where the methods' files differ in size."""
    y, x = np.mgrid[0:240, 0:320]
    pixels = np.stack([x % 256, y % 256, (x * y) % 251], axis=-1).astype(np.uint8)
    return pixels


def _pillow_webp(pixels: np.ndarray, method: int) -> bytes:
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, format="WEBP", method=method)
    return buffer.getvalue()


def test_the_default_is_the_fastest_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WEBP_METHOD_ENV, raising=False)
    assert WEBP_METHOD == 0
    assert webp_method() == 0
    assert encode(_picture(), "webp") == _pillow_webp(_picture(), 0)


@pytest.mark.parametrize("method", [2, 4, 6])
def test_the_environment_chooses_the_method(monkeypatch: pytest.MonkeyPatch, method: int) -> None:
    monkeypatch.setenv(WEBP_METHOD_ENV, str(method))
    assert webp_method() == method
    assert encode(_picture(), "webp") == _pillow_webp(_picture(), method)


def test_an_image_output_file_uses_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBP_METHOD_ENV, "4")
    value = gr.Image(format="webp").postprocess(_picture())
    assert value is not None
    with PIL.Image.open(value.path) as written:
        assert written.format == "WEBP"
    with open(value.path, "rb") as file:
        assert file.read() == _pillow_webp(_picture(), 4)


@pytest.mark.parametrize("raw", ["7", "-1", "fast", "2.5"])
def test_a_value_libwebp_has_no_method_for_is_named(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(WEBP_METHOD_ENV, raw)
    with pytest.raises(ValueError, match=rf"STREAMCORE_WEBP_METHOD='{raw}'.*0 \(fastest\) to 6"):
        webp_method()


def test_an_empty_variable_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBP_METHOD_ENV, " ")
    assert webp_method() == WEBP_METHOD


def test_a_server_with_a_bad_method_stops_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting is checked when a server starts, not at its first WebP output."""
    import anyio

    from transports import serve

    monkeypatch.setenv(WEBP_METHOD_ENV, "9")
    with gr.Blocks() as demo:
        gr.Image()

    async def start() -> None:
        async with serve(demo):
            pass

    with pytest.raises(ValueError, match="STREAMCORE_WEBP_METHOD='9'"):
        anyio.run(start)
