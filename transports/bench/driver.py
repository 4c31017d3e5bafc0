"""Driving a stream event over the network with ``transports.client.AsyncClient``, and
reading what came back: per-frame latency, rates, drops and the checks on every output.

Each frame sent carries its number in its pixels (:mod:`streamcore.media.marks`), so every
output is matched to the frame it answers whatever the codec and whichever frames were
dropped on the way (:mod:`transports.bench.frames` makes the frames).

Two ways of feeding a stream (:class:`Feed`):

* **windowed** (``window=N``): as fast as possible with at most ``N`` frames in flight. A
  frame is in flight until an output for it *or for a later frame* came back: outputs come
  in order, so a later one means the earlier frame was dropped (replaced in a latest-wins
  slot) and will never be answered. ``AsyncClient``'s own ``max_in_flight`` counts only
  answers, so each drop would shrink its window for good; the driver therefore gives the
  client an unlimited ``max_in_flight`` and keeps the window itself.
* **camera** (``pace_fps=30``, no window): one frame every 1/30 s whatever happens to the
  outputs, as a webcam does.

Latency is from the frame being handed to the client (it sends a WebSocket frame at once;
a WebRTC track hands it to its encoder) to its output decoded by the client: camera to
output. The first ``warmup`` outputs of a stream are left out of the rates and latencies.

The checks (:meth:`StreamRun.problems`): an output is **matched** when its counter reads
as a frame that was sent and is still awaiting an answer; an output whose counter cannot be
read, or reads as a frame never sent (a fn returning a constant or an unrelated picture), is
**wrong**. Wrong outputs are a failure; slow or dropped ones are not. An output is
**changed** when it differs from its input frame by more than the codecs alone would make
it (:data:`CHANGED_ABOVE`): that is reported, not judged, since an identity fn is legitimate.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import anyio
import numpy as np

from streamcore.engine.frames import Frame, Pixels
from streamcore.media.marks import Unwrapper, band_height, mean_abs_diff, read_index

from .frames import FrameSet

__all__ = [
    "CAMERA_IN_FLIGHT",
    "CHANGED_ABOVE",
    "LOST_AFTER",
    "RTC_LINGER_S",
    "Feed",
    "MismatchError",
    "StreamRun",
    "common_window",
    "percentile",
    "prefer_codec",
    "rtc_stream",
    "served_by",
    "worker_counts",
    "ws_stream",
]

CAMERA_IN_FLIGHT: Final = 10_000
"""``max_in_flight`` given to the client: it never waits for an output by itself.
(``RtcFrameStream`` acquires every permit once at the end, so not much more than this.)"""
LOST_AFTER: Final = 0.5
"""Seconds after which a windowed feed takes its oldest unanswered frame as lost."""
RTC_LINGER_S: Final = 0.3
"""Seconds a WebRTC stream may take to answer its last frames before it is closed. aiortc's
receiver holds each frame until the next one starts arriving, so the last frame or two of a
stream never come back; waiting longer would not help."""
CHANGED_ABOVE: Final = 12.0
"""Mean absolute difference (0-255, below the counter) from the input frame above which an
output counts as *changed* by the fn. Two lossy passes of JPEG q75-90 or VP8/H.264 at
aiortc's bitrates leave a camera-like frame within about 2 to 8 of itself."""


class MismatchError(Exception):
    """A stream's outputs were wrong (or none came back), so its figures mean nothing."""


