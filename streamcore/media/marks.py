"""A frame counter drawn in the pixels, so a stream's outputs can be matched to its inputs
after any codec and any colour-preserving-geometry fn.

A stamped frame carries, across its top, a row of square blocks that are either black or
white: first a *polarity* pair (white, black), then :data:`BITS` bits of the frame number
(modulo :data:`MODULUS`), each bit as a pair (the bit, its complement). Lossy codecs (JPEG,
VP8, H.264 at aiortc's bitrates) blur the edges of a block but not its middle, and a read
whose pairs do not disagree is refused rather than guessed. A fn that inverts colours
inverts the polarity pair too, and the reader undoes it; a fn that maps black and white to
a dark and a light colour (sepia, grey, a hue shift) keeps the counter readable. A fn that
moves pixels (a flip, a crop, a resize) does not: the counter is then unreadable, and the
output is not taken as the output of any frame.

Outputs come back in order, so :class:`Unwrapper` turns the counter back into the absolute
frame number. This module needs numpy only: the benchmark peers' scripts (run in other
virtualenvs) import it too, through ``benchmarks/marks.py``.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BITS",
    "MIN_HEIGHT",
    "MIN_WIDTH",
    "MODULUS",
    "Unwrapper",
    "band_height",
    "mean_abs_diff",
    "read_index",
    "stamp_index",
]

BITS: Final = 12
MODULUS: Final = 1 << BITS
"""Stamped numbers are frame numbers modulo this."""
_BLOCKS: Final = 2 * BITS + 2
_MIN_BLOCK: Final = 4
MIN_WIDTH: Final = _BLOCKS * _MIN_BLOCK
"""The narrowest frame a counter fits in (pixels)."""
MIN_HEIGHT: Final = 4 * _MIN_BLOCK
"""The lowest frame a counter fits in (pixels)."""


def _block_size(width: int, height: int) -> int:
    return max(_MIN_BLOCK, min(width // _BLOCKS, height // 4))


def band_height(width: int, height: int) -> int:
    """Rows at the top of a ``width`` x ``height`` frame that the counter covers."""
    return _block_size(width, height)


def stamp_index(pixels: npt.NDArray[np.uint8], index: int) -> npt.NDArray[np.uint8]:
    """A copy of ``pixels`` (H x W x 3 uint8) with ``index % MODULUS`` drawn across its top.

    Raises ``ValueError`` for a frame smaller than :data:`MIN_WIDTH` x :data:`MIN_HEIGHT`.
    """
    out = np.array(pixels, dtype=np.uint8, copy=True)
    height, width = out.shape[:2]
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValueError(
            f"a {width}x{height} frame is too small for the counter "
            f"(at least {MIN_WIDTH}x{MIN_HEIGHT})"
        )
    size = _block_size(width, height)
    value = index % MODULUS
    levels = [1, 0]
    for bit in range(BITS):
        on = (value >> bit) & 1
        levels += [on, 1 - on]
    for position, level in enumerate(levels):
        x = position * size
        out[:size, x : x + size] = 255 if level else 0
    return out


def read_index(pixels: npt.NDArray[np.uint8]) -> int | None:
    """The number :func:`stamp_index` drew (also in a colour-inverted frame), or ``None``
    if the blocks are not readable (no counter, or one the fn or codec damaged)."""
    if pixels.ndim < 2:
        return None
    height, width = pixels.shape[:2]
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return None
    size = _block_size(width, height)
    quarter = max(1, size // 4)
    band = pixels[quarter : size - quarter].astype(np.float32)

    def light(position: int) -> bool:
        x = position * size
        return float(band[:, x + quarter : x + size - quarter].mean()) > 127.5

    first, second = light(0), light(1)
    if first == second:
        return None
    inverted = not first
    value = 0
    for bit in range(BITS):
        on, off = light(2 * bit + 2), light(2 * bit + 3)
        if on == off:
            return None
        value |= int(on != inverted) << bit
    return value


class Unwrapper:
    """Turns stamped counters (modulo ``modulus``) back into frame numbers, given that
    outputs come in input order and fewer than ``modulus`` frames apart.

    ``peek(counter)`` says which frame number a counter would stand for without taking it;
    calling the unwrapper takes it (later counters are read after it).
    """

    def __init__(self, modulus: int = MODULUS) -> None:
        self._modulus = modulus
        self.last = -1

    def peek(self, counter: int) -> int:
        following = self.last + 1
        return following + (counter - following) % self._modulus

    def __call__(self, counter: int) -> int:
        self.last = self.peek(counter)
        return self.last


def mean_abs_diff(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    """Mean absolute difference of two uint8 images of one shape (0 to 255)."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
