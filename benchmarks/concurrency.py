"""``concurrency``: 1, 4 and 8 simultaneous streams of a 50 ms fn: total fps and fairness.

The server (:mod:`benchmarks.server_process`, a process of its own) serves the stream event
``busy``: a sync fn doing a real numpy op of about 50 ms (``passes`` rounds of a [1 2 1]/4
blur down and across a uint16 copy of the frame, :func:`benchmarks.workloads.busy`;
``passes`` is calibrated in this process at the start of the run to take 50 ms on one core;
numpy lets go of the GIL in these loops). ``concurrency_limit=None``, so every stream runs
at once, each in its own worker thread. Each stream is a 30 fps camera (640x480, binary
WebSocket frames; in full mode also WebRTC/VP8), for 10 s (3 s in quick mode).

With 2 cores the server can do at most about 2 / 0.05 = 40 calls a second in all (less
when the machine is shared): ``ideal_fps`` is ``min(streams, cores) / fn time``. The
**floor** is measured right after each configuration: the same fn called back to back in
as many threads of the benchmark process as there are streams (no server, no transport),
calls per second: what this fn can get out of this machine at that moment (its scaling over
threads is the fn's and numpy's, not the server's). It includes **only the fn**: not the
server's codec work (JPEG decode and encode, or VP8 decode, RGB conversion and VP8 encode:
about 1.5 ms and 6 ms a 640x480 frame), not the transport, and not the client, which shares
the machine: ``floor_includes`` says so in the JSON, and ``client_cpu_pct`` is the
benchmark process's CPU during the run (the client: 100 % is one core). Over WebRTC the
floor is measured while the streams' camera frames are decoded alongside (``streams``
threads each decoding the pre-encoded VP8 at 30 fps, as aiortc's decoder threads must for
every frame a camera sends, processed or not: a video decoder cannot skip frames): the
fn's rate on a machine that also does what every WebRTC server receiving these cameras
must do. The output encode and everything the client does stay out of it. The WebRTC client
sends pre-encoded VP8 (:func:`transports.bench.encode_vp8`: each numbered frame encoded once
before the run), so its 8 streams cost packetizing, SRTP and decoding the outputs, not 8
VP8 encoders (which took 0.85 of the 2 cores before).
``fairness`` is the slowest stream's fps over the fastest's (1.0 = even), in the window
where all streams were running. Each output is checked against the fn applied locally.

**Peer**: FastRTC with the same fn and streams over WebRTC (its handler runs on the event
loop, so its streams share one core).
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import Any, Final

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
    ws_stream,
)

from .core import make_frame
from .harness import Record, RunContext, Stopwatch, size_label
from .peers import PeerError, fastrtc_measure, peer_version
from .server_process import API, ServerProcess
from .workloads import busy, calibrate_busy

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = "1, 4, 8 camera streams of a 50 ms numpy fn: total fps, fairness; FastRTC"

FN_SECONDS: Final = 0.05
PACE_FPS: Final = 30.0
STREAMS: Final = (1, 4, 8)
SIZE: Final = (640, 480)
MAX_DIFF: Final = {"websocket": 4.0, "webrtc": 10.0}


FLOOR_INCLUDES: Final = {
    "websocket": "the fn only, in as many threads as streams (no codec, no transport)",
    "webrtc": (
        "the fn in as many threads as streams, while as many threads decode the streams' "
        "VP8 at 30 fps each (no output encode, no transport, no client)"
    ),
}


async def _streams(
    server: ServerProcess,
    frames: FrameSet,
    transport: str,
    count: int,
    seconds: float,
    packets: list[bytes],
) -> tuple[list[StreamRun], Stopwatch, dict[str, Any], dict[str, Any]]:
    from transports.client import AsyncClient

    runs: list[StreamRun] = []

    async def one() -> None:
        feed = Feed(frames, seconds=seconds, pace_fps=PACE_FPS, warmup=3)
        if transport == "websocket":
            runs.append(await ws_stream(server.url, feed, api_name=API["busy"], binary=True))
        else:
            async with AsyncClient(server.url) as client:
                runs.append(await rtc_stream(client, feed, api_name=API["busy"], packets=packets))

    before = server.stats()
    with Stopwatch() as watch:
        async with anyio.create_task_group() as tasks:
            for _ in range(count):
                tasks.start_soon(one)
    after = server.stats()
    for index, stream_run in enumerate(runs):
        stream_run.check(f"{transport} stream {index + 1} of {count}", MAX_DIFF[transport])
    return runs, watch, before, after


def fn_floor(
    image: Any, passes: int, threads: int, seconds: float, decode: list[bytes] | None = None
) -> float:
    """Calls per second of the fn in ``threads`` threads of this process (no server, no
    transport): what the machine gives this fn right now. With ``decode`` (VP8 packets),
    as many more threads each decode them at :data:`PACE_FPS` meanwhile."""
    done = [0] * threads
    stop = time.perf_counter() + seconds
    decoders = [
        threading.Thread(target=_decode_paced, args=(decode, stop), daemon=True)
        for _ in range(threads if decode else 0)
    ]
    for decoder in decoders:
        decoder.start()

    def work(slot: int) -> None:
        while time.perf_counter() < stop:
            busy(image, passes)
            done[slot] += 1

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rate = sum(done) / (time.perf_counter() - started)
    for decoder in decoders:
        decoder.join()
    return rate


def _decode_paced(packets: list[bytes], stop: float) -> None:
    """Decode ``packets`` (a cycle starting at a key frame) one per 1/:data:`PACE_FPS`
    seconds until ``stop``, as a WebRTC server's decoder does for a camera."""
    import av

    codec = av.CodecContext.create("libvpx", "r")
    period = 1.0 / PACE_FPS
    due = time.perf_counter()
    index = 0
    while due < stop:
        for frame in codec.decode(av.Packet(packets[index % len(packets)])):
            del frame
        index += 1
        due += period
        time.sleep(max(0.0, due - time.perf_counter()))


