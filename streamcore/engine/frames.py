"""The unit that flows through a stream: one image with its timing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["DecodedFrame", "Frame", "Pixels"]

Pixels = npt.NDArray[np.uint8]
"""An image as a ``(height, width, channels)`` (or ``(height, width)``) uint8 array."""


class DecodedFrame(Protocol):
    """A decoded video frame from a media library (PyAV's ``VideoFrame`` is one)."""

    def to_ndarray(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Frame:
    """One image in a stream.

    ``pixels`` is ``(H, W, 3)`` uint8 RGB unless the component's ``image_mode`` says
    otherwise (``(H, W)`` for ``"L"``, ``(H, W, 4)`` for ``"RGBA"``), or the encoded image
    bytes as a transport received them, or a decoded video frame (WebRTC): those are
    decoded or converted by the stream's handler, off the event loop, and only if the
    frame is not dropped first. ``pts`` is the
    presentation time in seconds as the source stamped it, ``seq`` the source's sequence
    number, and ``arrival`` the engine clock's reading when the frame reached the engine;
    latency is measured from ``arrival`` to the moment the output is ready.
    """

    pixels: Pixels | bytes | DecodedFrame
    pts: float = 0.0
    seq: int = 0
    arrival: float = field(default=0.0, compare=False)