@dataclass
class StreamRun:
    """What one stream did: every output's arrival and latency, and the checks."""

    sent: int = 0
    outputs: int = 0
    unreadable: int = 0
    """Outputs with no readable frame counter."""
    unmatched: int = 0
    """Outputs whose counter names a frame that was never sent (or was answered already)."""
    skipped: int = 0
    """Frames that got no output (replaced in a latest-wins slot, or lost)."""
    lost: int = 0
    """Frames a windowed feed gave up waiting for (:data:`LOST_AFTER`)."""
    changed: int = 0
    """Checked outputs that differ from their input by more than :data:`CHANGED_ABOVE`."""
    started: float = math.nan
    send_times: list[float] = field(default_factory=list)
    """When each frame was handed to the client (``perf_counter``)."""
    receive_times: list[float] = field(default_factory=list)
    """Arrival time of each output after the warm-up (``perf_counter``)."""
    latencies_ms: list[float] = field(default_factory=list)
    """Latency of each output after the warm-up."""
    latency_at: list[float] = field(default_factory=list)
    """Seconds from the first frame sent to each output of ``latencies_ms``."""
    diffs: list[float] = field(default_factory=list)
    """Mean absolute difference of the checked outputs from the fn applied locally (only
    when the fn is known)."""
    input_diffs: list[float] = field(default_factory=list)
    """Mean absolute difference of the checked outputs from their input (below the counter)."""
    server_stats: dict[str, Any] = field(default_factory=dict)
    """The stream's statistics from its completion message, when it came."""
    frame_errors: list[str] = field(default_factory=list)
    """Frames the server refused (the stream went on)."""
    worker: str | None = None
    """Which server process served the stream: the ``worker`` of its session's ``welcome``
    (``None`` when the server sent none)."""

    @property
    def fps(self) -> float:
        """Outputs per second between the first and the last output after the warm-up."""
        times = self.receive_times
        if len(times) < 2 or times[-1] <= times[0]:
            return math.nan
        return (len(times) - 1) / (times[-1] - times[0])

    @property
    def matched(self) -> int:
        """Outputs matched to a frame that was sent."""
        return self.outputs - self.unreadable - self.unmatched

    def problems(self) -> list[str]:
        """Why the outputs are wrong (empty when every output matched and some came)."""
        found = []
        if self.outputs == 0:
            found.append(f"no output came back ({self.sent} frames sent)")
        if self.unreadable:
            found.append(
                f"{self.unreadable} of {self.outputs} outputs had no readable frame counter: "
                "they are not the fn's output of a frame that was sent"
            )
        if self.unmatched:
            found.append(
                f"{self.unmatched} of {self.outputs} outputs carry the counter of a frame "
                "that was never sent or was answered already (a constant or stale picture?)"
            )
        return found

    def check(self, what: str, max_diff: float | None = None) -> None:
        """Raise :class:`MismatchError` if an output was wrong or none came, or (with
        ``max_diff`` and a known fn) one differed from the fn applied locally by more."""
        found = self.problems()
        if found:
            raise MismatchError(f"{what}: " + "; ".join(found))
        if max_diff is None:
            return
        worst = max(self.diffs, default=math.nan)
        if not self.diffs or not worst < max_diff:
            raise MismatchError(
                f"{what}: an output differs from the fn applied locally by {worst:.2f} on "
                f"average (the codecs' tolerance here is {max_diff:g})"
            )


