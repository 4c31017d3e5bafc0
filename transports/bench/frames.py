"""The frames a benchmark sends: numbered variants of a picture, and where pictures come from.

A :class:`FrameSet` answers :meth:`FrameSet.pixels` (and, for a cyclic set,
:meth:`FrameSet.jpeg`) for any frame number: the frame carries its number in its pixels
(:mod:`streamcore.media.marks`), so an output is matched to the frame it answers after any
codec. Two kinds:

* **cyclic** (:func:`make_frame_set`): ``count`` (:data:`FRAME_COUNT`) variants, JPEG-encoded
  once (the pixels are stamped when asked, a few kept); frame ``i`` is variant ``i % count``
  and its counter is ``i % count``, so outputs up to ``count`` frames (17 s at 30 fps)
  apart are matched. Sending costs nothing per frame (the project's benchmarks, which
  measure the server, use this). :func:`encode_vp8` encodes a cyclic set's variants once as
  VP8, for a WebRTC client that sends them without encoding.
* **live** (:func:`live_frame_set`): frame ``i`` is picture ``i % len(pictures)`` with
  ``i % MODULUS`` drawn in when it is sent, and the client encodes it as it would a camera's
  frame. Outputs may come up to ``MODULUS`` frames apart, so a slow fn at camera rate
  is still matched (``streamcore bench`` uses this).

Pictures come from :func:`synthetic_camera` (moving content, no file needed) or
:func:`load_pictures` (a video file or a folder of images, decoded with PyAV).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Final, overload

import numpy as np

from streamcore.engine.frames import Pixels
from streamcore.media.encoding import encode
from streamcore.media.marks import MODULUS, stamp_index

__all__ = [
    "CLIENT_JPEG_QUALITY",
    "FRAME_COUNT",
    "FrameSet",
    "SourceError",
    "StampedFrames",
    "encode_vp8",
    "live_frame_set",
    "load_pictures",
    "make_frame_set",
    "synthetic_camera",
]

CLIENT_JPEG_QUALITY: Final = 90
"""What ``AsyncClient`` encodes frames with (``transports.client.JPEG_QUALITY``)."""
FRAME_COUNT: Final = 512
"""Variants in a cyclic frame set; its outputs must come fewer than this many frames apart
(17 s at 30 fps; with 64, a stream more than 2.13 s behind was misread by 2.13 s)."""
_KEEP: Final = 8
"""Stamped frames (and expected outputs) a cyclic set keeps (a 640x480 frame is 0.9 MB)."""
VP8_BITRATE: Final = 1_500_000
"""Bits per second of :func:`encode_vp8` (aiortc's VP8 encoder aims at 500 kbit/s to 1.5 Mbit/s)."""
VP8_KEYFRAME_EVERY: Final = 64
"""A key frame every this many frames of :func:`encode_vp8` (frame 0 is one, so the cycle
can repeat; a receiver that lost a packet recovers at the next)."""


class StampedFrames(Sequence[Pixels]):
    """``count`` numbered copies of ``base``, each drawn when asked; the last few are kept."""

    def __init__(self, base: Pixels, count: int) -> None:
        self.base = base
        self._count = count
        self._kept: OrderedDict[int, Pixels] = OrderedDict()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Pixels: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Pixels]: ...
    def __getitem__(self, index: int | slice) -> Pixels | Sequence[Pixels]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        index %= self._count
        found = self._kept.get(index)
        if found is None:
            found = self._kept[index] = stamp_index(self.base, index)
            if len(self._kept) > _KEEP:
                self._kept.popitem(last=False)
        return found


CAMERA_PICTURES: Final = 60
"""Distinct pictures of the synthetic camera (two seconds of motion at 30 fps, looped)."""
_IMAGE_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif"})


class SourceError(ValueError):
    """A ``--source`` that gives no frames: its message says why."""


