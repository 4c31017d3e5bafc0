"""Stamping a watermark image onto an output image (Gradio's ``add_watermark``)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import PIL.Image

from .convert import to_uint8
from .encoding import decode_to_pil
from .options import WatermarkOptions, WatermarkPosition, WatermarkSource

__all__ = ["PADDING", "add_watermark", "load_watermark", "paste_watermark", "watermark_origin"]

PADDING: Final = 10
"""Distance in pixels between a corner-placed watermark and the image edges."""


def add_watermark(base: PIL.Image.Image, options: WatermarkOptions) -> PIL.Image.Image:
    """Return a copy of ``base`` with ``options.watermark`` pasted at ``options.position``.

    ``base`` and ``options`` are not modified. With no watermark set, ``base`` itself is
    returned. Raises ``FileNotFoundError`` / :class:`ImageDecodeError` for a watermark
    file that is missing or not an image, ``ValueError`` for a bad watermark array.
    """
    if options.watermark is None:
        return base
    return paste_watermark(base, load_watermark(options.watermark), options.position)


def load_watermark(source: WatermarkSource) -> PIL.Image.Image:
    """Open a watermark as a new RGBA image (a PIL ``source`` is converted, not changed).

    Raises as :func:`add_watermark`. The watermark is the app's own file, so it is read
    without the file access policy.
    """
    if isinstance(source, PIL.Image.Image):
        return source.convert("RGBA")
    if isinstance(source, np.ndarray):
        return PIL.Image.fromarray(to_uint8(source)).convert("RGBA")
    return decode_to_pil(Path(source).read_bytes()).convert("RGBA")


def watermark_origin(
    base_size: tuple[int, int], mark_size: tuple[int, int], position: WatermarkPosition
) -> tuple[int, int]:
    """The ``(x, y)`` of the watermark's top-left pixel on a ``base_size`` image.

    Corners are :data:`PADDING` px from both edges. A position where the watermark would
    not fit entirely falls back to the bottom-right corner (which on a base smaller than
    the watermark is off the image, so nothing shows, as in Gradio).
    """
    width, height = base_size
    mark_width, mark_height = mark_size
    right, bottom = width - mark_width - PADDING, height - mark_height - PADDING
    corners = {
        "top-left": (PADDING, PADDING),
        "top-right": (right, PADDING),
        "bottom-left": (PADDING, bottom),
        "bottom-right": (right, bottom),
    }
    x, y = corners[position] if isinstance(position, str) else position
    if x < 0 or y < 0 or x + mark_width > width or y + mark_height > height:
        return right, bottom
    return x, y


def paste_watermark(
    base: PIL.Image.Image, mark: PIL.Image.Image, position: WatermarkPosition
) -> PIL.Image.Image:
    """Alpha-composite the RGBA ``mark`` onto a copy of ``base``, returned in ``base``'s mode."""
    origin = watermark_origin(base.size, mark.size, position)
    canvas = base.convert("RGBA")
    canvas.paste(mark, origin, mask=mark)
    return canvas if base.mode == "RGBA" else canvas.convert(base.mode)