class Feed:
    """The frame numbers to send (paced, windowed, or both) and what came back of them.

    Iterate :meth:`indices` in the sending task; call :meth:`output` for each output. Stops
    after ``count`` frames or ``seconds``. ``first_alone``: the second frame waits for the
    first one's output (a stream's start-up on the server is then not part of the figures).
    Every ``check_every``-th output is compared with its input (and with the fn's expected
    output when the frame set knows the fn).
    """

    def __init__(
        self,
        frames: FrameSet,
        *,
        count: int | None = None,
        seconds: float | None = None,
        pace_fps: float | None = None,
        window: int | None = None,
        first_alone: bool = False,
        warmup: int = 10,
        check_every: int = 50,
    ) -> None:
        if count is None and seconds is None:
            raise ValueError("give a frame count or a duration")
        self.frames = frames
        self.run = StreamRun()
        self._count = count
        self._seconds = seconds
        self._pace_fps = pace_fps
        self._window = window
        self._first_alone = first_alone
        self._warmup = warmup
        self._check_every = check_every
        self._sent_at: dict[int, float] = {}
        self._unwrap = Unwrapper(frames.modulus)
        self._done_up_to = -1  # every frame up to this one was answered or dropped
        self._progress = anyio.Event()
        self._last: tuple[int, Pixels] | None = None
        self._band = band_height(frames.width, frames.height)
        self.exhausted = anyio.Event()
        self.settled = anyio.Event()
        """Set once the frames ran out and every one was answered or dropped."""

    async def indices(self) -> AsyncIterator[int]:
        """Each frame number when it is due; its send time is recorded as it is yielded."""
        run = self.run
        started = time.perf_counter()
        index = 0
        while True:
            due = started + index / self._pace_fps if self._pace_fps else 0.0
            if (self._count is not None and index >= self._count) or (
                self._seconds is not None
                and max(due, time.perf_counter()) - started >= self._seconds
            ):
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await anyio.sleep(delay)
            if index == 1 and self._first_alone:
                await self._wait_for(0)
            if self._window is not None:
                await self._wait_for(index - self._window)
            now = time.perf_counter()
            if index == 0:
                run.started = now
            self._sent_at[index] = now
            run.send_times.append(now)
            run.sent += 1
            yield index
            index += 1
        self.exhausted.set()
        self._settle()

    async def _wait_for(self, index: int) -> None:
        """Until frame ``index`` was answered or dropped; gives up on it after LOST_AFTER."""
        while self._done_up_to < index:
            with anyio.move_on_after(LOST_AFTER) as waited:
                await self._progress.wait()
            if waited.cancelled_caught:
                self.run.lost += index - self._done_up_to
                self._done_up_to = index

    def output(self, pixels: Any, arrived: float) -> None:
        """Record one output (an RGB array): match it, time it, check some pixels."""
        run = self.run
        run.outputs += 1
        counter = read_index(pixels) if isinstance(pixels, np.ndarray) else None
        if counter is None:
            run.unreadable += 1
            return
        index = self._unwrap.peek(counter)
        if index >= run.sent:  # a frame never sent: not an answer to any frame
            run.unmatched += 1
            return
        previous = self._unwrap.last
        self._unwrap(counter)
        run.skipped += index - previous - 1
        sent = self._sent_at.pop(index, None)
        for stale in [key for key in self._sent_at if key < index]:  # dropped frames
            del self._sent_at[stale]
        if run.outputs > self._warmup and sent is not None:
            run.receive_times.append(arrived)
            run.latencies_ms.append((arrived - sent) * 1000.0)
            run.latency_at.append(arrived - run.started)
        if run.outputs % self._check_every == 1:
            self._compare(index, pixels)
        self._last = (index, pixels)
        if index > self._done_up_to:
            self._done_up_to = index
            self._progress.set()
            self._progress = anyio.Event()
            self._settle()

    def _compare(self, index: int, pixels: Pixels) -> None:
        run = self.run
        sent = self.frames.pixels(index)
        if pixels.shape != sent.shape:
            run.changed += 1  # resized: changed by the fn, whatever the pixels
        else:
            below = self._band
            diff = mean_abs_diff(pixels[below:], sent[below:])
            run.input_diffs.append(diff)
            run.changed += diff > CHANGED_ABOVE
        expected = self.frames.expected(index)
        if expected is not None:
            run.diffs.append(mean_abs_diff(pixels, expected))

    def _settle(self) -> None:
        if self.exhausted.is_set() and self._done_up_to >= self.run.sent - 1:
            self.settled.set()

    def finish(self) -> None:
        """Check the last output's pixels too."""
        if self._last is not None:
            self._compare(*self._last)


async def ws_stream(
    url: str,
    feed: Feed,
    *,
    api_name: str,
    binary: bool = True,
    max_in_flight: int = CAMERA_IN_FLIGHT,
) -> StreamRun:
    """Stream ``feed``'s frames to ``api_name`` through an ``AsyncClient`` of its own.

    A cyclic frame set's frames go as its JPEG bytes; a live set's as arrays (the client
    encodes them). ``max_in_flight`` is the client's own window (by default unlimited: the
    feed keeps the window, see the module docstring). Raises what the stream raised (a fn
    error, the connection closing); the run so far stays in ``feed.run``.
    """
    from transports.client import AsyncClient

    frames = feed.frames

    async def source() -> AsyncIterator[Frame | Pixels]:
        async for index in feed.indices():
            if frames.jpeg:
                yield Frame(frames.jpeg[index % len(frames.jpeg)], seq=index)
            else:
                yield frames.pixels(index)
        # the client closes the stream when its frames run out, and a close discards a frame
        # still waiting on the server: let the last ones be answered first
        with anyio.move_on_after(LOST_AFTER):
            await feed.settled.wait()

    async with AsyncClient(url, binary_frames=binary) as client:
        stream = await client.stream(source(), api_name=api_name, max_in_flight=max_in_flight)
        try:
            async for pixels in stream:
                feed.output(pixels, time.perf_counter())
        finally:
            feed.run.frame_errors = [str(error) for error in stream.frame_errors]
        completion = getattr(stream, "completion", None)
        if completion is not None and completion.stats:
            feed.run.server_stats = dict(completion.stats)
        feed.run.worker = served_by(client)
    feed.finish()
    return feed.run


