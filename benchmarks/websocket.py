"""``websocket``: frames round trip through the real server and ``AsyncClient``, next to the
floor of the same decode + encode with no network.

The server (:mod:`benchmarks.server_process`, a process of its own) serves a stream event
``identity`` (streaming ``Image`` in and out, ``stream_every=0``, ``concurrency_limit=None``).
The client sends JPEG frames (quality 90, pre-encoded: the client's encode is not measured),
the server decodes each, calls the identity fn, encodes JPEG quality 75 and sends it back,
as a binary message (``binary_frames=True``) or as a base64 data URL in JSON
(``binary_frames=False``); the client decodes it. Configurations per size and mode:

* 1 client, 1 frame in flight (lock-step: every frame pays the whole loop round trip);
* 1 client, 2 frames in flight (the server decodes one while the other is on the wire);
* 8 clients at once, 2 in flight each.

**Floor**: in the benchmark process, one thread, no network: decode the client's JPEG,
encode JPEG q75 (+ base64 data URL in base64 mode), frame after frame. Goal: 1 client with
2 in flight reaches at least 80 % of the floor's fps.

Rounds interleave every configuration and the floor (order flipped each round) after one
warm-up round; figures are medians over the rounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import anyio

from streamcore.media.encoding import decode, encode, to_data_url
from transports.bench import (
    CAMERA_IN_FLIGHT,
    Feed,
    FrameSet,
    StreamRun,
    common_window,
    make_frame_set,
    percentile,
    ws_stream,
)

from .core import make_frame
from .harness import (
    BenchmarkError,
    Record,
    RunContext,
    Stopwatch,
    median,
    peak_rss_mb,
    relative_iqr_pct,
    size_label,
)
from .server_process import API, ServerProcess
from .workloads import identity

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = (
    "JPEG round trip through the server and AsyncClient (binary / base64, 1 and 8 clients) "
    "vs decode + encode with no network"
)

GOAL_PCT: Final = 80.0
MAX_DIFF: Final = 4.0
"""Mean absolute difference allowed after JPEG q90 in and q75 out (about 1.5 measured)."""
SIZES: Final = ((640, 480), (1280, 720))
MODES: Final = (("binary", True), ("base64", False))
CONFIGS: Final = ((1, 1, False), (1, 2, False), (8, 2, False))
"""(clients, frames in flight per client, whether AsyncClient's own window keeps them)."""
CLIENT_WINDOW_CONFIG: Final = (1, 2, True)
"""Full mode only: 2 in flight kept by ``AsyncClient(max_in_flight=2)`` itself, which loses
a permit for good on every frame the server drops (see README)."""


@dataclass(frozen=True)
class Settings:
    frames: dict[tuple[int, int], int]
    rounds: int


FULL: Final = Settings({(640, 480): 600, (1280, 720): 240}, rounds=5)
QUICK: Final = Settings({(640, 480): 100, (1280, 720): 40}, rounds=2)


@dataclass
class _Samples:
    fps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    fairness: list[float] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)
    client_cpu_ms: list[float] = field(default_factory=list)
    dropped: int = 0
    outputs_dropped: int = 0
    lost: int = 0
    diffs: list[float] = field(default_factory=list)


def _floor(frames: FrameSet, count: int, base64: bool) -> tuple[float, float]:
    """(fps, cpu ms per frame) of decode + encode (+ data URL), one thread."""
    with Stopwatch() as watch:
        for index in range(count):
            pixels = decode(frames.jpeg[index % frames.count])
            data = encode(pixels, "jpeg")
            if base64:
                to_data_url(data, "image/jpeg")
    return count / watch.wall, watch.cpu / count * 1000.0


