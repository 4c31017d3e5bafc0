"""add_watermark: Gradio's placement rules, without its side effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from streamcore.errors import ImageDecodeError
from streamcore.media import watermark
from streamcore.media.options import WatermarkOptions
from streamcore.media.watermark import (
    PADDING,
    add_watermark,
    load_watermark,
    paste_watermark,
    watermark_origin,
)

RED = (255, 0, 0)


def _base(size: tuple[int, int] = (60, 40), mode: str = "RGB") -> PIL.Image.Image:
    return PIL.Image.new(mode, size, 0)


def _mark(size: tuple[int, int] = (5, 4)) -> PIL.Image.Image:
    return PIL.Image.new("RGBA", size, (*RED, 255))


def _red_box(image: PIL.Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the pure red pixels."""
    pixels = np.asarray(image.convert("RGB"))
    ys, xs = np.nonzero((pixels == RED).all(axis=2))
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_exports() -> None:
    assert set(watermark.__all__) == {
        "PADDING",
        "add_watermark",
        "load_watermark",
        "paste_watermark",
        "watermark_origin",
    }
    assert PADDING == 10


@pytest.mark.parametrize(
    ("position", "box"),
    [
        ("top-left", (10, 10, 15, 14)),
        ("top-right", (45, 10, 50, 14)),
        ("bottom-left", (10, 26, 15, 30)),
        ("bottom-right", (45, 26, 50, 30)),
        ((0, 0), (0, 0, 5, 4)),
        ((55, 36), (55, 36, 60, 40)),
    ],
)
def test_positions(position: object, box: tuple[int, int, int, int]) -> None:
    options = WatermarkOptions(watermark=_mark(), position=position)  # type: ignore[arg-type]
    assert _red_box(add_watermark(_base(), options)) == box


@pytest.mark.parametrize("position", [(56, 0), (0, 37), (-1, 5), (5, -1)])
def test_not_fitting_falls_back_to_bottom_right(position: tuple[int, int]) -> None:
    options = WatermarkOptions(watermark=_mark(), position=position)
    assert _red_box(add_watermark(_base(), options)) == (45, 26, 50, 30)


def test_watermark_on_too_small_base_disappears_as_in_gradio() -> None:
    base = _base((5, 5))
    result = add_watermark(base, WatermarkOptions(watermark=_mark((2, 2))))
    assert watermark_origin((5, 5), (2, 2), "bottom-right") == (-7, -7)
    assert _red_box(result) is None


def test_watermark_is_not_resized() -> None:
    result = add_watermark(_base((400, 300)), WatermarkOptions(watermark=_mark((7, 3))))
    assert _red_box(result) == (383, 287, 390, 290)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_result_keeps_base_mode_and_size(mode: str) -> None:
    result = add_watermark(_base(mode=mode), WatermarkOptions(watermark=_mark()))
    assert result.mode == mode
    assert result.size == (60, 40)


def test_neither_base_nor_options_are_mutated(tmp_path: Path) -> None:
    mark_path = tmp_path / "mark.png"
    _mark().save(mark_path)
    options = WatermarkOptions(watermark=str(mark_path), position="top-left")
    base = _base()
    result = add_watermark(base, options)
    assert options.watermark == str(mark_path)  # Gradio replaces it with the opened image
    assert _red_box(base) is None
    assert _red_box(result) == (10, 10, 15, 14)
    assert result is not base


def test_transparent_watermark_pixels_leave_base_visible() -> None:
    mark = _mark((4, 4))
    mark.putpixel((0, 0), (0, 255, 0, 0))  # fully transparent green
    result = add_watermark(_base(), WatermarkOptions(watermark=mark, position=(0, 0)))
    assert result.getpixel((0, 0)) == (0, 0, 0)
    assert result.getpixel((1, 1)) == RED


def test_half_transparent_watermark_blends() -> None:
    mark = PIL.Image.new("RGBA", (2, 2), (200, 200, 200, 128))
    result = add_watermark(_base(), WatermarkOptions(watermark=mark, position=(0, 0)))
    value = result.getpixel((0, 0))
    assert isinstance(value, tuple)
    assert 90 <= value[0] <= 110


def test_sources_path_array_pil(tmp_path: Path) -> None:
    path = tmp_path / "mark.png"
    _mark().save(path)
    float_mark = np.zeros((4, 5, 3))
    float_mark[..., 0] = 1.0  # float arrays go through to_uint8
    for source in (path, str(path), float_mark, _mark()):
        loaded = load_watermark(source)
        assert loaded.mode == "RGBA"
        assert loaded.size == (5, 4)
        assert loaded.getpixel((0, 0)) == (*RED, 255)


def test_pil_source_is_not_converted_in_place() -> None:
    mark = PIL.Image.new("RGB", (3, 3), RED)
    load_watermark(mark)
    assert mark.mode == "RGB"


def test_bad_watermark_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_watermark(tmp_path / "missing.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ImageDecodeError):
        load_watermark(tmp_path / "text.png")
    with pytest.raises(ValueError, match="between -1 and 1"):
        load_watermark(np.full((2, 2), 3.0))


def test_no_watermark_returns_base() -> None:
    base = _base()
    assert add_watermark(base, WatermarkOptions()) is base


def test_paste_watermark_directly() -> None:
    result = paste_watermark(_base(), _mark(), "top-left")
    assert _red_box(result) == (10, 10, 15, 14)
