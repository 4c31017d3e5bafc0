"""``webrtc``: frames round trip over WebRTC through streamcore, next to bare aiortc.

**streamcore**: the server (``transports.server.serve``, on this process's event loop) and an
``AsyncClient`` whose stream goes ``transport="webrtc"``: the client's video track carries
the frames, the server's stream event ``identity`` takes each decoded frame from its
latest-wins slot, converts it to RGB in a worker thread, calls the fn and sends the result
on its output track; the client decodes it. The codec (VP8 or H.264) is chosen by setting
the client's codec preference on its transceiver before the offer (``AsyncClient`` has no
option for it: see :func:`transports.bench.prefer_codec`).

**bare aiortc**: two ``RTCPeerConnection`` in this process, no streamcore: the "client"
plays the same frames on a track, the "server" answers with a track whose ``recv`` takes
the next decoded frame, converts it to RGB, calls the same fn and makes a video frame of
the result (aiortc's own examples do it so, on the event loop); the client converts what
comes back to RGB in a worker thread (as streamcore's client does).

Both run in one process on one event loop, so they compete for the same CPU the same way;
``cpu_pct`` is that process's CPU time over the run (both ends of the stream).

* **unpaced**: as fast as a window of :data:`IN_FLIGHT` frames allows; goal: streamcore
  within 10 % of bare aiortc's fps.
* **paced**: one frame every 1/30 s (a camera). At 640x480 VP8 a long run (60 s; 10 s in
  quick mode) reports the median latency of its first and last :data:`WINDOW_S` seconds:
  the goal is a steady 30 fps with a latency that does not grow.

Each frame carries its number in its pixels (:mod:`streamcore.media.marks`): that matches outputs
to inputs for the latency and checks the pixels after the two lossy codec passes.
"""

from __future__ import annotations

import fractions
import math
import time
from dataclasses import dataclass
from typing import Any, Final

import anyio
import anyio.to_thread
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from transports.bench import (
    RTC_LINGER_S,
    Feed,
    FrameSet,
    StreamRun,
    make_frame_set,
    percentile,
    prefer_codec,
    rtc_stream,
)

from .core import make_frame
from .harness import (
    BenchmarkError,
    Record,
    RunContext,
    Stopwatch,
    median,
    peak_rss_mb,
    size_label,
)
from .server_process import API, build_app
from .workloads import identity

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = (
    "WebRTC round trip through streamcore (VP8 / H.264, paced 30 fps and unpaced) "
    "vs a bare aiortc loopback"
)

GOAL_PCT_OF_BARE: Final = 90.0
IN_FLIGHT: Final = 4
"""Frames awaiting their result in an unpaced run (both systems)."""
PACE_FPS: Final = 30.0
MAX_DIFF: Final = 10.0
"""Mean absolute difference allowed after two passes of VP8 / H.264 at aiortc's bitrates."""
SIZES: Final = ((640, 480), (1280, 720))
CODECS: Final = ("vp8", "h264")
SYSTEMS: Final = ("streamcore", "aiortc")
_TIME_BASE: Final = fractions.Fraction(1, 90_000)


@dataclass(frozen=True)
class Settings:
    unpaced_s: float
    rounds: int
    long_s: float
    """The long paced run (640x480, VP8)."""
    window_s: float
    """First and last seconds of the long run whose median latencies are compared."""
    paced_s: float | None
    """Paced runs of the other configurations (None: not in this mode)."""
    warmup: int


FULL: Final = Settings(unpaced_s=6.0, rounds=3, long_s=60.0, window_s=10.0, paced_s=8.0, warmup=10)
QUICK: Final = Settings(unpaced_s=1.2, rounds=1, long_s=10.0, window_s=2.5, paced_s=None, warmup=5)
WINDOW_S: Final = FULL.window_s


@dataclass
class _Result:
    run: StreamRun
    wall_s: float
    cpu_s: float

    @property
    def cpu_pct(self) -> float:
        return self.cpu_s / self.wall_s * 100.0


# -- bare aiortc ------------------------------------------------------------------------------


class _Source(MediaStreamTrack):
    """Plays the feed's frames, each when it is due."""

    kind = "video"

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self._indices = feed.indices()
        self._raw = feed.frames.raw
        self._count = 0

    async def recv(self) -> VideoFrame:
        try:
            index = await anext(self._indices)
        except StopAsyncIteration:
            raise MediaStreamError from None
        frame = VideoFrame.from_ndarray(self._raw[index % len(self._raw)], format="rgb24")
        frame.pts = self._count * 3000
        frame.time_base = _TIME_BASE
        self._count += 1
        return frame


class _Echo(MediaStreamTrack):
    """The bare server: each decoded frame -> RGB -> fn -> a video frame, on the loop."""

    kind = "video"

    def __init__(self, incoming: MediaStreamTrack) -> None:
        super().__init__()
        self._incoming = incoming

    async def recv(self) -> VideoFrame:
        frame = await self._incoming.recv()
        if not isinstance(frame, VideoFrame):
            raise MediaStreamError
        result = identity(frame.to_ndarray(format="rgb24"))
        out = VideoFrame.from_ndarray(result, format="rgb24")
        out.pts = frame.pts
        out.time_base = frame.time_base
        return out