@dataclass
class FrameSet:
    """Numbered frames of one size, and what the fn should make of each (when known).

    ``raw``/``jpeg`` hold a cyclic set's stamped variants (``jpeg`` empty if not encoded);
    a live set's ``raw`` holds its unstamped pictures. ``modulus`` is how far apart outputs
    may come and still be matched. ``fn`` (optional) is the stream's fn applied locally.
    """

    width: int
    height: int
    raw: Sequence[Pixels]
    jpeg: list[bytes]
    fn: Callable[[Pixels], Pixels] | None
    modulus: int
    live: bool = False
    _expected: dict[int, Pixels] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Distinct pictures (a cyclic set: stamped variants)."""
        return len(self.raw)

    def pixels(self, index: int) -> Pixels:
        """Frame ``index`` as sent: RGB ``(height, width, 3)`` uint8 with its number drawn in."""
        if self.live:
            return stamp_index(self.raw[index % len(self.raw)], index)
        return self.raw[index % len(self.raw)]

    def expected(self, index: int) -> Pixels | None:
        """What the fn makes of frame ``index`` (``None`` when the fn is not known here)."""
        if self.fn is None:
            return None
        if self.live:
            return self.fn(self.pixels(index))
        key = index % self.count
        if key not in self._expected:
            self._expected[key] = self.fn(self.raw[key])
            if len(self._expected) > _KEEP:
                del self._expected[next(iter(self._expected))]
        return self._expected[key]


def make_frame_set(
    base: Pixels,
    fn: Callable[[Pixels], Pixels],
    count: int = FRAME_COUNT,
    *,
    jpeg: bool = True,
) -> FrameSet:
    """A cyclic set: ``count`` numbered copies of ``base``, each JPEG-encoded as the client
    would (``jpeg=False``: not encoded, for WebRTC)."""
    raw = StampedFrames(base, count)
    encoded = (
        [encode(stamp_index(base, i), "jpeg", CLIENT_JPEG_QUALITY) for i in range(count)]
        if jpeg
        else []
    )
    height, width = base.shape[:2]
    return FrameSet(width, height, raw, encoded, fn, modulus=count)


def encode_vp8(frames: FrameSet, fps: int = 30) -> list[bytes]:
    """Every variant of the cyclic set ``frames``, in order, encoded once as VP8 (libvpx
    through PyAV, :data:`VP8_BITRATE`, a key frame every :data:`VP8_KEYFRAME_EVERY` frames
    and at frame 0): the packets a WebRTC client can send without encoding anything
    (``rtc_stream(..., packets=...)``). The set's count must be a multiple of
    :data:`VP8_KEYFRAME_EVERY`, so that the cycle starts again at a key frame."""
    import av

    if frames.live or frames.count % VP8_KEYFRAME_EVERY:
        raise ValueError(
            f"a cyclic frame set of a multiple of {VP8_KEYFRAME_EVERY} frames is needed"
        )
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height = frames.width, frames.height
    codec.pix_fmt = "yuv420p"
    codec.bit_rate = VP8_BITRATE
    codec.framerate = Fraction(fps)
    codec.time_base = Fraction(1, fps)
    codec.gop_size = VP8_KEYFRAME_EVERY
    codec.options = {"deadline": "realtime", "cpu-used": "4", "lag-in-frames": "0"}
    packets: list[bytes] = []
    for index in range(frames.count):
        frame = av.VideoFrame.from_ndarray(frames.pixels(index), format="rgb24")
        frame = frame.reformat(format="yuv420p")
        frame.pts = index
        if index % VP8_KEYFRAME_EVERY == 0:
            frame.pict_type = av.video.frame.PictureType.I
        packets += [bytes(packet) for packet in codec.encode(frame)]
    packets += [bytes(packet) for packet in codec.encode(None)]
    if len(packets) != frames.count:
        raise ValueError(f"VP8 gave {len(packets)} packets for {frames.count} frames")
    return packets


def live_frame_set(
    pictures: Sequence[Pixels], fn: Callable[[Pixels], Pixels] | None = None
) -> FrameSet:
    """A live set over ``pictures`` (all one size): each frame stamped when it is sent."""
    if not pictures:
        raise SourceError("no pictures to send")
    height, width = pictures[0].shape[:2]
    stamp_index(pictures[0], 0)  # too small a frame fails here, not in the middle of a run
    return FrameSet(width, height, list(pictures), [], fn, modulus=MODULUS, live=True)


def synthetic_camera(width: int, height: int, count: int = CAMERA_PICTURES) -> list[Pixels]:
    """``count`` pictures of moving content: a colour gradient that drifts, a bright disc
    crossing the frame and a fine texture (so codecs have real work), deterministic."""
    rng = np.random.default_rng(15)
    texture = rng.integers(-12, 13, (height, width, 1), dtype=np.int16)
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    radius = max(4.0, min(width, height) / 8.0)
    pictures: list[Pixels] = []
    for step in range(count):
        phase = step / count
        red = 60 + 150 * ((x + phase) % 1.0)
        green = 40 + 170 * y + 0 * x
        blue = 180 - 120 * x * y
        picture = np.stack(np.broadcast_arrays(red, green, blue), axis=-1).astype(np.int16)
        cx = radius + (width - 2 * radius) * (0.5 - 0.5 * np.cos(2 * np.pi * phase))
        cy = height * (0.35 + 0.3 * np.sin(2 * np.pi * phase))
        disc = (np.arange(width)[None, :] - cx) ** 2 + (np.arange(height)[:, None] - cy) ** 2
        picture[disc < radius**2] = (250, 230, 90)
        picture += texture
        pictures.append(np.clip(picture, 0, 255).astype(np.uint8))
    return pictures


def load_pictures(source: str | Path, width: int, height: int, limit: int = 300) -> list[Pixels]:
    """Up to ``limit`` frames of a video file, or the images of a folder (sorted by name),
    decoded with PyAV and scaled to ``width`` x ``height``. Raises :class:`SourceError` when
    the path is missing, cannot be decoded or gives no frame."""
    import av

    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        if not files:
            raise SourceError(f"{path} has no image files ({', '.join(sorted(_IMAGE_SUFFIXES))})")
        files = files[:limit]
    elif path.is_file():
        files = [path]
    else:
        raise SourceError(f"no such file or folder: {path}")
    pictures: list[Pixels] = []
    for file in files:
        try:
            with av.open(str(file)) as container:
                for frame in container.decode(video=0):
                    scaled = frame.reformat(width=width, height=height, format="rgb24")
                    pictures.append(scaled.to_ndarray())
                    if len(pictures) >= limit:
                        break
        except (av.FFmpegError, IndexError, ValueError) as exc:
            raise SourceError(f"cannot decode {file}: {exc}") from None
        if len(pictures) >= limit:
            break
    if not pictures:
        raise SourceError(f"{path} gave no video frame")
    return pictures
