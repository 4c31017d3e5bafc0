"""``core``: what streamcore's session pipeline costs per frame, next to the JPEG floor.

Three measurements per frame size, interleaved round by round (the order flips every
round) so that load from other processes falls on all of them alike:

* **pipeline**: a :class:`~streamcore.engine.session.StreamSession` with ``stream_every=0`` and
  a sync handler that does what a ``.stream`` event does for a streaming ``Image`` output:
  ``Image(sources="webcam", streaming=True).preprocess_frame`` -> an identity fn ->
  ``Image(streaming=True).postprocess`` (JPEG q75, base64 ``data:`` URL). The driver keeps
  two frames in flight: one being handled, one waiting in the slot (never starved, never
  flooded); each received output lets one more frame in (see :func:`_drive`).
* **floor**: ``encoding.encode(pixels, "jpeg")`` + ``encoding.to_data_url`` in a tight
  loop on the same frame: the work the pipeline cannot avoid.
* **round trip**: the same session with a handler that returns at once, one frame in
  flight (send, wait for the output, send the next): the session's own cost per frame
  (slot, wake the worker thread, hand the result back to the event loop), which a client
  that waits for each result before sending the next frame pays on top of the fn.

The overhead is ``(pipeline_ms - floor_ms) / floor_ms`` from the medians; the goal is
under 5 %. The last output is decoded and compared with the input (and with the floor's
output) so a fast but wrong pipeline fails loudly.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, Final

import anyio
import numpy as np
import PIL.Image

import streamcore
from streamcore.engine.frames import Frame, Pixels
from streamcore.media.encoding import decode, encode, parse_data_url, to_data_url
from streamcore.media.image_data import ImageData

from .harness import (
    BenchmarkError,
    Record,
    RunContext,
    Stopwatch,
    median,
    peak_rss_mb,
    pinned_to_one_cpu,
    quartiles,
    relative_iqr_pct,
    size_label,
)

__all__ = ["DESCRIPTION", "make_frame", "run"]

DESCRIPTION: Final = (
    "per-frame cost of StreamSession + Image preprocess/postprocess (identity fn) "
    "vs the raw JPEG + data URL floor"
)

GOAL_PCT: Final = 5.0
"""The pipeline may cost at most this much more than the floor."""
MAX_MEAN_ABS_DIFF: Final = 3.0
"""How far (mean absolute difference, 0-255) a JPEG round trip may move the pixels."""
IN_FLIGHT: Final = 2
"""Frames in the session at once: one in the handler, one waiting in the slot."""
# How long the driver lets go of the GIL so the worker can take a frame (doubling up to the
# maximum): well under one encode (about 0.5 ms at 640x480), so the worker never runs dry.
_SETTLE_PAUSE_S: Final = 50e-6
_MAX_SETTLE_PAUSE_S: Final = 400e-6
SIZES: Final = ((640, 480), (1280, 720))
VARIANTS: Final = (None, "1 cpu")
"""``None``: the threads run where the OS puts them. ``"1 cpu"``: the process is pinned to
one CPU, so the event loop and the worker thread share it and every microsecond of the
session's own CPU time shows in the wall time (what a server with busy cores sees)."""
MIME: Final = "image/jpeg"


@dataclass(frozen=True)
class Settings:
    """How much to measure: frames per timed run for each size, rounds after warm-up."""

    frames: dict[tuple[int, int], int]
    round_trip_frames: int
    rounds: int
    warmup_rounds: int = 1


FULL: Final = Settings({(640, 480): 600, (1280, 720): 250}, round_trip_frames=2000, rounds=11)
QUICK: Final = Settings({(640, 480): 300, (1280, 720): 100}, round_trip_frames=500, rounds=5)


@dataclass(frozen=True)
class Run:
    """One timed run: how long it took and how many results it produced."""

    wall_s: float
    cpu_s: float
    outputs: int
    last_value: Any = None
    received: int = 0
    dropped: int = 0
    outputs_dropped: int = 0
    latency_ms_p50: float | None = None
    latency_ms_p99: float | None = None

    @property
    def ms(self) -> float:
        return self.wall_s / self.outputs * 1000.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / self.outputs * 1000.0


