"""``scale``: one port, 1 worker process against 2, 8 camera streams of a fn that holds the GIL.

``python -m streamcore serve benchmarks.workers_app:demo --workers N`` serves the benchmark
app; its ``gil`` event runs :func:`benchmarks.workloads.hold_gil` (pure-Python arithmetic,
calibrated in this process to :data:`FN_SECONDS` on one core and passed to the server in
``STREAMCORE_BENCH_GIL_LOOPS``). Threads cannot run such a fn side by side: one process
gets at most one core's worth of it, so only processes scale it. 8 streams, each a 30 fps
camera of 640x480 frames (:class:`~transports.bench.Feed` paced, no window), over the
WebSocket (binary JPEG) and over WebRTC (the client replays pre-encoded VP8: see
:func:`transports.bench.encode_vp8`), for :attr:`Settings.seconds` each, after a 1 s
stream that warms the workers up.

Figures, per transport and worker count: total outputs per second while all 8 streams ran
(:func:`~transports.bench.common_window`), latency p50/p99 (camera to output decoded by the
client), the server's CPU (supervisor and workers, from ``/proc``), and ``ideal_fps``:
``min(workers, cores) / fn time``, the fn alone with one core per process (no codec, no
transport, no client: the client shares the machine's 2 cores). The goal (issue 16): 2
workers deliver at least 1.6x the frames of 1 on both transports. Which worker a
connection lands on is the kernel's choice, so the streams may not split 4 / 4: each stream
records the worker that served it (the ``worker`` id of its session's ``welcome``,
``docs/protocol.md``), and every round's split is printed (``streams per worker 5/3``) and
kept in the JSON (``streams_per_worker``: per round, ``{worker id: streams}``).
Rounds alternate the order of 1 and 2 workers; figures are medians over the rounds.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Final

import anyio

from transports.bench import (
    Feed,
    FrameSet,
    StreamRun,
    common_window,
    encode_vp8,
    make_frame_set,
    percentile,
    rtc_stream,
    worker_counts,
    ws_stream,
)

from .core import make_frame
from .harness import Record, RunContext, median, peak_rss_mb, relative_iqr_pct
from .server_process import API
from .workers import serve_workers, tree_cpu_seconds
from .workers_app import GIL_LOOPS_ENV
from .workloads import calibrate_gil, hold_gil

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = "8 camera streams of a GIL-holding fn: 1 worker vs 2 (serve --workers)"

STREAMS: Final = 8
PACE_FPS: Final = 30.0
FN_SECONDS: Final = 0.02
SIZE: Final = (640, 480)
WORKER_COUNTS: Final = (1, 2)
TRANSPORTS: Final = ("websocket", "webrtc")
MAX_DIFF: Final = {"websocket": 4.0, "webrtc": 10.0}
GOAL_RATIO: Final = 1.6


@dataclass(frozen=True)
class Settings:
    seconds: float
    rounds: int


FULL: Final = Settings(seconds=15.0, rounds=3)
QUICK: Final = Settings(seconds=4.0, rounds=1)


@dataclass
class _Samples:
    fps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    server_cpu_pct: list[float] = field(default_factory=list)
    dropped: int = 0
    workers: list[dict[str, int]] = field(default_factory=list)
    """Per round, how many of the streams each worker process served."""


async def _streams(
    url: str, frames: FrameSet, transport: str, seconds: float, packets: list[bytes]
) -> list[StreamRun]:
    runs: list[StreamRun] = []

    async def one() -> None:
        feed = Feed(frames, seconds=seconds, pace_fps=PACE_FPS, warmup=3)
        if transport == "websocket":
            runs.append(await ws_stream(url, feed, api_name=API["gil"], binary=True))
        else:
            runs.append(await rtc_stream(url, feed, api_name=API["gil"], packets=packets))

    async with anyio.create_task_group() as tasks:
        for _ in range(STREAMS):
            tasks.start_soon(one)
    for index, stream_run in enumerate(runs):
        stream_run.check(f"{transport} stream {index + 1} of {STREAMS}", MAX_DIFF[transport])
    return runs


async def _round(
    url: str,
    pid: int,
    frames: FrameSet,
    packets: list[bytes],
    settings: Settings,
    samples: dict[str, _Samples],
) -> None:
    for transport in TRANSPORTS:
        await _streams(url, frames, transport, 1.0, packets)  # warm-up: threads, codecs
        cpu_before = tree_cpu_seconds(pid)
        started = anyio.current_time()
        runs = await _streams(url, frames, transport, settings.seconds, packets)
        wall = anyio.current_time() - started
        sample = samples[transport]
        latencies = [ms for stream_run in runs for ms in stream_run.latencies_ms]
        sample.fps.append(common_window(runs)[0])
        sample.p50.append(percentile(latencies, 50))
        sample.p99.append(percentile(latencies, 99))
        sample.server_cpu_pct.append((tree_cpu_seconds(pid) - cpu_before) / wall * 100.0)
        sample.dropped += sum(stream_run.skipped for stream_run in runs)
        sample.workers.append(worker_counts(runs))


def _measure(ctx: RunContext, settings: Settings) -> list[Record]:
    frames = make_frame_set(make_frame(*SIZE), lambda image: image)
    loops, fn_s = calibrate_gil(FN_SECONDS)
    frames.fn = lambda image: hold_gil(image, loops)
    ctx.progress(f"the fn: {loops} pure-Python loops = {fn_s * 1000:.1f} ms on one core here")
    packets = encode_vp8(frames)
    samples = {(w, t): _Samples() for w in WORKER_COUNTS for t in TRANSPORTS}
    for number in range(settings.rounds):
        order = WORKER_COUNTS if number % 2 == 0 else tuple(reversed(WORKER_COUNTS))
        for workers in order:
            with serve_workers(workers, {GIL_LOOPS_ENV: str(loops)}) as (url, pid):
                kept = {t: samples[workers, t] for t in TRANSPORTS}
                anyio.run(_round, url, pid, frames, packets, settings, kept)
            for transport in TRANSPORTS:
                last = samples[workers, transport]
                ctx.progress(
                    f"round {number + 1}: {workers} worker(s) {transport}: "
                    f"{last.fps[-1]:.1f} fps, p50 {last.p50[-1]:.0f} ms, "
                    f"streams per worker {_spread(last.workers[-1])}"
                )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        _record(workers, transport, samples, fn_s, cores or 1, settings)
        for transport in TRANSPORTS
        for workers in WORKER_COUNTS
    ]


def _record(
    workers: int,
    transport: str,
    samples: dict[tuple[int, str], _Samples],
    fn_s: float,
    cores: int,
    settings: Settings,
) -> Record:
    sample = samples[workers, transport]
    fps = median(sample.fps)
    one = median(samples[1, transport].fps)
    ratio = fps / one if one > 0 else math.nan
    ideal = min(workers, cores) / fn_s
    met = "met" if ratio >= GOAL_RATIO else "NOT met"
    goal = "" if workers == 1 else f" (goal >={GOAL_RATIO:g}x: {met})"
    return Record(
        scenario="scale",
        transport="websocket/binary" if transport == "websocket" else "webrtc/vp8",
        size=f"{SIZE[0]}x{SIZE[1]}",
        fps=round(fps, 1),
        latency_ms_p50=round(median(sample.p50), 1),
        latency_ms_p99=round(median(sample.p99), 1),
        dropped=sample.dropped,
        peak_rss_mb=round(peak_rss_mb(), 1),
        floor_fps=round(ideal, 1),
        variant=f"{workers} worker{'s' if workers > 1 else ''}, {STREAMS} cameras, GIL fn",
        summary=(
            f"x{ratio:.2f} of 1 worker{goal}, {fps / ideal * 100:.0f}% of ideal "
            f"{ideal:.0f} fps, server cpu {median(sample.server_cpu_pct):.0f}%, "
            f"streams per worker {'; '.join(_spread(counts) for counts in sample.workers)}"
        ),
        extra={
            "workers": workers,
            "fn_ms": fn_s * 1000.0,
            "fn": "pure-Python loops (holds the GIL)",
            "ideal_fps": ideal,
            "floor_includes": "the fn only, a core per worker (no codec, transport, client)",
            "ratio_to_1_worker": ratio,
            "goal_ratio": GOAL_RATIO,
            "goal_met": None if workers == 1 else ratio >= GOAL_RATIO,
            "server_cpu_pct": median(sample.server_cpu_pct),
            "fps_runs": sample.fps,
            "fps_noise_pct": relative_iqr_pct(sample.fps),
            "seconds": settings.seconds,
            "rounds": len(sample.fps),
            "streams_per_worker": sample.workers,
            "client": "pre-encoded VP8" if transport == "webrtc" else "pre-encoded JPEG",
        },
    )


def _spread(counts: dict[str, int]) -> str:
    """``4/4`` (or ``8``, ``5/3``): the streams each worker process served, busiest first."""
    return "/".join(str(count) for count in counts.values())


def run(ctx: RunContext) -> list[Record]:
    return _measure(ctx, QUICK if ctx.quick else FULL)