async def bare_stream(feed: Feed, *, codec: str) -> StreamRun:
    """One stream through two aiortc peers in this process (see the module docstring)."""
    client, server = RTCPeerConnection(), RTCPeerConnection()
    client.addTrack(_Source(feed))
    prefer_codec(client, codec)
    returned: list[MediaStreamTrack] = []
    client.on("track", returned.append)
    server.on("track", lambda incoming: server.addTrack(_Echo(incoming)))
    try:
        await client.setLocalDescription(await client.createOffer())
        await server.setRemoteDescription(client.localDescription)
        await server.setLocalDescription(await server.createAnswer())
        await client.setRemoteDescription(server.localDescription)
        if not returned:
            raise BenchmarkError("bare aiortc: the answer brought no video track back")
        incoming = returned[0]
        async with anyio.create_task_group() as tasks:

            async def stop_when_done() -> None:
                await feed.exhausted.wait()
                with anyio.move_on_after(RTC_LINGER_S):
                    await feed.settled.wait()
                tasks.cancel_scope.cancel()

            tasks.start_soon(stop_when_done)
            while True:
                try:
                    frame = await incoming.recv()
                except MediaStreamError:
                    break
                if not isinstance(frame, VideoFrame):
                    continue
                rgb = await anyio.to_thread.run_sync(_to_rgb, frame)
                feed.output(rgb, time.perf_counter())
    finally:
        await client.close()
        await server.close()
    feed.finish()
    return feed.run


def _to_rgb(frame: VideoFrame) -> np.ndarray:
    rgb: np.ndarray = frame.to_ndarray(format="rgb24")
    return rgb


# -- one measurement -------------------------------------------------------------------------


async def _one(
    system: str,
    client: Any,
    frames: FrameSet,
    codec: str,
    seconds: float,
    pace_fps: float | None,
    warmup: int,
) -> _Result:
    feed = Feed(
        frames,
        seconds=seconds,
        pace_fps=pace_fps,
        window=None if pace_fps else IN_FLIGHT,
        warmup=warmup,
    )
    with Stopwatch() as watch:
        with anyio.fail_after(seconds + 60):
            if system == "streamcore":
                stream_run = await rtc_stream(client, feed, api_name=API["identity"], codec=codec)
            else:
                stream_run = await bare_stream(feed, codec=codec)
    stream_run.check(f"{system} {codec} {frames.width}x{frames.height}", MAX_DIFF)
    return _Result(stream_run, watch.wall, watch.cpu)


def _figures(results: list[_Result]) -> dict[str, float]:
    return {
        "fps": median([r.run.fps for r in results]),
        "p50": median([percentile(r.run.latencies_ms, 50) for r in results]),
        "p99": median([percentile(r.run.latencies_ms, 99) for r in results]),
        "cpu_pct": median([r.cpu_pct for r in results]),
        "skipped": sum(r.run.skipped for r in results),
        "diff": max(d for r in results for d in r.run.diffs),
    }


async def _measure(ctx: RunContext, settings: Settings) -> list[Record]:
    from transports.client import AsyncClient
    from transports.server import serve

    records: list[Record] = []
    async with serve(build_app(1), port=0) as server, AsyncClient(server.local_url) as client:
        for width, height in SIZES:
            frames = make_frame_set(make_frame(width, height), identity, jpeg=False)
            for codec in CODECS:
                records.extend(await _measure_config(ctx, client, frames, codec, settings))
        records.append(await _measure_long(ctx, client, settings))
    return records


