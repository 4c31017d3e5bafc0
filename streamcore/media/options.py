"""Option dataclasses of ``Image``: ``WebcamOptions`` and ``WatermarkOptions`` (Gradio 6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import PIL.Image

__all__ = ["WatermarkOptions", "WatermarkPosition", "WatermarkSource", "WebcamOptions"]

WatermarkSource = str | Path | PIL.Image.Image | npt.NDArray[Any]
"""What a watermark can be given as: a file path, a PIL image or an array."""

WatermarkPosition = (
    tuple[int, int] | Literal["top-left", "top-right", "bottom-left", "bottom-right"]
)
"""A corner name or the ``(x, y)`` of the watermark's top-left pixel."""

_POSITIONS: Final = ("top-left", "top-right", "bottom-left", "bottom-right")
_UNSUPPORTED_SUFFIXES: Final = (".svg", ".gif")


@dataclass
class WebcamOptions:
    """How the browser opens the webcam.

    ``mirror`` flips the preview (and the captured frames) horizontally; ``constraints``
    is passed to ``getUserMedia`` as the video constraints (JSON-serialisable). Raises
    ``ValueError`` if ``mirror`` is not a bool or ``constraints`` is not a dict or ``None``.
    """

    mirror: bool = True
    constraints: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.mirror, bool):
            raise ValueError(f"WebcamOptions.mirror must be a bool, got {self.mirror!r}")
        if self.constraints is not None and not isinstance(self.constraints, dict):
            raise ValueError(
                "WebcamOptions.constraints must be a dict of getUserMedia video constraints "
                f"or None, got {type(self.constraints).__name__}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The options as the JSON-ready dict clients receive."""
        return {"mirror": self.mirror, "constraints": self.constraints}


@dataclass
class WatermarkOptions:
    """An image stamped on every displayed output image, and where.

    ``watermark`` is a file path, PIL image or array (``None``: no watermark); it is not
    resized. ``position`` is a corner (10 px from both edges) or an ``(x, y)`` tuple; a
    watermark that does not fit there goes to the bottom-right corner. Raises
    ``ValueError`` with Gradio's messages for a bad watermark or position, and for an SVG
    or GIF file (they cannot be watermarks).
    """

    watermark: WatermarkSource | None = None
    position: WatermarkPosition = "bottom-right"

    def __post_init__(self) -> None:
        _check_watermark(self.watermark)
        _check_position(self.position)


def _check_watermark(watermark: object) -> None:
    if watermark is not None and not isinstance(
        watermark, (str, Path, PIL.Image.Image, np.ndarray)
    ):
        raise ValueError("Watermark must be a string path, Path, PIL Image, numpy array, or None")
    if isinstance(watermark, (str, Path)) and str(watermark).lower().endswith(
        _UNSUPPORTED_SUFFIXES
    ):
        raise ValueError(f"SVG and GIF files cannot be used as watermarks, got {watermark}")


def _check_position(position: object) -> None:
    if isinstance(position, str):
        if position not in _POSITIONS:
            names = ", ".join(repr(name) for name in _POSITIONS)
            raise ValueError(f"String position must be one of: {{{names}}}")
    elif isinstance(position, tuple):
        if len(position) != 2:
            raise ValueError("Position tuple must have exactly 2 values (x,y)")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in position):
            raise ValueError("Position coordinates must be integers")
    else:
        raise ValueError(
            f"Position must be one of {', '.join(_POSITIONS)} or an (x, y) tuple of ints, "
            f"got {position!r}"
        )
