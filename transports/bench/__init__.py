"""``streamcore bench``: measure any app's stream event the way its users will feel it.

The parts, each usable on its own (the project's ``benchmarks/`` scenarios use the driver):

* :mod:`~transports.bench.frames`: numbered frames (synthetic camera, video, image folder);
* :mod:`~transports.bench.driver`: feeding a stream over WebSocket or WebRTC, matching
  every output to its input, per-frame latency;
* :mod:`~transports.bench.target`: the server to measure (a URL, or ``app.py:demo`` served
  in a child process on a free port for the run);
* :mod:`~transports.bench.report`: the figures, the "what bounds the rate" line, the
  table, JSON and plots;
* :mod:`~transports.bench.command`: the command line (``python -m streamcore bench``).

``docs/bench.md`` explains every figure.
"""

from .driver import (
    CAMERA_IN_FLIGHT,
    CHANGED_ABOVE,
    LOST_AFTER,
    RTC_LINGER_S,
    Feed,
    MismatchError,
    StreamRun,
    common_window,
    percentile,
    prefer_codec,
    rtc_stream,
    served_by,
    worker_counts,
    ws_stream,
)
from .frames import (
    CLIENT_JPEG_QUALITY,
    FRAME_COUNT,
    FrameSet,
    SourceError,
    StampedFrames,
    encode_vp8,
    live_frame_set,
    load_pictures,
    make_frame_set,
    synthetic_camera,
)

__all__ = [
    "CAMERA_IN_FLIGHT",
    "CHANGED_ABOVE",
    "CLIENT_JPEG_QUALITY",
    "FRAME_COUNT",
    "LOST_AFTER",
    "RTC_LINGER_S",
    "Feed",
    "FrameSet",
    "MismatchError",
    "SourceError",
    "StampedFrames",
    "StreamRun",
    "common_window",
    "encode_vp8",
    "live_frame_set",
    "load_pictures",
    "make_frame_set",
    "percentile",
    "prefer_codec",
    "rtc_stream",
    "served_by",
    "synthetic_camera",
    "worker_counts",
    "ws_stream",
]