# -- the frame ---------------------------------------------------------------------------


def make_frame(width: int, height: int, seed: int = 20240607) -> Pixels:
    """A camera-like RGB frame: smooth colour gradients, a soft texture and mild sensor
    noise, from a fixed seed. It JPEG-encodes to a realistic size (about 25 KB at 640x480,
    q75) and survives the round trip within :data:`MAX_MEAN_ABS_DIFF`."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, np.newaxis]
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[np.newaxis, :]
    red, green, blue = np.broadcast_arrays(40 + 180 * x, 30 + 190 * y, 200 - 120 * x * y)
    base = np.stack([red, green, blue], axis=-1)
    cell = 8  # the texture varies over about 8 pixels
    coarse = rng.normal(0.0, 10.0, (height // cell + 1, width // cell + 1, 3)).astype(np.float32)
    texture = np.stack(
        [
            np.asarray(PIL.Image.fromarray(coarse[:, :, c]).resize((width, height)))
            for c in range(3)
        ],
        axis=-1,
    )
    noise = rng.normal(0.0, 2.0, (height, width, 3))
    pixels: Pixels = np.clip(np.rint(base + texture + noise), 0, 255).astype(np.uint8)
    return pixels


# -- the three measurements ---------------------------------------------------------------


def identity(value: Any) -> Any:
    """The user fn: returns its input."""
    return value


def make_stream_handler() -> Callable[[Frame], ImageData | None]:
    """The sync handler a ``.stream`` event runs for ``Image`` in, ``identity``, ``Image`` out."""
    image_in = streamcore.Image(sources="webcam", streaming=True)
    image_out = streamcore.Image(streaming=True)

    def handle(frame: Frame) -> ImageData | None:
        pixels = frame.pixels
        if not isinstance(pixels, np.ndarray):
            raise TypeError("the core benchmark sends decoded frames")
        value = image_in.preprocess_frame(pixels)
        result = identity(value)
        return image_out.postprocess(result)

    return handle


def return_at_once(frame: Frame) -> int:
    """A handler that does no work: what is left is the session's own cost."""
    return frame.seq


async def run_session(
    handler: Callable[[Frame], Any], pixels: Pixels, frames: int, *, in_flight: int = IN_FLIGHT
) -> Run:
    """Time ``frames`` frames through a fresh session, ``in_flight`` (1 or 2) at a time.

    One untimed frame goes through first so the worker thread is running when the clock
    starts (its latency is one of the session's samples). Raises :class:`BenchmarkError`
    if the stream ends early.
    """
    if in_flight not in (1, 2):
        raise ValueError("a session holds at most 2 frames: one in the fn, one in the slot")
    async with streamcore.open_stream(handler, stream_every=0, idle_timeout=None) as session:
        session.send_nowait(pixels)  # seq 0: the untimed warm-up frame
        await _receive(session)
        before = session.statistics()
        with Stopwatch() as watch:
            last, received = await _drive(session, pixels, frames, in_flight)
        after = session.statistics()
    return Run(
        wall_s=watch.wall,
        cpu_s=watch.cpu,
        outputs=after.processed - before.processed,
        last_value=last.value,
        received=received,
        dropped=after.dropped - before.dropped,
        outputs_dropped=after.outputs_dropped - before.outputs_dropped,
        latency_ms_p50=after.latency_ms_p50,
        latency_ms_p99=after.latency_ms_p99,
    )


async def _drive(
    session: streamcore.StreamSession, pixels: Pixels, frames: int, in_flight: int
) -> tuple[streamcore.StreamOutput, int]:
    """Send frames 1..``frames`` (the warm-up frame was 0), keeping ``in_flight`` in the
    session: each output received lets more in. Returns the last output and how many
    outputs were received.

    Outputs come in frame order and the last frame is never replaced, so its output always
    arrives; an output numbered ``seq`` means every frame up to ``seq`` is done.
    """
    feeder = _Feeder(session, pixels, frames, in_flight)
    feeder.top_up()
    received = 0
    while True:
        output = await _receive(session)
        received += 1
        if output.seq >= frames:
            return output, received
        feeder.done_up_to(output.seq)
        feeder.top_up()


