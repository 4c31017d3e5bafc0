"""``slow_handler``: a 200 ms fn fed by a 30 fps camera: latency and memory stay bounded.

The server (:mod:`benchmarks.server_process`, a process of its own) serves the stream event
``slow`` (sleeps 200 ms, returns the frame). The client sends a numbered frame every 1/30 s
whatever comes back (a webcam: ``max_in_flight`` unlimited), for 20 s (5 s in quick mode),
over the WebSocket (binary frames) and, in full mode, over WebRTC (VP8) too. Latest wins:
the fn takes the newest frame each time it is free, so about 5 outputs a second come back,
each about one fn duration after its frame was sent, and the rest are dropped on arrival.

Goals: latency p99 under two fn durations (400 ms), and the server's resident memory grows
by less than 10 MB over the run. Memory: a warm-up stream as long as the run first (RSS
rises about 16 MB in the first seconds of a WebRTC stream: glibc's arenas keep frame
buffers freed in other threads), then the measured run: its growth (``rss_growth_mb``) is
the server's RSS :data:`SETTLE_SECONDS` after it ended minus the same after the warm-up
ended, both at rest (the server's own malloc policy applies: ``STREAMCORE_MALLOC``, by
default a trim when the last WebRTC stream ends, ``transports/memory.py``); then glibc's
``malloc_trim(0)`` in the server and a second run of the same length, from a trim before it
to a trim after it (``rss_growth_trimmed_mb``: what is left when the arenas give back their
free memory; a leak shows in both).
``latency_ms_p50_first`` / ``_last`` are the medians of the first and last quarter of the
run: a backlog would show as growth.

**Peer**: FastRTC with the same fn over WebRTC (its only video transport), fed the same way
(``benchmarks/peers/fastrtc_run.py``).
"""

from __future__ import annotations

import math
from typing import Any, Final

import anyio

from transports.bench import (
    Feed,
    FrameSet,
    StreamRun,
    encode_vp8,
    make_frame_set,
    percentile,
    rtc_stream,
    ws_stream,
)

from .core import make_frame
from .harness import BenchmarkError, Record, RunContext, Stopwatch, size_label
from .peers import PeerError, fastrtc_measure, peer_version
from .server_process import API, ServerProcess
from .workloads import SLOW_SECONDS, identity

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = (
    "200 ms fn fed at 30 fps (camera): latency p99 and server memory growth; FastRTC peer"
)

PACE_FPS: Final = 30.0
GOAL_P99_MS: Final = 2 * SLOW_SECONDS * 1000.0
GOAL_RSS_GROWTH_MB: Final = 10.0
MAX_DIFF: Final = {"websocket": 4.0, "webrtc": 10.0}
SIZE: Final = (640, 480)
SETTLE_SECONDS: Final = 1.0
"""Pause after a stream before reading the server's memory: its WebRTC peer has closed
(the flush of the last result takes up to 0.5 s) and what the server does after a stream
(the malloc policy's trim, ``transports/memory.py``) is done."""


def _quarters(run: StreamRun, seconds: float) -> tuple[float, float]:
    pairs = list(zip(run.latency_at, run.latencies_ms, strict=True))
    first = [ms for at, ms in pairs if at < seconds / 4]
    last = [ms for at, ms in pairs if at >= seconds * 3 / 4]
    return percentile(first, 50), percentile(last, 50)


async def _one(
    server: ServerProcess,
    frames: FrameSet,
    transport: str,
    seconds: float,
    warmup: int,
    packets: list[bytes],
) -> tuple[StreamRun, Stopwatch]:
    from transports.client import AsyncClient

    feed = Feed(frames, seconds=seconds, pace_fps=PACE_FPS, warmup=warmup)
    with Stopwatch() as watch:
        if transport == "websocket":
            run = await ws_stream(server.url, feed, api_name=API["slow"], binary=True)
        else:
            async with AsyncClient(server.url) as client:
                run = await rtc_stream(client, feed, api_name=API["slow"], packets=packets)
    run.check(f"slow_handler {transport}", MAX_DIFF[transport])
    return run, watch


async def _measure(ctx: RunContext, transports: tuple[str, ...], seconds: float) -> list[Record]:
    frames = make_frame_set(make_frame(*SIZE), identity)
    packets = encode_vp8(frames) if "webrtc" in transports else []
    records = []
    with ServerProcess() as server:
        for transport in transports:
            # warm-up as long as the run: threads, codecs, and glibc's arenas filled
            await _one(server, frames, transport, seconds, 0, packets)
            await anyio.sleep(SETTLE_SECONDS)
            server.reset()
            before = server.stats()
            run, watch = await _one(server, frames, transport, seconds, 2, packets)
            await anyio.sleep(SETTLE_SECONDS)
            after = server.stats()
            trimmed_before = server.trim()
            await _one(server, frames, transport, seconds, 2, packets)
            trimmed_after = server.trim()
            trimmed = trimmed_after["rss_mb"] - trimmed_before["rss_mb"]
            if not trimmed_after["trimmed"]:
                trimmed = math.nan  # no glibc
            record = _record(ctx, transport, seconds, run, watch, before, after, trimmed)
            records.append(record)
    return records


