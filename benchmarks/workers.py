"""``workers``: one port, 1 worker process against 2 (``streamcore serve --workers N``).

The benchmark app (:mod:`benchmarks.workers_app`) runs under ``python -m streamcore serve
benchmarks.workers_app:demo --workers N``; 8 clients at once stream 640x480 JPEG frames
(2 in flight each, binary outputs) to the ``identity`` event (decode, identity fn, JPEG
encode on the server). Figures: total outputs per second while all 8 ran, latency, and
the CPU of the whole server (the supervisor and its workers, from ``/proc``) per output.
Rounds alternate 1 and 2 workers after a warm-up; figures are medians over the rounds.

On a machine whose clients share the cores with the server (this benchmark's, on 2
cores) the second worker competes with the clients; the figure says what a second
process buys there, not on a dedicated server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import anyio

from transports.bench import Feed, StreamRun, common_window, make_frame_set, percentile, ws_stream

from .core import make_frame
from .harness import BenchmarkError, Record, RunContext, median, peak_rss_mb, relative_iqr_pct
from .server_process import API
from .workloads import identity

__all__ = ["DESCRIPTION", "run", "serve_workers", "tree_cpu_seconds"]

DESCRIPTION: Final = "8 clients on one port: streamcore serve with 1 worker vs 2 workers"

CLIENTS: Final = 8
IN_FLIGHT: Final = 2
SIZE: Final = (640, 480)
MAX_DIFF: Final = 4.0
WORKER_COUNTS: Final = (1, 2)
_REPO: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    frames_per_client: int
    rounds: int


FULL: Final = Settings(frames_per_client=300, rounds=3)
QUICK: Final = Settings(frames_per_client=80, rounds=1)


@dataclass
class _Samples:
    fps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)
    dropped: int = 0


@contextlib.contextmanager
def serve_workers(workers: int, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """``streamcore serve`` with ``workers`` processes on a free port: (URL, supervisor pid).
    ``env``: more environment variables for the server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "streamcore",
        "serve",
        "benchmarks.workers_app:demo",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(_REPO)}
    process = subprocess.Popen(command, cwd=_REPO, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchmarkError(f"streamcore serve --workers {workers} did not start")
            time.sleep(0.1)
        time.sleep(1.0 if workers > 1 else 0.0)  # every worker has loaded the app
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2) as response:
            return bool(response.read() == b"ok")
    except (urllib.error.URLError, ConnectionError):
        return False


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children, from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        process, parent = int(entry.name), int(fields[1])
        if process == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def _round(url: str, pid: int, settings: Settings, samples: _Samples) -> None:
    frames = make_frame_set(make_frame(*SIZE), identity)
    feeds = [
        Feed(frames, count=settings.frames_per_client, window=IN_FLIGHT, first_alone=True)
        for _ in range(CLIENTS)
    ]
    runs: list[StreamRun] = []

    async def one(feed: Feed) -> None:
        runs.append(await ws_stream(url, feed, api_name=API["identity"], binary=True))

    cpu_before = tree_cpu_seconds(pid)
    async with anyio.create_task_group() as tasks:
        for feed in feeds:
            tasks.start_soon(one, feed)
    cpu = tree_cpu_seconds(pid) - cpu_before
    for index, stream_run in enumerate(runs):
        stream_run.check(f"client {index + 1} of {CLIENTS}", MAX_DIFF)
    outputs = sum(stream_run.outputs for stream_run in runs)
    latencies = [ms for stream_run in runs for ms in stream_run.latencies_ms]
    samples.fps.append(common_window(runs)[0])
    samples.p50.append(percentile(latencies, 50))
    samples.p99.append(percentile(latencies, 99))
    samples.server_cpu_ms.append(cpu / outputs * 1000.0)
    samples.dropped += sum(stream_run.skipped for stream_run in runs)


def _measure(ctx: RunContext, settings: Settings) -> list[Record]:
    samples = {workers: _Samples() for workers in WORKER_COUNTS}
    for number in range(settings.rounds + 1):  # round 0 warms up
        order = WORKER_COUNTS if number % 2 == 0 else tuple(reversed(WORKER_COUNTS))
        for workers in order:
            with serve_workers(workers) as (url, pid):
                kept = samples[workers] if number > 0 else _Samples()
                anyio.run(_round, url, pid, settings, kept)
            if number > 0:
                ctx.progress(
                    f"round {number}: {workers} worker(s) {kept.fps[-1]:.1f} fps, "
                    f"p50 {kept.p50[-1]:.1f} ms"
                )
    one = median(samples[1].fps)
    return [_record(workers, samples[workers], one) for workers in WORKER_COUNTS]


def _record(workers: int, sample: _Samples, one_worker_fps: float) -> Record:
    fps = median(sample.fps)
    return Record(
        scenario="workers",
        transport="websocket/binary",
        size=f"{SIZE[0]}x{SIZE[1]}",
        fps=round(fps, 1),
        latency_ms_p50=round(median(sample.p50), 2),
        latency_ms_p99=round(median(sample.p99), 2),
        dropped=sample.dropped,
        peak_rss_mb=round(peak_rss_mb(), 1),
        variant=f"{workers} worker{'s' if workers > 1 else ''}, {CLIENTS} clients x {IN_FLIGHT}",
        summary=(
            f"{fps / one_worker_fps * 100:.0f}% of 1 worker's fps, "
            f"server cpu {median(sample.server_cpu_ms):.2f} ms/frame (all processes)"
        ),
        extra={
            "workers": workers,
            "server_cpu_ms_per_frame": round(median(sample.server_cpu_ms), 3),
            "fps_runs": sample.fps,
            "fps_noise_pct": relative_iqr_pct(sample.fps),
            "rounds": len(sample.fps),
        },
    )


def run(ctx: RunContext) -> list[Record]:
    return _measure(ctx, QUICK if ctx.quick else FULL)
