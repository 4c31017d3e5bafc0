"""``generator``: a yield-based app (fake_diffusion without its sleep) streaming every image
to ``AsyncClient``, next to the floor of making and encoding the same images.

The server (:mod:`benchmarks.server_process`, a process of its own) runs
:func:`benchmarks.workloads.fake_diffusion`: ``steps`` random 600x600 float images, then a
1000x1000 orange one. The client calls ``submit(steps, seed)`` and iterates the job, as
``gradio_client`` users do; each value it gets is a local file. Two outputs:

* ``Image()`` (the example's ``outputs="image"``): each yield is converted to uint8, encoded
  as WebP at Pillow's defaults (what Gradio does), stored in the server's file cache and
  sent as a path; the client downloads it (``GET /file=...``).
* ``Image(streaming=True)``: each yield is sent inline as a JPEG (q75) base64 data URL,
  streamcore's fast path; the client writes it to a file.

**Floor**, in the benchmark process, one thread, no transport: make the same images,
``to_uint8``, encode as the output does (WebP; or JPEG + base64 data URL). Goal: the images
reaching the client per second are at least 80 % of the floor's.

**Peer**: Gradio 6 with the same generator, ``gradio_client`` ``submit`` + iterate
(``benchmarks/peers/gradio_generator.py``, in its own virtualenv: ``--setup-peers``).

Each job has its own seed, so neither the server's content-addressed cache nor the client's
downloads can serve a repeat; after each job every file received is decoded and compared
with the local encoding of the same image (they must be identical up to decoder rounding).
"""

from __future__ import annotations

import itertools
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Final

import anyio

from streamcore.media.convert import to_uint8
from streamcore.media.encoding import encode, to_data_url

from .diffusion_checks import check_diffusion_images
from .harness import (
    BenchmarkError,
    Record,
    RunContext,
    Stopwatch,
    median,
    relative_iqr_pct,
)
from .peers import PeerError, peer_python, peer_version, run_peer_script
from .server_process import API, ServerProcess
from .workloads import DIFFUSION_SEED, DIFFUSION_SIZE, fake_diffusion

__all__ = ["DESCRIPTION", "run"]

DESCRIPTION: Final = (
    "fake_diffusion (no sleep) yields to AsyncClient, images/s vs making + encoding them; "
    "Gradio peer"
)

GOAL_PCT: Final = 80.0
OUTPUTS: Final = (
    ("webp", "diffusion", "Image() -> WebP file"),
    ("jpeg", "diffusion_stream", "Image(streaming=True) -> JPEG data URL"),
)


@dataclass(frozen=True)
class Settings:
    steps: int
    rounds: int
    peer_steps: int


FULL: Final = Settings(steps=30, rounds=5, peer_steps=30)
QUICK: Final = Settings(steps=10, rounds=2, peer_steps=10)


@dataclass
class _Samples:
    rate: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    latency_first_ms: list[float] = field(default_factory=list)
    gaps_ms: list[float] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    floor_cpu_ms: list[float] = field(default_factory=list)
    diffs: list[float] = field(default_factory=list)


def _floor(fmt: str, steps: int, seed: int) -> tuple[float, float, list[bytes]]:
    """(images/s, cpu ms per image, the encoded images) of making and encoding them."""
    encoded = []
    with Stopwatch() as watch:
        for value in fake_diffusion(steps, seed):
            pixels = to_uint8(value)
            if fmt == "webp":
                encoded.append(encode(pixels, "webp"))
            else:
                data = encode(pixels, "jpeg")
                to_data_url(data, "image/jpeg")
                encoded.append(data)
    count = steps + 1
    return count / watch.wall, watch.cpu / count * 1000.0, encoded


async def _job(
    server: ServerProcess, fmt: str, api: str, steps: int, seed: int
) -> tuple[float, list[bytes], list[float], float]:
    """Submit one job and iterate it: (images/s, the files' bytes, arrival times, server
    cpu seconds)."""
    from transports.client import AsyncClient

    with tempfile.TemporaryDirectory(prefix="streamcore-bench-") as directory:
        async with AsyncClient(server.url, download_dir=directory) as client:
            before = server.stats()
            started = time.perf_counter()
            job = await client.submit(steps, seed, api_name=API[api])
            paths, arrivals = [], []
            async for value in job:
                arrivals.append(time.perf_counter() - started)
                paths.append(str(value))
            elapsed = time.perf_counter() - started
            after = server.stats()
            files = [await anyio.Path(path).read_bytes() for path in paths]
    if len(files) != steps + 1:
        raise BenchmarkError(f"{fmt}: the client got {len(files)} images for {steps} steps + 1")
    return len(files) / elapsed, files, arrivals, after["cpu_s"] - before["cpu_s"]