async def rtc_stream(
    client: Any,
    feed: Feed,
    *,
    api_name: str,
    codec: str | None = None,
    packets: Sequence[bytes] | None = None,
) -> StreamRun:
    """Stream ``feed``'s frames (raw) over WebRTC with ``client`` (an open ``AsyncClient``,
    or a URL: the stream then has a client of its own).

    ``packets``: the cyclic frame set's variants pre-encoded as VP8
    (:func:`~transports.bench.frames.encode_vp8`): frame ``i`` is then sent as packet
    ``i % len(packets)`` without encoding (the codec is VP8), so a client running many
    streams costs little more than packetizing them; without, the client encodes each frame
    as a camera's would be (aiortc's VP8 encoder: about 4 ms a 640x480 frame).

    ``codec`` (``"vp8"`` or ``"h264"``) is set as the client's only codec preference on
    its transceiver before the offer. ``AsyncClient.stream(transport="webrtc")`` has no
    option for it, so this builds the client's :class:`~transports.webrtc_client.RtcFrameStream`
    itself (as ``AsyncClient.stream`` does) and sets the preference on its peer connection.
    """
    if isinstance(client, str):
        from transports.client import AsyncClient

        async with AsyncClient(client) as own:
            return await rtc_stream(own, feed, api_name=api_name, codec=codec, packets=packets)

    from av import Packet

    from transports.webrtc_client import RtcFrameStream

    frames = feed.frames
    if packets is not None:
        if codec not in (None, "vp8"):
            raise ValueError(f"pre-encoded packets are VP8, not {codec}")
        codec = "vp8"

    async def source() -> AsyncIterator[Pixels | Packet[Any]]:
        async for index in feed.indices():
            if packets is None:
                yield frames.pixels(index)
            else:
                yield Packet(packets[index % len(packets)])

    stream = RtcFrameStream(client, client.endpoint(api_name), source(), CAMERA_IN_FLIGHT)
    if codec is not None:
        prefer_codec(stream.pc, codec)
    await stream.start(None)

    async def close_when_done() -> None:
        # RtcFrameStream closes the stream once every frame is answered; a frame dropped on
        # the way never is, so close it once every frame is accounted for (or a bit later).
        await feed.exhausted.wait()
        with anyio.move_on_after(RTC_LINGER_S):
            await feed.settled.wait()
        await stream.close()

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(close_when_done)
            async for pixels in stream:
                feed.output(pixels, time.perf_counter())
            tasks.cancel_scope.cancel()
    finally:
        feed.run.frame_errors = [str(error) for error in stream.frame_errors]
    if stream.completion is not None and stream.completion.stats:
        feed.run.server_stats = dict(stream.completion.stats)
    feed.run.worker = served_by(client)
    feed.finish()
    return feed.run


def served_by(client: Any) -> str | None:
    """The id of the server process of ``client``'s session (an open ``AsyncClient``): the
    ``worker`` of the ``welcome`` it received, ``None`` before it or from a server that
    sends none."""
    welcome = getattr(getattr(client, "channel", None), "welcome", None)
    return None if welcome is None else welcome.worker


def worker_counts(runs: Sequence[StreamRun]) -> dict[str, int]:
    """How many of ``runs`` each server process served (:attr:`StreamRun.worker`), busiest
    first; streams whose worker is unknown count under ``"?"``."""
    counts: dict[str, int] = {}
    for stream_run in runs:
        key = stream_run.worker or "?"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def prefer_codec(pc: Any, codec: str) -> None:
    """Make ``pc``'s next offer list only ``codec`` (``"vp8"``/``"h264"``) for video, by
    setting the preference on its video transceivers just before the offer is made.
    Raises ``ValueError`` when aiortc has no such encoder."""
    from aiortc import RTCRtpSender

    wanted = f"video/{codec}".lower()
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    preferred = [c for c in capabilities if c.mimeType.lower() == wanted]
    if not preferred:
        raise ValueError(f"aiortc has no {codec} encoder here")
    create_offer = pc.createOffer

    async def create_offer_preferring() -> Any:
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "video":
                transceiver.setCodecPreferences(preferred)
        return await create_offer()

    pc.createOffer = create_offer_preferring


# -- summaries ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` (0-100) percentile, nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(q / 100.0 * len(ordered)) - 1))
    return ordered[rank]


def common_window(runs: Sequence[StreamRun]) -> tuple[float, list[float]]:
    """Total outputs per second of concurrent streams while all of them were running, and
    each stream's own rate in that window (for fairness)."""
    usable = [run for run in runs if len(run.receive_times) >= 2]
    if len(usable) != len(runs):
        return math.nan, [math.nan] * len(runs)
    start = max(run.receive_times[0] for run in runs)
    end = min(run.receive_times[-1] for run in runs)
    if end <= start:
        return math.nan, [math.nan] * len(runs)
    span = end - start
    rates = [sum(1 for t in run.receive_times if start <= t <= end) / span for run in runs]
    return sum(rates), rates
