"""Counters and latency percentiles of a running stream."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["LatencyWindow", "StreamStatistics"]


class LatencyWindow:
    """The most recent ``size`` latencies (seconds), with percentiles over them.

    Recording is O(1) and allocation-free; percentiles cost O(size) and are meant for
    reporting, not for the per-frame path.
    """

    def __init__(self, size: int = 2048) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self.count = 0

    def record(self, seconds: float) -> None:
        self._samples.append(seconds)
        self.count += 1

    def percentiles_ms(self, qs: tuple[float, ...]) -> list[float | None]:
        """Several percentiles (0-100) in milliseconds at once (one sort of the window)."""
        if not self._samples:
            return [None] * len(qs)
        values = np.percentile(np.fromiter(self._samples, float, len(self._samples)), qs)
        return [float(v) * 1000.0 for v in values]


@dataclass(frozen=True, slots=True)
class StreamStatistics:
    """A snapshot of one stream's figures.

    ``received`` frames reached the session; ``processed`` went through the fn;
    ``rejected`` were refused by the handler (``FrameRejected``: undecodable, too large);
    ``dropped`` were replaced by a newer frame (or discarded at the end) before the fn
    could take them, ``replaced`` the part of them replaced by a newer frame (``dropped``
    minus the frame discarded at the end, if any); ``outputs_dropped`` were results
    replaced by a newer result before the client took them; ``sent`` results reached the
    client. Latencies run from a frame's arrival to its result being ready, in milliseconds.
    """

    received: int
    processed: int
    dropped: int
    replaced: int
    outputs_dropped: int
    sent: int
    errors: int
    rejected: int
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    latency_ms_p99: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in self.__slots__}
