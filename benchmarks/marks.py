"""A frame counter drawn in the pixels, so outputs can be matched to inputs after any codec.

Every frame a benchmark sends carries its number (modulo 256) as a row of 16 big black or
white blocks across its top: 8 bits, each followed by its complement. Lossy codecs (JPEG,
VP8, H.264 at aiortc's bitrates) blur the edges of a block but not its middle, and a read
whose bit pairs disagree is refused rather than guessed. Outputs come back in order, so
:class:`Unwrapper` turns the counter back into the absolute frame number.

This module needs numpy only: the peers' scripts (run in other virtualenvs) import it too.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "BITS",
    "MODULUS",
    "Unwrapper",
    "mean_abs_diff",
    "read_index",
    "stamp_index",
]

BITS: Final = 8
MODULUS: Final = 1 << BITS
"""Stamped numbers are frame numbers modulo this."""
_BLOCKS: Final = 2 * BITS


def _block_size(width: int, height: int) -> int:
    return max(4, min(width // _BLOCKS, height // 4))


def stamp_index(pixels: npt.NDArray[np.uint8], index: int) -> npt.NDArray[np.uint8]:
    """A copy of ``pixels`` (H x W x 3 uint8) with ``index % MODULUS`` drawn across its top."""
    out = np.array(pixels, dtype=np.uint8, copy=True)
    height, width = out.shape[:2]
    size = _block_size(width, height)
    value = index % MODULUS
    for bit in range(BITS):
        on = (value >> bit) & 1
        for position, level in ((2 * bit, on), (2 * bit + 1, 1 - on)):
            x = position * size
            out[:size, x : x + size] = 255 if level else 0
    return out


def read_index(pixels: npt.NDArray[np.uint8]) -> int | None:
    """The number :func:`stamp_index` drew, or ``None`` if the blocks are not readable."""
    height, width = pixels.shape[:2]
    size = _block_size(width, height)
    quarter = max(1, size // 4)
    band = pixels[quarter : size - quarter].astype(np.float32)
    value = 0
    for bit in range(BITS):
        levels = []
        for position in (2 * bit, 2 * bit + 1):
            x = position * size
            levels.append(float(band[:, x + quarter : x + size - quarter].mean()) > 127.5)
        if levels[0] == levels[1]:
            return None
        value |= int(levels[0]) << bit
    return value


class Unwrapper:
    """Turns stamped counters (modulo ``modulus``) back into frame numbers, given that
    outputs come in input order and fewer than ``modulus`` frames apart."""

    def __init__(self, modulus: int = MODULUS) -> None:
        self._modulus = modulus
        self.last = -1

    def __call__(self, counter: int) -> int:
        following = self.last + 1
        self.last = following + (counter - following) % self._modulus
        return self.last


def mean_abs_diff(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    """Mean absolute difference of two uint8 images of one shape (0 to 255)."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
