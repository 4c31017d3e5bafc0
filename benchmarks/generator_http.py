"""``generator_http``: the ``generator`` scenario over Gradio's HTTP API, through the real
``gradio_client``, against streamcore and against Gradio (the peer), in the same run.

Both servers run the same fake_diffusion generator (:func:`benchmarks.workloads.
fake_diffusion`, no sleep: ``steps`` random 600x600 float images, then a 1000x1000 orange
one) to the same two outputs, under the same ``api_name``:

* ``Image()`` (``fake_diffusion``): each yield is a WebP file (Pillow's defaults) in the
  server's cache; ``gradio_client`` downloads it from ``/gradio_api/file=``;
* ``Image(streaming=True)`` (``fake_diffusion_stream``): streamcore sends each yield inline
  as a JPEG (q75) data URL (no file); Gradio writes a WebP file as for ``Image()``.

streamcore's server is :mod:`benchmarks.server_process` (a process of its own), Gradio's is
``benchmarks/peers/gradio_server.py`` in the gradio peer's virtualenv; both answer ``stats``
(CPU time, RSS) on a pipe. The client is ``gradio_client`` in this process, one
``Client(url)`` per server, as a user writes it: ``job = client.submit(steps, seed,
api_name=...)`` and ``for value in job`` (every yield, each one reaching this process: a
file downloaded, or a data URL). The rate is images reaching the client per second of wall
time from ``submit`` to the last yield.

Rounds interleave the four configurations (2 servers x 2 outputs), flipping the order every
round; both servers get the same seeds (one per round and output), so they make the same
images. After each job every image received is decoded and compared with the same image
encoded locally as the server should have (WebP at Pillow's defaults, or JPEG q75): both
servers' must match it up to decoder rounding (Gradio's WebP files decode to the same pixels
as the local ones); the final one must be the orange 1000x1000 image. The local encoding,
timed in one thread, is the **floor**.

Goal (the issue's): streamcore at least :data:`GOALS` times Gradio's images/s (1.5x with
``Image()``, 5x with ``Image(streaming=True)``).
"""

from __future__ import annotations

import base64
import contextlib
import importlib.metadata
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import PIL.Image

from streamcore.media.convert import to_uint8
from streamcore.media.encoding import encode

from .diffusion_checks import check_diffusion_images
from .harness import (
    BenchmarkError,
    Record,
    RunContext,
    Stopwatch,
    median,
    relative_iqr_pct,
)
from .peers import SCRIPTS, peer_python, peer_version
from .server_process import API, ServerProcess
from .workloads import DIFFUSION_SEED, DIFFUSION_SIZE, fake_diffusion

__all__ = ["DESCRIPTION", "GOALS", "run"]

DESCRIPTION: Final = (
    "fake_diffusion (no sleep) through gradio_client over Gradio's HTTP API, images/s: "
    "streamcore vs Gradio, Image() and Image(streaming=True)"
)


@dataclass(frozen=True)
class Output:
    """One output kind: its key, its event's ``api_name``, what streamcore should send."""

    key: str
    api_name: str
    label: str
    streamcore_format: str
    """The encoding streamcore's images must match (``webp`` or ``jpeg``)."""


OUTPUTS: Final = (
    Output("image", API["diffusion"], "Image()", "webp"),
    Output("streaming", API["diffusion_stream"], "Image(streaming=True)", "jpeg"),
)
GOALS: Final = {"image": 1.5, "streaming": 5.0}
"""streamcore's images/s over Gradio's, per output kind, that the issue asks for."""
SYSTEMS: Final = ("streamcore", "gradio")


@dataclass(frozen=True)
class Settings:
    steps: int
    rounds: int


FULL: Final = Settings(steps=30, rounds=5)
QUICK: Final = Settings(steps=10, rounds=2)