async def _measure(
    ctx: RunContext,
    transports: tuple[str, ...],
    seconds: float,
    passes: int,
    fn_ms: float,
    frames: FrameSet,
) -> list[Record]:
    records = []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packets = encode_vp8(frames) if "webrtc" in transports else []
    with ServerProcess(busy_passes=passes) as server:
        for transport in transports:
            await _streams(server, frames, transport, 1, 1.0, packets)  # warm-up
            for count in STREAMS:
                client_cpu = time.process_time()
                runs, watch, before, after = await _streams(
                    server, frames, transport, count, seconds, packets
                )
                client_cpu_pct = (time.process_time() - client_cpu) / watch.wall * 100.0
                floor = fn_floor(
                    frames.raw[0],
                    passes,
                    count,
                    min(seconds, 3.0),
                    decode=packets if transport == "webrtc" else None,
                )
                total, rates = common_window(runs)
                latencies = [ms for stream_run in runs for ms in stream_run.latencies_ms]
                fairness = min(rates) / max(rates) if max(rates) > 0 else math.nan
                ideal = min(count, cores or 1) / (fn_ms / 1000.0)
                cpu_pct = (after["cpu_s"] - before["cpu_s"]) / watch.wall * 100.0
                record = Record(
                    scenario="concurrency",
                    transport=transport if transport == "websocket" else "webrtc/vp8",
                    size=size_label(*SIZE),
                    fps=total,
                    latency_ms_p50=percentile(latencies, 50),
                    latency_ms_p99=percentile(latencies, 99),
                    dropped=sum(
                        int(r.server_stats.get("dropped", r.skipped))
                        if r.server_stats
                        else r.skipped
                        for r in runs
                    ),
                    peak_rss_mb=round(after["peak_rss_mb"], 1),
                    floor_fps=floor,
                    variant=f"{count} stream{'s' if count > 1 else ''}",
                    summary=(
                        f"{total / floor * 100:.0f}% of floor, fairness "
                        f"{fairness:.2f}, per stream {min(rates):.1f}-{max(rates):.1f} fps, "
                        f"server cpu {cpu_pct:.0f}%, client cpu {client_cpu_pct:.0f}%"
                    ),
                    extra={
                        "streams": count,
                        "fn_ms": fn_ms,
                        "busy_passes": passes,
                        "fn": "numpy [1 2 1]/4 blur passes (no sleep)",
                        "ideal_fps": ideal,
                        "pct_of_floor": total / floor * 100.0,
                        "fairness": fairness,
                        "per_stream_fps": rates,
                        "server_cpu_pct": cpu_pct,
                        "client_cpu_pct": client_cpu_pct,
                        "floor_includes": FLOOR_INCLUDES[transport],
                        "client": "pre-encoded VP8"
                        if transport == "webrtc"
                        else "pre-encoded JPEG",
                        "cpu_pct": cpu_pct / count,
                        "seconds": seconds,
                        "max_mean_abs_diff": max(d for r in runs for d in r.diffs),
                    },
                )
                ctx.progress(f"{transport} {count} streams: {total:.1f} fps, {record.summary}")
                records.append(record)
    return records


