"""WebcamOptions and WatermarkOptions: defaults and Gradio's validation messages."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from streamcore.media import options
from streamcore.media.options import WatermarkOptions, WebcamOptions


def test_exports() -> None:
    assert set(options.__all__) == {
        "WatermarkOptions",
        "WatermarkPosition",
        "WatermarkSource",
        "WebcamOptions",
    }


def test_webcam_defaults() -> None:
    webcam = WebcamOptions()
    assert webcam.mirror is True
    assert webcam.constraints is None
    assert webcam.to_dict() == {"mirror": True, "constraints": None}
    assert [f.name for f in dataclasses.fields(WebcamOptions)] == ["mirror", "constraints"]


def test_webcam_to_dict_carries_values() -> None:
    webcam = WebcamOptions(mirror=False, constraints={"width": {"ideal": 640}})
    assert webcam.to_dict() == {"mirror": False, "constraints": {"width": {"ideal": 640}}}


def test_webcam_validation() -> None:
    with pytest.raises(ValueError, match=r"WebcamOptions\.mirror must be a bool, got 'yes'"):
        WebcamOptions(mirror="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"constraints must be a dict .* got list"):
        WebcamOptions(constraints=[1])  # type: ignore[arg-type]


def test_watermark_defaults() -> None:
    mark = WatermarkOptions()
    assert mark.watermark is None
    assert mark.position == "bottom-right"
    assert [f.name for f in dataclasses.fields(WatermarkOptions)] == ["watermark", "position"]


@pytest.mark.parametrize(
    "source",
    ["logo.png", Path("logo.png"), PIL.Image.new("RGB", (2, 2)), np.zeros((2, 2, 3), np.uint8)],
)
def test_watermark_sources_accepted(source: object) -> None:
    assert WatermarkOptions(watermark=source).watermark is source  # type: ignore[arg-type]


@pytest.mark.parametrize("source", [123, b"logo.png", [1, 2]])
def test_watermark_bad_source_message(source: object) -> None:
    message = "Watermark must be a string path, Path, PIL Image, numpy array, or None"
    with pytest.raises(ValueError, match=re.escape(message)):
        WatermarkOptions(watermark=source)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["logo.svg", Path("anim.GIF")])
def test_watermark_svg_and_gif_files_refused(source: object) -> None:
    with pytest.raises(ValueError, match="SVG and GIF files cannot be used as watermarks"):
        WatermarkOptions(watermark=source)  # type: ignore[arg-type]


@pytest.mark.parametrize("position", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_corner_positions_accepted(position: str) -> None:
    assert WatermarkOptions(position=position).position == position  # type: ignore[arg-type]


def test_bad_string_position_message() -> None:
    expected = (
        "String position must be one of: {'top-left', 'top-right', 'bottom-left', 'bottom-right'}"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        WatermarkOptions(position="center")  # type: ignore[arg-type]


def test_tuple_positions() -> None:
    assert WatermarkOptions(position=(3, 4)).position == (3, 4)
    with pytest.raises(
        ValueError, match=re.escape("Position tuple must have exactly 2 values (x,y)")
    ):
        WatermarkOptions(position=(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Position coordinates must be integers"):
        WatermarkOptions(position=(1.5, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Position coordinates must be integers"):
        WatermarkOptions(position=(True, 2))


def test_other_position_types_refused() -> None:
    with pytest.raises(ValueError, match=r"or an \(x, y\) tuple of ints, got \[1, 2\]"):
        WatermarkOptions(position=[1, 2])  # type: ignore[arg-type]