@dataclass
class _Samples:
    rate: list[float] = field(default_factory=list)
    first_image_ms: list[float] = field(default_factory=list)
    client_cpu_ms: list[float] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)
    diffs: list[float] = field(default_factory=list)
    delivered_as: set[str] = field(default_factory=set)
    peak_rss_mb: float = 0.0


@dataclass
class _Floor:
    rate: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    rate: float
    first_image_ms: float
    client_cpu_ms: float
    server_cpu_ms: float
    images: list[bytes]
    delivered_as: set[str]


def _expected(fmt: str, steps: int, seed: int) -> tuple[float, float, list[bytes]]:
    """The floor: make the job's images and encode them as ``fmt``, in this thread:
    (images/s, CPU ms per image, the encoded images)."""
    encoded = []
    with Stopwatch() as watch:
        for value in fake_diffusion(steps, seed):
            encoded.append(_encode_as(to_uint8(value), fmt))
    count = steps + 1
    return count / watch.wall, watch.cpu / count * 1000.0, encoded


GRADIO_WEBP: Final = "gradio-webp"
"""What Gradio writes: WebP at Pillow's defaults (quality 80, method 4); streamcore's
``webp`` is quicker to make (``streamcore.media.encoding.WEBP_METHOD``)."""


def _encode_as(pixels: Any, fmt: str) -> bytes:
    if fmt == GRADIO_WEBP:
        buffer = io.BytesIO()
        PIL.Image.fromarray(pixels).save(buffer, format="WEBP")
        return buffer.getvalue()
    return encode(pixels, fmt)


def _received_bytes(value: Any) -> tuple[bytes, str]:
    """The image bytes of one value ``gradio_client`` gave, and how it came: a path to a
    downloaded file, or a FileData dict whose ``url`` is a ``data:`` URL (which
    ``gradio_client`` leaves as it is). Raises :class:`BenchmarkError` for anything else."""
    if isinstance(value, str) and Path(value).is_file():
        return Path(value).read_bytes(), "file"
    if isinstance(value, dict):
        url = value.get("url")
        path = value.get("path")
        if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
            return base64.b64decode(url.split(",", 1)[1]), "data URL (FileData dict)"
        if isinstance(path, str) and Path(path).is_file():
            return Path(path).read_bytes(), "file (FileData dict)"
    raise BenchmarkError(f"gradio_client gave neither a file nor a data URL: {value!r:.200}")


def _job(client: Any, server: ServerProcess, output: Output, steps: int, seed: int) -> _Job:
    """Submit one job through ``gradio_client`` and iterate every yield."""
    before = server.stats()
    values = []
    first = None
    with Stopwatch() as watch:
        started = time.perf_counter()
        job = client.submit(steps, seed, api_name="/" + output.api_name)
        for value in job:
            if first is None:
                first = time.perf_counter() - started
            values.append(value)
    after = server.stats()
    count = len(values)
    if count != steps + 1:
        raise BenchmarkError(
            f"{output.label}: gradio_client gave {count} images for {steps} steps + 1"
        )
    received = [_received_bytes(value) for value in values]
    return _Job(
        rate=count / watch.wall,
        first_image_ms=(first or 0.0) * 1000.0,
        client_cpu_ms=watch.cpu / count * 1000.0,
        server_cpu_ms=(after["cpu_s"] - before["cpu_s"]) / count * 1000.0,
        images=[data for data, _ in received],
        delivered_as={how for _, how in received},
    )


def _client(url: str, directory: Path) -> Any:
    """A ``gradio_client.Client`` of ``url`` that downloads files into ``directory``."""
    try:
        from gradio_client import Client
    except ImportError as exc:
        raise RuntimeError(
            "generator_http needs gradio_client in this virtualenv: pip install -e '.[test]'"
        ) from exc
    return Client(url, verbose=False, download_files=str(directory), httpx_kwargs={"timeout": 60})