def _peer(
    ctx: RunContext, frames: FrameSet, seconds: float, passes: int, records: list[Record]
) -> list[Record]:
    if ctx.quick:
        ctx.progress("peer fastrtc: not in quick mode (it takes about 40 s); run without --quick")
        return []
    ctx.progress(f"peer fastrtc {peer_version('fastrtc') or ''}: streams {STREAMS} ...")
    try:
        result = fastrtc_measure(
            frames.raw,
            fn="busy",
            streams=STREAMS,
            seconds=seconds,
            passes=passes,
            linger=1.0,
            stream=ctx.stream,
        )
    except PeerError as exc:
        ctx.progress(f"peer fastrtc skipped: {exc}")
        return []
    peers = []
    for figures in result["runs"]:
        count = figures["streams"]
        ours = [r for r in records if r.extra.get("streams") == count]
        mine = ours[-1] if ours else None
        ratio = ""
        if mine is not None and mine.fps and figures["total_fps"]:
            times = mine.fps / figures["total_fps"]
            ratio = f"; streamcore {mine.transport} {mine.fps:.1f} fps (x{times:.1f})"
        rates = [s["fps"] or 0.0 for s in figures["per_stream"]]
        summary = (
            f"FastRTC: {figures['total_fps']:.1f} fps, fairness {figures['fairness'] or 0:.2f}, "
            f"p50 {figures['latency_ms_p50'] or math.nan:.0f} ms{ratio}"
        )
        ctx.progress(f"{count} streams: {summary}")
        peers.append(
            Record(
                scenario="concurrency",
                transport="webrtc/vp8",
                size=size_label(*SIZE),
                fps=None,
                latency_ms_p50=figures["latency_ms_p50"],
                latency_ms_p99=figures["latency_ms_p99"],
                dropped=None,
                peak_rss_mb=round(figures["server_rss_mb_end"], 1),
                peer=f"fastrtc {result['version']}",
                peer_fps=figures["total_fps"],
                variant=f"peer: {count} stream{'s' if count > 1 else ''}",
                summary=summary,
                extra={"streams_peer": count, "per_stream_fps": rates, "peer_result": figures},
            )
        )
    return peers


def run(ctx: RunContext) -> list[Record]:
    seconds = 3.0 if ctx.quick else 10.0
    transports = ("websocket",) if ctx.quick else ("websocket", "webrtc")
    frames = make_frame_set(make_frame(*SIZE), lambda image: image)
    passes, fn_s = calibrate_busy(frames.raw[0], FN_SECONDS)
    frames.fn = lambda image: busy(image, passes)
    ctx.progress(f"the fn: {passes} blur passes = {fn_s * 1000:.1f} ms on one core here")
    records: list[Record] = anyio.run(
        _measure, ctx, transports, seconds, passes, fn_s * 1000.0, frames
    )
    return records + _peer(ctx, frames, seconds, passes, records)