async def _measure_config(
    ctx: RunContext, client: Any, frames: FrameSet, codec: str, settings: Settings
) -> list[Record]:
    size = size_label(frames.width, frames.height)
    # warm-up: encoder / decoder start, threads; thrown away (quick mode: once per codec)
    if not (ctx.quick and frames.width != SIZES[0][0]):
        for system in SYSTEMS:
            await _one(system, client, frames, codec, 0.5, None, 0)
    unpaced: dict[str, list[_Result]] = {system: [] for system in SYSTEMS}
    for index in range(settings.rounds):
        order = SYSTEMS if index % 2 == 0 else tuple(reversed(SYSTEMS))
        for system in order:
            result = await _one(
                system, client, frames, codec, settings.unpaced_s, None, settings.warmup
            )
            unpaced[system].append(result)
        ctx.progress(
            f"{size} {codec} unpaced round {index + 1}/{settings.rounds}: "
            + ", ".join(f"{s} {unpaced[s][-1].run.fps:.1f} fps" for s in SYSTEMS)
        )
    figures = {system: _figures(unpaced[system]) for system in SYSTEMS}
    ours, bare = figures["streamcore"], figures["aiortc"]
    ratio = ours["fps"] / bare["fps"] * 100.0
    met = ratio >= GOAL_PCT_OF_BARE
    records = [
        _record(
            size,
            codec,
            "unpaced",
            ours,
            peer_fps=bare["fps"],
            summary=(
                f"{ratio:.0f}% of bare aiortc (goal >={GOAL_PCT_OF_BARE:g}%: "
                f"{'met' if met else 'NOT met'}), cpu {ours['cpu_pct']:.0f}% vs "
                f"{bare['cpu_pct']:.0f}%, bare p50 {bare['p50']:.1f} ms"
            ),
            extra={
                "pct_of_bare": ratio,
                "goal_pct": GOAL_PCT_OF_BARE,
                "goal_met": met,
                "bare_latency_ms_p50": bare["p50"],
                "bare_latency_ms_p99": bare["p99"],
                "bare_cpu_pct": bare["cpu_pct"],
                "in_flight": IN_FLIGHT,
                "fps_runs": [r.run.fps for r in unpaced["streamcore"]],
                "bare_fps_runs": [r.run.fps for r in unpaced["aiortc"]],
            },
        )
    ]
    ctx.progress(f"{size} {codec} unpaced: {records[-1].summary}")
    long_config = (frames.width, frames.height, codec) == (640, 480, "vp8")
    if settings.paced_s is not None and not long_config:
        paced = await _one(
            "streamcore", client, frames, codec, settings.paced_s, PACE_FPS, settings.warmup
        )
        paced_figures = _figures([paced])
        records.append(
            _record(
                size,
                codec,
                "paced 30 fps",
                paced_figures,
                summary=f"cpu {paced_figures['cpu_pct']:.0f}%",
                extra={"seconds": settings.paced_s},
            )
        )
        ctx.progress(f"{size} {codec} paced: {paced.run.fps:.1f} fps")
    return records


async def _measure_long(ctx: RunContext, client: Any, settings: Settings) -> Record:
    """640x480 VP8 paced at 30 fps for ``long_s``: is the latency steady?"""
    frames = make_frame_set(make_frame(640, 480), identity, jpeg=False)
    ctx.progress(f"640x480 vp8 paced at {PACE_FPS:g} fps for {settings.long_s:g} s ...")
    result = await _one(
        "streamcore", client, frames, "vp8", settings.long_s, PACE_FPS, settings.warmup
    )
    stream_run = result.run
    first = [
        latency
        for latency, at in zip(stream_run.latencies_ms, stream_run.latency_at, strict=True)
        if at < settings.window_s
    ]
    last = [
        latency
        for latency, at in zip(stream_run.latencies_ms, stream_run.latency_at, strict=True)
        if at >= settings.long_s - settings.window_s
    ]
    figures = _figures([result])
    first_p50, last_p50 = percentile(first, 50), percentile(last, 50)
    steady_fps = figures["fps"] >= PACE_FPS * 0.95
    growth = last_p50 - first_p50
    not_growing = growth < max(5.0, 0.25 * first_p50)
    met = steady_fps and not_growing
    summary = (
        f"p50 first {settings.window_s:g} s {first_p50:.1f} ms, last {settings.window_s:g} s "
        f"{last_p50:.1f} ms (goal steady {PACE_FPS:g} fps, no growth: "
        f"{'met' if met else 'NOT met'}), cpu {figures['cpu_pct']:.0f}%"
    )
    ctx.progress(f"640x480 vp8 paced long run: {figures['fps']:.1f} fps, {summary}")
    return _record(
        "640x480",
        "vp8",
        f"paced 30 fps, {settings.long_s:g} s",
        figures,
        summary=summary,
        extra={
            "seconds": settings.long_s,
            "window_s": settings.window_s,
            "latency_ms_p50_first_window": first_p50,
            "latency_ms_p50_last_window": last_p50,
            "latency_growth_ms": growth,
            "goal_met": met,
            "sent": stream_run.sent,
            "outputs": stream_run.outputs,
        },
    )


def _record(
    size: str,
    codec: str,
    variant: str,
    figures: dict[str, float],
    *,
    summary: str,
    peer_fps: float | None = None,
    extra: dict[str, Any],
) -> Record:
    return Record(
        scenario="webrtc",
        transport=f"webrtc/{codec}",
        size=size,
        fps=figures["fps"],
        latency_ms_p50=figures["p50"],
        latency_ms_p99=figures["p99"],
        dropped=int(figures["skipped"]),
        peak_rss_mb=round(peak_rss_mb(), 1),
        peer="aiortc" if peer_fps is not None else None,
        peer_fps=peer_fps,
        variant=variant,
        summary=summary,
        extra={
            "cpu_pct": figures["cpu_pct"],
            "max_mean_abs_diff": figures["diff"],
            **extra,
        },
    )


def run(ctx: RunContext) -> list[Record]:
    settings = QUICK if ctx.quick else FULL
    records: list[Record] = anyio.run(_measure, ctx, settings)
    if any(math.isnan(record.fps or math.nan) for record in records):
        raise BenchmarkError("a configuration produced no steady window of outputs")
    return records