class _Feeder:
    """Keeps ``in_flight`` frames in a session without flooding it.

    With two in flight one frame is in the fn and one waits in the slot, so the worker
    never waits for a frame. Sending two frames back to back does not get there: the
    worker thread cannot take the first before the event loop thread lets go of the GIL,
    so the second replaces it. So between two sends in one turn the loop thread blocks
    briefly with the GIL released (with a core of its own the worker encodes meanwhile;
    on one shared CPU the pause costs a context switch or two), and a send that replaced a
    frame anyway (counted as dropped by the session) leaves the count in flight unchanged.
    Counting by sequence number also copes with an output replaced in the session's outbox
    before it was received.
    """

    def __init__(
        self, session: streamcore.StreamSession, pixels: Pixels, frames: int, in_flight: int
    ) -> None:
        self._session = session
        self._pixels = pixels
        self._frames = frames
        self._in_flight = in_flight
        self._alive: deque[int] = deque()  # frames sent and not done yet, oldest first
        self._sent = 0

    def done_up_to(self, seq: int) -> None:
        """Every frame up to ``seq`` was handled or dropped."""
        while self._alive and self._alive[0] <= seq:
            self._alive.popleft()

    def top_up(self) -> None:
        pause = 0.0
        while len(self._alive) < self._in_flight and self._sent < self._frames:
            if pause:  # a second send in this turn: let the worker take the first one
                time.sleep(pause)
            pause = min(2 * pause, _MAX_SETTLE_PAUSE_S) if pause else _SETTLE_PAUSE_S
            self._sent += 1
            if self._session.send_nowait(self._pixels):
                self._alive.pop()  # it replaced the newest frame, which was still waiting
            self._alive.append(self._sent)


async def _receive(session: streamcore.StreamSession) -> streamcore.StreamOutput:
    try:
        return await session.receive()
    except streamcore.StreamClosedError:
        end = session.end
        error = end.error if end is not None else None
        raise BenchmarkError(f"the stream ended before its last output: {end}") from error


def run_floor(pixels: Pixels, frames: int) -> Run:
    """Time the raw JPEG encode + data URL of ``pixels``, ``frames`` times in a row."""
    url = ""
    with Stopwatch() as watch:
        for _ in range(frames):
            url = to_data_url(encode(pixels, "jpeg"), MIME)
    return Run(wall_s=watch.wall, cpu_s=watch.cpu, outputs=frames, last_value=url)


# -- checking ---------------------------------------------------------------------------


def check_output(pixels: Pixels, pipeline_value: Any, floor_url: str) -> dict[str, Any]:
    """Decode the pipeline's last output and compare it with the input and the floor.

    Raises :class:`BenchmarkError` if it is not a JPEG data URL of the input within
    :data:`MAX_MEAN_ABS_DIFF`. Returns the figures of the check for the record.
    """
    if not isinstance(pipeline_value, ImageData) or pipeline_value.url is None:
        raise BenchmarkError(f"the pipeline returned {pipeline_value!r}, not an ImageData URL")
    url = pipeline_value.url
    if not url.startswith(f"data:{MIME};base64,") or pipeline_value.mime_type != MIME:
        raise BenchmarkError(f"the pipeline's output is not a JPEG data URL: {url[:40]!r}...")
    pipeline_diff = _mean_abs_diff(pixels, url, "pipeline")
    floor_diff = _mean_abs_diff(pixels, floor_url, "floor")
    return {
        "mean_abs_diff": round(pipeline_diff, 3),
        "floor_mean_abs_diff": round(floor_diff, 3),
        "same_bytes_as_floor": url == floor_url,
        "jpeg_bytes": len(parse_data_url(url)[1]),
        "data_url_chars": len(url),
    }