async def _measure_config(
    server: ServerProcess,
    frames: FrameSet,
    config: tuple[int, int, bool],
    binary: bool,
    count: int,
) -> tuple[list[StreamRun], float, float, float]:
    """Run ``clients`` streams at once; returns their runs, the total fps in the window where
    all ran, and the server's and this process's CPU ms per output."""
    clients, in_flight, client_window = config
    per_client = count if clients == 1 else max(30, count // 4)
    feeds = [
        Feed(
            frames,
            count=per_client,
            window=None if client_window else in_flight,
            first_alone=True,
        )
        for _ in range(clients)
    ]
    before = server.stats()
    runs: list[StreamRun] = []
    with Stopwatch() as watch:
        async with anyio.create_task_group() as tasks:

            async def one(feed: Feed) -> None:
                runs.append(
                    await ws_stream(
                        server.url,
                        feed,
                        api_name=API["identity"],
                        binary=binary,
                        max_in_flight=in_flight if client_window else CAMERA_IN_FLIGHT,
                    )
                )

            for feed in feeds:
                tasks.start_soon(one, feed)
    after = server.stats()
    outputs = sum(run.outputs for run in runs)
    for index, stream_run in enumerate(runs):
        stream_run.check(f"client {index + 1} of {clients}", MAX_DIFF)
    total = common_window(runs)[0] if clients > 1 else runs[0].fps
    server_cpu = (after["cpu_s"] - before["cpu_s"]) / outputs * 1000.0
    return runs, total, server_cpu, watch.cpu / outputs * 1000.0


async def _measure(ctx: RunContext, settings: Settings) -> list[Record]:
    configs = CONFIGS if ctx.quick else (*CONFIGS, CLIENT_WINDOW_CONFIG)
    records = []
    with ServerProcess() as server:
        for width, height in SIZES:
            frames = make_frame_set(make_frame(width, height), identity)
            count = settings.frames[(width, height)]
            records.extend(await _measure_size(ctx, server, frames, count, settings, configs))
    return records


Key = tuple[str, bool, tuple[int, int, bool]]


def _config_label(config: tuple[int, int, bool]) -> str:
    clients, in_flight, client_window = config
    label = f"{clients} client{'s' if clients > 1 else ''} x {in_flight} in flight"
    return label + (" (AsyncClient window)" if client_window else "")


async def _measure_size(
    ctx: RunContext,
    server: ServerProcess,
    frames: FrameSet,
    count: int,
    settings: Settings,
    configs: tuple[tuple[int, int, bool], ...],
) -> list[Record]:
    size = size_label(frames.width, frames.height)
    keys: list[Key] = [(mode, binary, config) for mode, binary in MODES for config in configs]
    samples = {key: _Samples() for key in keys}
    floors: dict[str, list[tuple[float, float]]] = {mode: [] for mode, _ in MODES}
    peak_server = 0.0
    for _, binary in MODES:  # warm-up: threads, allocator, caches; thrown away
        _floor(frames, count // 2, base64=not binary)
        await _measure_config(server, frames, (1, 2, False), binary, max(30, count // 2))
    for index in range(settings.rounds):
        order = list(keys) if index % 2 == 0 else list(reversed(keys))
        floor_first = index % 2 == 1
        if floor_first:
            for mode, binary in MODES:
                floors[mode].append(_floor(frames, count, base64=not binary))
        for key in order:
            _, binary, config = key
            runs, fps, server_cpu, client_cpu = await _measure_config(
                server, frames, config, binary, count
            )
            _add(samples[key], runs, fps, server_cpu, client_cpu)
        if not floor_first:
            for mode, binary in MODES:
                floors[mode].append(_floor(frames, count, base64=not binary))
        peak_server = max(peak_server, server.stats()["peak_rss_mb"])
        ctx.progress(
            f"{size} round {index + 1}/{settings.rounds}: "
            + ", ".join(
                f"{mode} {config[0]}x{config[1]}{'c' if config[2] else ''} "
                f"{samples[(mode, binary, config)].fps[-1]:.0f}"
                for mode, binary, config in keys
            )
            + " fps; floor "
            + ", ".join(f"{mode} {floors[mode][-1][0]:.0f}" for mode, _ in MODES)
            + " fps"
        )
    records = []
    for mode, binary, config in keys:
        sample = samples[(mode, binary, config)]
        floor_fps = median([fps for fps, _ in floors[mode]])
        floor_cpu = median([cpu for _, cpu in floors[mode]])
        records.append(_record(size, mode, config, sample, floor_fps, floor_cpu, peak_server))
        ctx.progress(f"{size} {mode} {_config_label(config)}: {records[-1].summary}")
    return records


def _add(
    sample: _Samples, runs: list[StreamRun], fps: float, server_cpu: float, client_cpu: float
) -> None:
    sample.fps.append(fps)
    latencies = [value for run in runs for value in run.latencies_ms]
    sample.p50.append(percentile(latencies, 50))
    sample.p99.append(percentile(latencies, 99))
    if len(runs) > 1:
        rates = common_window(runs)[1]
        sample.fairness.append(min(rates) / max(rates))
    sample.server_cpu_ms.append(server_cpu)
    sample.client_cpu_ms.append(client_cpu)
    sample.dropped += sum(run.server_stats.get("dropped", 0) for run in runs)
    sample.outputs_dropped += sum(run.server_stats.get("outputs_dropped", 0) for run in runs)
    sample.lost += sum(run.lost for run in runs)
    sample.diffs.extend(d for run in runs for d in run.diffs)


def _record(
    size: str,
    mode: str,
    config: tuple[int, int, bool],
    sample: _Samples,
    floor_fps: float,
    floor_cpu_ms: float,
    peak_server: float,
) -> Record:
    clients, in_flight, client_window = config
    fps = median(sample.fps)
    ratio = fps / floor_fps * 100.0
    server_cpu = median(sample.server_cpu_ms)
    goal_applies = config == (1, 2, False)
    met = ratio >= GOAL_PCT
    per_stream_cpu_pct = server_cpu * fps / clients / 10.0  # ms/frame * frames/s / 1000 * 100
    fairness = median(sample.fairness) if sample.fairness else None
    summary = (
        f"{ratio:.0f}% of floor"
        + (f" (goal >={GOAL_PCT:g}%: {'met' if met else 'NOT met'})" if goal_applies else "")
        + f", server cpu {server_cpu:.2f} ms/frame vs floor {floor_cpu_ms:.2f}"
        + (f", fairness {fairness:.2f}" if fairness is not None else "")
    )
    if sample.dropped or sample.outputs_dropped:
        summary += f", {sample.dropped}+{sample.outputs_dropped} dropped in/out"
    return Record(
        scenario="websocket",
        transport=f"websocket/{mode}",
        size=size,
        fps=fps,
        latency_ms_p50=median(sample.p50),
        latency_ms_p99=median(sample.p99),
        dropped=sample.dropped,
        peak_rss_mb=round(peak_server, 1),
        floor_fps=floor_fps,
        variant=_config_label(config),
        summary=summary,
        extra={
            "clients": clients,
            "in_flight": in_flight,
            "window_kept_by": "AsyncClient" if client_window else "benchmark",
            "pct_of_floor": ratio,
            "goal_pct": GOAL_PCT if goal_applies else None,
            "goal_met": met if goal_applies else None,
            "server_cpu_ms_per_frame": server_cpu,
            "floor_cpu_ms_per_frame": floor_cpu_ms,
            "server_cpu_overhead_us_per_frame": (server_cpu - floor_cpu_ms) * 1000.0,
            "client_cpu_ms_per_frame": median(sample.client_cpu_ms),
            "cpu_pct": per_stream_cpu_pct,
            "fairness": fairness,
            "outputs_dropped": sample.outputs_dropped,
            "lost": sample.lost,
            "fps_noise_pct": relative_iqr_pct(sample.fps),
            "fps_runs": sample.fps,
            "max_mean_abs_diff": max(sample.diffs),
            "benchmark_peak_rss_mb": round(peak_rss_mb(), 1),
            "rounds": len(sample.fps),
        },
    )


def run(ctx: RunContext) -> list[Record]:
    settings = QUICK if ctx.quick else FULL
    records: list[Record] = anyio.run(_measure, ctx, settings)
    if any(math.isnan(record.fps or math.nan) for record in records):
        raise BenchmarkError("a configuration produced no steady window of outputs")
    return records