@contextlib.contextmanager
def _servers(ctx: RunContext) -> Iterator[dict[str, ServerProcess]]:
    """streamcore's benchmark server, and Gradio's when its virtualenv is there."""
    with contextlib.ExitStack() as stack:
        servers = {"streamcore": stack.enter_context(ServerProcess())}
        python = peer_python("gradio")
        if python is None:
            ctx.progress("peer gradio skipped: no gradio virtualenv (run --setup-peers)")
        else:
            ctx.progress(f"peer gradio {peer_version('gradio')}: starting its server")
            command = [str(python), str(SCRIPTS / "gradio_server.py")]
            servers["gradio"] = stack.enter_context(ServerProcess(command=command))
        yield servers


def _measure(
    ctx: RunContext, settings: Settings
) -> tuple[dict[tuple[str, str], _Samples], dict[str, _Floor], dict[str, Any]]:
    """Run the rounds: the samples per (system, output key), the floors per output key, and
    Gradio's hello line (empty without the peer). Raises :class:`BenchmarkError` when a
    received image is wrong."""
    samples = {(system, o.key): _Samples() for system in SYSTEMS for o in OUTPUTS}
    floors = {o.key: _Floor() for o in OUTPUTS}
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    with (
        _servers(ctx) as servers,
        tempfile.TemporaryDirectory(prefix="streamcore-bench-") as scratch,
    ):
        hello = servers["gradio"].hello if "gradio" in servers else {}
        directories = {name: Path(scratch) / name for name in servers}
        clients = {name: _client(s.url, directories[name]) for name, s in servers.items()}
        try:
            configurations = [(name, o) for o in OUTPUTS for name in servers]
            seed = DIFFUSION_SEED + 5000
            for name, output in configurations:  # warm-up
                _job(clients[name], servers[name], output, 3, seed)
            for index in range(settings.rounds):
                order = configurations if index % 2 == 0 else configurations[::-1]
                seeds = {o.key: seed + 1 + i for i, o in enumerate(OUTPUTS)}
                seed += len(OUTPUTS)
                expected: dict[tuple[str, str], list[bytes]] = {}
                for name, output in order:
                    fmt = output.streamcore_format if name == "streamcore" else GRADIO_WEBP
                    job = _job(
                        clients[name], servers[name], output, settings.steps, seeds[output.key]
                    )
                    shutil.rmtree(directories[name], ignore_errors=True)
                    if (fmt, output.key) not in expected:
                        floor, floor_cpu, images = _expected(fmt, settings.steps, seeds[output.key])
                        expected[fmt, output.key] = images
                        if fmt == output.streamcore_format:
                            floors[output.key].rate.append(floor)
                            floors[output.key].cpu_ms.append(floor_cpu)
                    label = f"{name} {output.label}"
                    sample = samples[name, output.key]
                    sample.diffs.extend(
                        check_diffusion_images(label, job.images, expected[fmt, output.key])
                    )
                    sample.rate.append(job.rate)
                    sample.first_image_ms.append(job.first_image_ms)
                    sample.client_cpu_ms.append(job.client_cpu_ms)
                    sample.server_cpu_ms.append(job.server_cpu_ms)
                    sample.delivered_as |= job.delivered_as
                for name, server in servers.items():
                    peak = float(server.stats()["peak_rss_mb"])
                    for output in OUTPUTS:
                        sample = samples[name, output.key]
                        sample.peak_rss_mb = max(sample.peak_rss_mb, peak)
                ctx.progress(
                    f"round {index + 1}/{settings.rounds}: "
                    + "; ".join(
                        f"{output.label} "
                        + ", ".join(
                            f"{name} {samples[name, output.key].rate[-1]:.1f}" for name in servers
                        )
                        + " images/s"
                        for output in OUTPUTS
                    )
                )
        finally:
            for client in clients.values():
                client.close()
    return samples, floors, hello


