"""Arrays of any numeric dtype to the uint8 pixels an encoder takes.

This is Gradio's ``_convert(image, np.uint8)`` rule (the one its ``Image.postprocess``
applies to a returned array) with its silent failures turned into errors:

============  ==================================================================
dtype         result
============  ==================================================================
uint8         the same array, not copied
float*        ``rint(x * 255)`` clipped to 0..255; values must lie in [-1, 1]
              (negatives become 0) and NaN is refused
bool          ``False -> 0``, ``True -> 255``
uint16        ``x // 256`` (the 16-bit meaning: 65535 -> 255, 256 -> 1)
int8          0..127 stretched to 0..255 (``127 -> 255``), negatives become 0
other ints    kept when every value is at most 255 (negatives become 0);
              larger values raise ``ValueError`` where Gradio returned garbage
============  ==================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..engine.frames import Pixels

__all__ = ["to_uint8"]


def to_uint8(array: npt.NDArray[Any]) -> Pixels:
    """Convert ``array`` to uint8 pixel values by the rule in the module docstring.

    Returns ``array`` itself when it is already uint8, otherwise a new array of the same
    shape. Raises ``ValueError`` for floats outside [-1, 1] or containing NaN, for integer
    values over 255 (other than uint16) and for dtypes that are not numbers or bools.
    """
    kind = array.dtype.kind
    if kind == "u" and array.dtype.itemsize == 1:
        return array
    if array.size == 0 and kind in "biuf":
        return np.zeros(array.shape, dtype=np.uint8)
    if kind == "f":
        return _from_float(array)
    if kind == "b":
        result: Pixels = array.view(np.uint8) * np.uint8(255)
        return result
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if array.dtype == np.int8:
        return _from_int8(array)
    if kind in "iu":
        return _from_small_int(array)
    raise ValueError(
        f"Cannot convert an array of dtype {array.dtype} to an image: use uint8, a float "
        "type with values in [-1, 1], an integer type with values in [0, 255], uint16 or bool"
    )


def _from_float(array: npt.NDArray[np.floating[Any]]) -> Pixels:
    low, high = array.min(), array.max()
    if np.isnan(low) or np.isnan(high):
        count = int(np.count_nonzero(np.isnan(array)))
        raise ValueError(
            f"Images of type float must not contain NaN, got {count} NaN value(s); "
            "replace them first, e.g. with np.nan_to_num(image)"
        )
    if low < -1.0 or high > 1.0:
        raise ValueError(
            "Images of type float must be between -1 and 1, "
            f"got values from {float(low):g} to {float(high):g}"
        )
    scaled = np.multiply(array, 255, dtype=array.dtype)  # the one temporary
    if low < 0:
        np.maximum(scaled, 0, out=scaled)
    out = np.empty(array.shape, dtype=np.uint8)
    np.rint(scaled, out=out, casting="unsafe")  # in range, so the cast is exact
    return out


def _from_int8(array: npt.NDArray[np.int8]) -> Pixels:
    positive: Pixels = np.maximum(array, 0).view(np.uint8)
    result: Pixels = (positive << np.uint8(1)) | (positive >> np.uint8(6))  # ~ x * 255 / 127
    return result


def _from_small_int(array: npt.NDArray[np.integer[Any]]) -> Pixels:
    high = array.max()
    if high > 255:
        raise ValueError(
            f"Images of type {array.dtype} must have values between 0 and 255, got values up "
            f"to {int(high)}; scale the image to 0..255 first (e.g. (image * 255 // "
            "image.max()).astype(np.uint8)), or return uint16 for 16-bit images"
        )
    out = np.empty(array.shape, dtype=np.uint8)
    np.clip(array, 0, 255, out=out, casting="unsafe")
    return out