def _mean_abs_diff(pixels: Pixels, url: str, what: str) -> float:
    decoded = decode(parse_data_url(url)[1])
    if decoded.shape != pixels.shape:
        raise BenchmarkError(f"the {what} output is {decoded.shape}, the input {pixels.shape}")
    diff = float(np.abs(decoded.astype(np.int16) - pixels.astype(np.int16)).mean())
    if not diff < MAX_MEAN_ABS_DIFF:
        raise BenchmarkError(
            f"the {what} output differs from the input by {diff:.2f} on average "
            f"(a JPEG round trip stays under {MAX_MEAN_ABS_DIFF})"
        )
    return diff


# -- one size -----------------------------------------------------------------------------


@dataclass
class _Samples:
    pixels: Pixels
    pipeline: list[Run]
    floor: list[Run]
    round_trip: list[Run]


async def _measure(
    ctx: RunContext, width: int, height: int, settings: Settings, variant: str | None
) -> _Samples:
    pixels = make_frame(width, height)
    frames = settings.frames[(width, height)]
    handler = make_stream_handler()
    samples = _Samples(pixels, [], [], [])
    total = settings.warmup_rounds + settings.rounds
    for index in range(total):
        warm = index < settings.warmup_rounds
        steps: list[str] = ["pipeline", "floor", "round_trip"]
        if index % 2:
            steps.reverse()
        results: dict[str, Run] = {}
        for step in steps:
            if step == "pipeline":
                results[step] = await run_session(handler, pixels, frames)
            elif step == "floor":
                results[step] = run_floor(pixels, frames)
            else:
                results[step] = await run_session(
                    return_at_once, pixels, settings.round_trip_frames, in_flight=1
                )
        check_output(pixels, results["pipeline"].last_value, results["floor"].last_value)
        if not warm:
            samples.pipeline.append(results["pipeline"])
            samples.floor.append(results["floor"])
            samples.round_trip.append(results["round_trip"])
        label = "warm-up" if warm else f"round {index - settings.warmup_rounds + 1}"
        ctx.progress(
            f"{_label(size_label(width, height), variant)} {label}/{settings.rounds}: "
            f"pipeline {results['pipeline'].ms:.3f} ms/frame, "
            f"floor {results['floor'].ms:.3f} ms/frame, "
            f"round trip {results['round_trip'].ms * 1000:.1f} us/frame"
        )
    return samples


def _label(size: str, variant: str | None) -> str:
    return f"{size} [{variant}]" if variant else size


def _record(width: int, height: int, samples: _Samples, frames: int, variant: str | None) -> Record:
    pipeline_ms = median([run.ms for run in samples.pipeline])
    floor_ms = median([run.ms for run in samples.floor])
    cpu_ms = median([run.cpu_ms for run in samples.pipeline])
    floor_cpu_ms = median([run.cpu_ms for run in samples.floor])
    overhead = (pipeline_ms - floor_ms) / floor_ms * 100.0
    cpu_overhead = (cpu_ms - floor_cpu_ms) / floor_cpu_ms * 100.0
    paired = [
        (p.ms - f.ms) / f.ms * 100.0 for p, f in zip(samples.pipeline, samples.floor, strict=True)
    ]
    paired_q1, _, paired_q3 = quartiles(paired)
    round_trip_us = median([run.ms for run in samples.round_trip]) * 1000.0
    check = check_output(
        samples.pixels, samples.pipeline[-1].last_value, samples.floor[-1].last_value
    )
    met = overhead < GOAL_PCT
    dropped = sum(run.dropped for run in samples.pipeline)
    replaced_pct = dropped / (dropped + sum(run.outputs for run in samples.pipeline)) * 100.0
    p99s = [run.latency_ms_p99 for run in samples.pipeline if run.latency_ms_p99 is not None]
    p50s = [run.latency_ms_p50 for run in samples.pipeline if run.latency_ms_p50 is not None]
    return Record(
        scenario="core",
        transport="in-process",
        size=size_label(width, height),
        fps=1000.0 / pipeline_ms,
        latency_ms_p50=median(p50s) if p50s else None,
        latency_ms_p99=median(p99s) if p99s else None,
        dropped=dropped,
        peak_rss_mb=round(peak_rss_mb(), 1),
        floor_fps=1000.0 / floor_ms,
        variant=variant,
        summary=(
            f"{overhead:+.1f}% vs floor (goal <{GOAL_PCT:g}%: {'met' if met else 'NOT met'}), "
            f"cpu {cpu_overhead:+.1f}%, {replaced_pct:.0f}% replaced, "
            f"round trip {round_trip_us:.0f} us"
        ),
        extra={
            "pipeline_ms": pipeline_ms,
            "floor_ms": floor_ms,
            "overhead_pct": overhead,
            "overhead_pct_paired_iqr": [paired_q1, paired_q3],
            "goal_pct": GOAL_PCT,
            "goal_met": met,
            "cpu_ms_per_frame": cpu_ms,
            "floor_cpu_ms_per_frame": floor_cpu_ms,
            "cpu_overhead_pct": cpu_overhead,
            "session_round_trip_us": round_trip_us,
            "pipeline_noise_pct": relative_iqr_pct([run.ms for run in samples.pipeline]),
            "floor_noise_pct": relative_iqr_pct([run.ms for run in samples.floor]),
            "latency_ms_p99_max": max(p99s) if p99s else None,
            "replaced_pct": replaced_pct,
            "outputs_dropped": sum(run.outputs_dropped for run in samples.pipeline),
            "frames_per_run": frames,
            "rounds": len(samples.pipeline),
            "pipeline_ms_runs": [run.ms for run in samples.pipeline],
            "floor_ms_runs": [run.ms for run in samples.floor],
            "encoder": "simplejpeg" if find_spec("simplejpeg") else "pillow",
            "base64": "pybase64" if find_spec("pybase64") else "stdlib",
            **check,
        },
    )