def _record(
    ctx: RunContext,
    transport: str,
    seconds: float,
    run: StreamRun,
    watch: Stopwatch,
    before: dict[str, Any],
    after: dict[str, Any],
    trimmed_growth: float,
) -> Record:
    p50, p99 = percentile(run.latencies_ms, 50), percentile(run.latencies_ms, 99)
    first, last = _quarters(run, seconds)
    growth = after["rss_mb"] - before["rss_mb"]
    latency_met = p99 < GOAL_P99_MS
    memory_met = growth < GOAL_RSS_GROWTH_MB
    dropped = run.server_stats.get("dropped", run.skipped) if run.server_stats else run.skipped
    cpu_pct = (after["cpu_s"] - before["cpu_s"]) / watch.wall * 100.0
    summary = (
        f"p99 {p99:.0f} ms (goal <{GOAL_P99_MS:.0f}: {'met' if latency_met else 'NOT met'}), "
        f"RSS {growth:+.1f} MB (goal <{GOAL_RSS_GROWTH_MB:g}: "
        f"{'met' if memory_met else 'NOT met'}; {trimmed_growth:+.1f} MB with malloc_trim), "
        f"p50 first/last quarter {first:.0f}/{last:.0f} ms"
    )
    ctx.progress(f"{transport}: {run.fps:.1f} fps out of {run.sent} frames sent; {summary}")
    return Record(
        scenario="slow_handler",
        transport=transport if transport == "websocket" else "webrtc/vp8",
        size=size_label(*SIZE),
        fps=run.fps,
        latency_ms_p50=p50,
        latency_ms_p99=p99,
        dropped=int(dropped),
        peak_rss_mb=round(after["peak_rss_mb"], 1),
        variant=f"200 ms fn, camera {PACE_FPS:g} fps, {seconds:g} s",
        summary=summary,
        extra={
            "fn_ms": SLOW_SECONDS * 1000.0,
            "seconds": seconds,
            "sent": run.sent,
            "outputs": run.outputs,
            "rss_growth_mb": growth,
            "rss_growth_trimmed_mb": trimmed_growth,
            "warmup_seconds": seconds,
            "client": "pre-encoded VP8" if transport == "webrtc" else "pre-encoded JPEG",
            "server_rss_mb_start": before["rss_mb"],
            "server_rss_mb_end": after["rss_mb"],
            "latency_ms_p50_first_quarter": first,
            "latency_ms_p50_last_quarter": last,
            "latency_ms_max": max(run.latencies_ms, default=math.nan),
            "goal_p99_ms": GOAL_P99_MS,
            "goal_rss_growth_mb": GOAL_RSS_GROWTH_MB,
            "goal_met": latency_met and memory_met,
            "cpu_pct": cpu_pct,
            "max_mean_abs_diff": max(run.diffs),
        },
    )


def _peer(ctx: RunContext, seconds: float, linger: float) -> Record | None:
    frames = make_frame_set(make_frame(*SIZE), identity, jpeg=False)
    ctx.progress(f"peer fastrtc {peer_version('fastrtc') or ''}: {seconds:g} s over WebRTC ...")
    try:
        result = fastrtc_measure(
            frames.raw,
            fn="slow",
            streams=[1],
            seconds=seconds,
            passes=1,
            linger=linger,
            stream=ctx.stream,
        )
    except PeerError as exc:
        ctx.progress(f"peer fastrtc skipped: {exc}")
        return None
    figures = result["runs"][0]
    stream_figures = figures["per_stream"][0]
    growth = figures["server_rss_growth_mb"]
    summary = (
        f"FastRTC: p99 {figures['latency_ms_p99']:.0f} ms, RSS {growth:+.1f} MB, "
        f"p50 first/last quarter {_ms(stream_figures['latency_ms_p50_first_quarter'])}/"
        f"{_ms(stream_figures['latency_ms_p50_last_quarter'])} ms"
    )
    ctx.progress(summary)
    return Record(
        scenario="slow_handler",
        transport="webrtc/vp8",
        size=size_label(*SIZE),
        fps=None,
        latency_ms_p50=figures["latency_ms_p50"],
        latency_ms_p99=figures["latency_ms_p99"],
        dropped=None,
        peak_rss_mb=round(figures["server_rss_mb_end"], 1),
        peer=f"fastrtc {result['version']}",
        peer_fps=figures["total_fps"],
        variant=f"peer: 200 ms fn, camera {PACE_FPS:g} fps, {seconds:g} s",
        summary=summary,
        extra={"peer_result": result, "rss_growth_mb": growth},
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def run(ctx: RunContext) -> list[Record]:
    seconds = 5.0 if ctx.quick else 20.0
    transports = ("websocket",) if ctx.quick else ("websocket", "webrtc")
    records: list[Record] = anyio.run(_measure, ctx, transports, seconds)
    peer = _peer(ctx, seconds, linger=1.0 if ctx.quick else 3.0)
    if peer is not None:
        ours = records[-1] if len(records) > 1 else records[0]
        peer.summary += (
            f"; streamcore {ours.transport} p99 {ours.latency_ms_p99:.0f} ms "
            f"(x{(peer.latency_ms_p99 or math.nan) / (ours.latency_ms_p99 or math.nan):.0f} lower)"
        )
        records.append(peer)
    if not records:
        raise BenchmarkError("no measurement")
    return records