def run(ctx: RunContext) -> list[Record]:
    """Measure (see the module docstring) and return one record per system and output."""
    settings = QUICK if ctx.quick else FULL
    samples, floors, hello = _measure(ctx, settings)
    client_version = importlib.metadata.version("gradio_client")
    gradio = f"gradio {hello['version']}" if hello else None
    if hello and hello.get("gradio_client") != client_version:
        ctx.progress(
            f"note: the client here is gradio_client {client_version}, Gradio's own "
            f"virtualenv has {hello.get('gradio_client')}"
        )
    records = []
    for output in OUTPUTS:
        ours = samples["streamcore", output.key]
        peer = samples["gradio", output.key]
        rate = median(ours.rate)
        peer_rate = median(peer.rate) if peer.rate else None
        floor = median(floors[output.key].rate)
        ratio = rate / peer_rate if peer_rate else None
        paired = [a / b for a, b in zip(ours.rate, peer.rate, strict=False)]
        goal = GOALS[output.key]
        met = None if ratio is None else ratio >= goal
        verdict = (
            "no Gradio peer"
            if ratio is None
            else f"x{ratio:.2f} Gradio (goal >=x{goal:g}: {'met' if met else 'NOT met'}; "
            f"per round x{median(paired):.2f})"
        )
        common = {
            "unit": "images/s",
            "steps": settings.steps,
            "gradio_client": client_version,
        }
        records.append(
            Record(
                scenario="generator_http",
                transport="gradio_api",
                size=f"{DIFFUSION_SIZE}x{DIFFUSION_SIZE}",
                fps=rate,
                latency_ms_p50=None,
                latency_ms_p99=None,
                dropped=0,
                peak_rss_mb=round(ours.peak_rss_mb, 1),
                floor_fps=floor,
                peer=gradio,
                peer_fps=peer_rate,
                variant=output.label,
                summary=(
                    f"{verdict}; server cpu {median(ours.server_cpu_ms):.1f} ms/image, client "
                    f"cpu {median(ours.client_cpu_ms):.1f}; as {_joined(ours.delivered_as)}"
                ),
                extra={
                    **common,
                    "ratio_to_peer": ratio,
                    "ratio_paired_median": median(paired) if paired else None,
                    "ratio_paired_runs": paired,
                    "goal_ratio": goal,
                    "goal_met": met,
                    "encoding": output.streamcore_format,
                    "delivered_as": sorted(ours.delivered_as),
                    **_figures(ours),
                    "floor_cpu_ms_per_image": median(floors[output.key].cpu_ms),
                    "floor_runs": floors[output.key].rate,
                },
            )
        )
        if peer_rate is not None:
            records.append(
                Record(
                    scenario="generator_http",
                    transport="gradio_api",
                    size=f"{DIFFUSION_SIZE}x{DIFFUSION_SIZE}",
                    fps=peer_rate,
                    latency_ms_p50=None,
                    latency_ms_p99=None,
                    dropped=0,
                    peak_rss_mb=round(peer.peak_rss_mb, 1),
                    peer=gradio,
                    peer_fps=peer_rate,
                    variant=f"peer: {output.label}",
                    summary=(
                        f"Gradio; streamcore {rate:.1f} images/s (x{rate / peer_rate:.2f}); server "
                        f"cpu {median(peer.server_cpu_ms):.1f} ms/image, client cpu "
                        f"{median(peer.client_cpu_ms):.1f}; as {_joined(peer.delivered_as)}"
                    ),
                    extra={
                        **common,
                        "encoding": "webp",
                        "delivered_as": sorted(peer.delivered_as),
                        **_figures(peer),
                    },
                )
            )
    return records


def _figures(sample: _Samples) -> dict[str, Any]:
    return {
        "first_image_ms": median(sample.first_image_ms),
        "server_cpu_ms_per_image": median(sample.server_cpu_ms),
        "client_cpu_ms_per_image": median(sample.client_cpu_ms),
        "rate_noise_pct": relative_iqr_pct(sample.rate),
        "rate_runs": sample.rate,
        "max_mean_abs_diff": max(sample.diffs),
    }


def _joined(words: set[str]) -> str:
    return ", ".join(sorted(words))