# -- the scenario ---------------------------------------------------------------------------


def run(ctx: RunContext) -> list[Record]:
    """Measure every size in :data:`SIZES` in every variant in :data:`VARIANTS`."""
    settings = QUICK if ctx.quick else FULL
    records = []
    for width, height in SIZES:
        for variant in VARIANTS:
            record = _measure_variant(ctx, width, height, settings, variant)
            if record is not None:
                records.append(record)
    return records


def _measure_variant(
    ctx: RunContext, width: int, height: int, settings: Settings, variant: str | None
) -> Record | None:
    if variant is None:
        samples = anyio.run(_measure, ctx, width, height, settings, variant)
    else:
        with pinned_to_one_cpu() as cpu:
            if cpu is None:
                ctx.progress(f"threads cannot be pinned here: no {variant!r} figures")
                return None
            samples = anyio.run(_measure, ctx, width, height, settings, variant)
    record = _record(width, height, samples, settings.frames[(width, height)], variant)
    for line in _verdict(record):
        ctx.progress(line)
    return record


def _verdict(record: Record) -> list[str]:
    figures = record.extra
    name = _label(record.size, record.variant)
    q1, q3 = figures["overhead_pct_paired_iqr"]
    same = figures["same_bytes_as_floor"]
    lines = [
        f"{name}: pipeline {figures['pipeline_ms']:.3f} ms/frame "
        f"(cpu {figures['cpu_ms_per_frame']:.3f}), floor {figures['floor_ms']:.3f} ms/frame "
        f"(cpu {figures['floor_cpu_ms_per_frame']:.3f}); {record.dropped} frames "
        f"({figures['replaced_pct']:.0f}%) replaced before the worker took them",
        f"{name}: overhead {figures['overhead_pct']:+.1f}% (middle half of the rounds "
        f"{q1:+.1f}% to {q3:+.1f}%): goal <{GOAL_PCT:g}% "
        f"{'MET' if figures['goal_met'] else 'NOT MET'}",
        f"{name}: output checked: mean abs diff {figures['mean_abs_diff']:.2f} "
        f"(limit {MAX_MEAN_ABS_DIFF:g}), {'identical to' if same else 'DIFFERENT from'} "
        "the floor's JPEG",
    ]
    if not same:
        lines.append(
            "warning: the pipeline's JPEG differs from the floor's: the two do not encode "
            "the same way, so the overhead compares unlike work"
        )
    return lines