async def _measure(ctx: RunContext, settings: Settings) -> dict[str, _Samples]:
    samples = {fmt: _Samples() for fmt, _, _ in OUTPUTS}
    seed = DIFFUSION_SEED
    with ServerProcess() as server:
        for fmt, api, _ in OUTPUTS:  # warm-up
            seed += 1
            _floor(fmt, 3, seed)
            await _job(server, fmt, api, 3, seed)
        for index in range(settings.rounds):
            order = OUTPUTS if index % 2 == 0 else tuple(reversed(OUTPUTS))
            for fmt, api, _ in order:
                seed += 1
                sample = samples[fmt]
                floor_first = index % 2 == 1
                if floor_first:
                    floor, floor_cpu, expected = _floor(fmt, settings.steps, seed)
                rate, files, arrivals, server_cpu = await _job(
                    server, fmt, api, settings.steps, seed
                )
                if not floor_first:
                    floor, floor_cpu, expected = _floor(fmt, settings.steps, seed)
                sample.diffs.extend(check_diffusion_images(fmt, files, expected))
                sample.rate.append(rate)
                sample.floor.append(floor)
                sample.floor_cpu_ms.append(floor_cpu)
                sample.server_cpu_ms.append(server_cpu / (settings.steps + 1) * 1000.0)
                sample.latency_first_ms.append(arrivals[0] * 1000.0)
                sample.gaps_ms.extend((b - a) * 1000.0 for a, b in itertools.pairwise(arrivals))
            peak = server.stats()["peak_rss_mb"]
            for sample in samples.values():
                sample.peak_rss_mb = max(sample.peak_rss_mb, peak)
            ctx.progress(
                f"round {index + 1}/{settings.rounds}: "
                + ", ".join(
                    f"{fmt} {samples[fmt].rate[-1]:.1f} images/s (floor "
                    f"{samples[fmt].floor[-1]:.1f})"
                    for fmt, _, _ in OUTPUTS
                )
            )
    return samples


def _peer(ctx: RunContext, settings: Settings) -> dict[str, Any] | None:
    python = peer_python("gradio")
    if python is None:
        ctx.progress(
            "peer gradio: no virtualenv (run `python -m benchmarks --setup-peers`); skipped"
        )
        return None
    ctx.progress(f"peer gradio {peer_version('gradio')}: starting (imports take a few s)")
    rounds = max(1, settings.rounds // 2)
    try:
        result = run_peer_script(
            python,
            "gradio_generator.py",
            ["--steps", str(settings.peer_steps), "--rounds", str(rounds)],
            timeout=300,
            stream=ctx.stream,
        )
    except PeerError as exc:
        ctx.progress(f"peer gradio FAILED: {exc}")
        return {"error": str(exc)}
    ctx.progress(f"peer gradio: {result['images_per_s']:.1f} images/s")
    return result


def run(ctx: RunContext) -> list[Record]:
    settings = QUICK if ctx.quick else FULL
    samples: dict[str, _Samples] = anyio.run(_measure, ctx, settings)
    peer = _peer(ctx, settings)
    records = []
    for fmt, _, label in OUTPUTS:
        sample = samples[fmt]
        rate, floor = median(sample.rate), median(sample.floor)
        ratio = rate / floor * 100.0
        met = ratio >= GOAL_PCT
        peer_rate = None
        peer_note = ""
        if fmt == "webp" and peer is not None and "images_per_s" in peer:
            peer_rate = float(peer["images_per_s"])
            peer_note = f", Gradio {peer_rate:.1f} images/s (x{rate / peer_rate:.1f})"
        elif fmt == "webp" and peer is not None:
            peer_note = ", Gradio peer failed"
        records.append(
            Record(
                scenario="generator",
                transport="websocket",
                size=f"{DIFFUSION_SIZE}x{DIFFUSION_SIZE}",
                fps=rate,
                latency_ms_p50=None,
                latency_ms_p99=None,
                dropped=0,
                peak_rss_mb=round(sample.peak_rss_mb, 1),
                floor_fps=floor,
                peer="gradio " + str(peer_version("gradio")) if peer_rate is not None else None,
                peer_fps=peer_rate,
                variant=label,
                summary=(
                    f"{ratio:.0f}% of floor (goal >={GOAL_PCT:g}%: {'met' if met else 'NOT met'}),"
                    f" server cpu {median(sample.server_cpu_ms):.1f} ms/image vs floor "
                    f"{median(sample.floor_cpu_ms):.1f}{peer_note}"
                ),
                extra={
                    "unit": "images/s",
                    "steps": settings.steps,
                    "pct_of_floor": ratio,
                    "goal_pct": GOAL_PCT,
                    "goal_met": met,
                    "first_image_ms": median(sample.latency_first_ms),
                    "gap_ms_p50": _pct(sample.gaps_ms, 50),
                    "gap_ms_p99": _pct(sample.gaps_ms, 99),
                    "server_cpu_ms_per_image": median(sample.server_cpu_ms),
                    "floor_cpu_ms_per_image": median(sample.floor_cpu_ms),
                    "rate_noise_pct": relative_iqr_pct(sample.rate),
                    "rate_runs": sample.rate,
                    "floor_runs": sample.floor,
                    "max_mean_abs_diff": max(sample.diffs),
                    "peer_result": peer if fmt == "webp" else None,
                },
            )
        )
    return records


def _pct(values: list[float], q: float) -> float | None:
    from transports.bench import percentile

    return percentile(values, q) if values else None
