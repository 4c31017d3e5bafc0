"""The figures of a ``streamcore bench`` run, the "what bounds the rate" rule, and their
outputs: a text table, a JSON document and (with matplotlib) plots.

:func:`summarise` turns the :class:`~transports.bench.driver.StreamRun` of every stream of
one transport into a :class:`TransportReport`. ``docs/bench.md`` explains every figure.

**What bounds the rate** (:func:`bound`). Per frame, in milliseconds:

* ``server`` = the server's median time from a frame's arrival to its result being ready
  (its stream statistics: decode, the fn, encode, and any wait for the fn);
* ``codec`` = the codec work of one round trip, measured on this machine before the run
  (:func:`codec_cost_ms`): JPEG encode + decode both ways for WebSocket, VP8/H.264 encode +
  decode both ways for WebRTC; half of it is the server's;
* ``fn`` = ``server`` minus the codec work inside it (not below 0): over WebSocket the server
  decodes and encodes JPEG inside that time (half of ``codec``); over WebRTC it does not
  (aiortc decodes before and encodes after), so nothing is taken off;
* ``transport`` = the median camera-to-output latency minus ``server`` minus the rest of
  ``codec`` (not below 0): the wire, the queues and both event loops.

If the event's ``stream_every`` caps the rate below what was sent and the outputs reach
90 % of that cap, the bound is **stream_every** (the app's own setting, not a cost). Else if
the frames were paced (``--fps N``) and each stream's outputs kept up (at least 95 % of
N per second), the bound is the **source**: nothing downstream is saturated. Otherwise the
largest of ``fn``, ``codec`` and ``transport`` bounds the rate. Without the server's
statistics ``fn`` cannot be told from ``transport``, and the line says so.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

from streamcore.engine.frames import Pixels
from streamcore.media.encoding import decode, encode

from .driver import StreamRun, percentile
from .frames import CLIENT_JPEG_QUALITY

__all__ = [
    "KEEPING_UP",
    "Bound",
    "TransportReport",
    "bound",
    "codec_cost_ms",
    "format_table",
    "summarise",
    "write_json",
    "write_plots",
]

KEEPING_UP: Final = 0.95
"""Share of the paced rate a stream's outputs must reach for the source to be the bound."""
SERVER_JPEG_QUALITY: Final = 75
"""What a streaming ``Image`` output is encoded with by default (``docs/semantics.md``)."""


@dataclass(frozen=True)
class Bound:
    """Which stage bounds the rate (``fn``, ``codec``, ``transport``, ``source`` or
    ``unknown``), the per-frame milliseconds it was judged from, and the line to print."""

    stage: str
    fn_ms: float | None
    codec_ms: float
    transport_ms: float | None
    line: str


@dataclass
class TransportReport:
    """The figures of one transport's run (all its streams together). NaN or ``None`` where
    a figure could not be measured; ``docs/bench.md`` explains each."""

    transport: str
    codec: str
    streams: int
    size: str
    fps_target: float | None
    duration_s: float
    sent: int
    outputs: int
    matched: int
    unreadable: int
    unmatched: int
    checked: int
    changed: int
    fps_in: float
    fps_out: float
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms_p99: float
    drops: dict[str, int | None]
    errors: list[str]
    client_cpu_pct: float
    server_cpu_pct: float | None
    server_cpu_source: str
    server_ms_p50: float | None
    codec_ms: float
    bound: Bound
    problems: list[str]
    series: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Outputs came back, every one matched, and no stream failed."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (NaN as ``null``)."""
        document: dict[str, Any] = _clean(asdict(self) | {"ok": self.ok})
        return document


def codec_cost_ms(transport: str, codec: str, pictures: Sequence[Pixels], rounds: int = 8) -> float:
    """The codec work of one frame's round trip on this machine, in milliseconds (median of
    ``rounds`` frames after a warm-up): WebSocket: JPEG encode (q90, the client) + decode +
    encode (q75, the server) + decode; WebRTC: twice ``codec`` encode + decode with aiortc's
    own encoder and decoder (including the RGB<->YUV conversions)."""
    if transport == "websocket":
        samples = []
        for index in range(rounds + 2):
            pixels = pictures[index % len(pictures)]
            start = time.perf_counter()
            sent = encode(pixels, "jpeg", CLIENT_JPEG_QUALITY)
            back = encode(decode(sent), "jpeg", SERVER_JPEG_QUALITY)
            decode(back)
            samples.append((time.perf_counter() - start) * 1000.0)
        return statistics.median(samples[2:])
    return 2.0 * _rtc_pass_ms(codec, pictures, rounds)


def _rtc_pass_ms(codec: str, pictures: Sequence[Pixels], rounds: int) -> float:
    from aiortc.codecs import depayload, get_decoder, get_encoder
    from aiortc.jitterbuffer import JitterFrame
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters
    from av import VideoFrame

    mime = "video/VP8" if codec == "vp8" else "video/H264"
    parameters: dict[str, int | str | None] = {} if codec == "vp8" else {"packetization-mode": "1"}
    params = RTCRtpCodecParameters(
        mimeType=mime, clockRate=90_000, payloadType=96, parameters=parameters
    )
    encoder, decoder = get_encoder(params), get_decoder(params)
    samples = []
    for index in range(rounds + 2):
        start = time.perf_counter()
        frame = VideoFrame.from_ndarray(pictures[index % len(pictures)], format="rgb24")
        frame.pts = index * 3000
        frame.time_base = Fraction(1, 90_000)
        payloads, timestamp = encoder.encode(frame, force_keyframe=index == 0)
        data = b"".join(depayload(params, payload) for payload in payloads)
        for decoded in decoder.decode(JitterFrame(data=data, timestamp=timestamp)):
            if isinstance(decoded, VideoFrame):
                decoded.to_ndarray(format="rgb24")
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples[2:])


def bound(
    *,
    fps_target: float | None,
    fps_out_per_stream: float,
    latency_ms_p50: float,
    server_ms_p50: float | None,
    codec_ms: float,
    codec_in_server: bool = True,
    stream_every: float | None = None,
) -> Bound:
    """Which stage bounds the rate, by the rule in this module's docstring
    (``codec_in_server``: the server's time includes half of the codec work)."""
    if math.isnan(fps_out_per_stream) or math.isnan(latency_ms_p50):
        return Bound("unknown", None, codec_ms, None, "bound: unknown (too few outputs)")
    half = codec_ms / 2.0 if codec_in_server else 0.0
    cap = 1.0 / stream_every if stream_every else math.inf
    if (fps_target is None or fps_target > cap) and fps_out_per_stream >= 0.9 * cap:
        return Bound(
            "stream_every",
            None if server_ms_p50 is None else max(0.0, server_ms_p50 - half),
            codec_ms,
            None,
            f"bound: the app's stream_every={stream_every:g} s: the server hands the fn at "
            f"most {cap:.1f} frames a second per stream (it got {fps_out_per_stream:.1f}); "
            "the other frames are dropped by design",
        )
    if fps_target is not None and fps_out_per_stream >= KEEPING_UP * fps_target:
        return Bound(
            "source",
            None if server_ms_p50 is None else max(0.0, server_ms_p50 - half),
            codec_ms,
            None,
            f"bound: the source: every stream kept up with {fps_target:g} fps, so nothing "
            "downstream is saturated at this rate (try --fps max)",
        )
    if server_ms_p50 is None:
        rest = max(0.0, latency_ms_p50 - codec_ms)
        stage = "codec" if codec_ms >= rest else "unknown"
        what = "the codec" if stage == "codec" else "the fn or the transport"
        return Bound(
            stage,
            None,
            codec_ms,
            None,
            f"bound: {what}: codec {codec_ms:.1f} ms of a {latency_ms_p50:.1f} ms "
            "camera-to-output; the server gave no statistics, so the fn cannot be told "
            "from the transport",
        )
    fn_ms = max(0.0, server_ms_p50 - half)
    transport_ms = max(0.0, latency_ms_p50 - server_ms_p50 - (codec_ms - half))
    shares = {"fn": fn_ms, "codec": codec_ms, "transport": transport_ms}
    stage = max(shares, key=lambda name: shares[name])
    others = ", ".join(f"{name} {ms:.1f} ms" for name, ms in shares.items() if name != stage)
    return Bound(
        stage,
        fn_ms,
        codec_ms,
        transport_ms,
        f"bound: the {stage}: {shares[stage]:.1f} ms of each frame's "
        f"{latency_ms_p50:.1f} ms camera-to-output ({others}); "
        f"{fps_out_per_stream:.1f} fps per stream",
    )


def summarise(
    *,
    transport: str,
    codec: str,
    size: str,
    runs: Sequence[StreamRun],
    errors: Sequence[str],
    fps_target: float | None,
    duration_s: float,
    wall_s: float,
    client_cpu_s: float,
    server_cpu_s: float | None,
    server_cpu_source: str,
    codec_ms: float,
    stream_every: float | None = None,
) -> TransportReport:
    """One transport's report from its streams' runs (``errors``: what the streams raised;
    ``stream_every``: the event's setting, from the app's ``/config``)."""
    latencies = [ms for run in runs for ms in run.latencies_ms]
    sent = sum(run.sent for run in runs)
    outputs = sum(run.outputs for run in runs)
    matched = sum(run.matched for run in runs)
    fps_out = sum(0.0 if math.isnan(run.fps) else run.fps for run in runs)
    if not any(len(run.receive_times) >= 2 for run in runs):
        fps_out = math.nan
    span = [run.send_times[-1] - run.send_times[0] for run in runs if len(run.send_times) >= 2]
    fps_in = sum((len(run.send_times) - 1) / s for run, s in zip(runs, span, strict=False) if s > 0)
    stats = [run.server_stats for run in runs if run.server_stats]
    server_p50 = [s["latency_ms_p50"] for s in stats if s.get("latency_ms_p50") is not None]
    replaced = sum(int(s.get("dropped") or 0) for s in stats) if stats else None
    rejected = sum(int(s.get("rejected") or 0) for s in stats) if stats else None
    no_output = max(0, sent - matched)
    drops: dict[str, int | None] = {
        "no_output": no_output,
        "replaced_on_server": replaced,
        "rejected_on_server": rejected,
        "lost": None if replaced is None else max(0, no_output - replaced - (rejected or 0)),
        "outputs_replaced_on_server": (
            sum(int(s.get("outputs_dropped") or 0) for s in stats) if stats else None
        ),
        "gave_up_waiting": sum(run.lost for run in runs),
    }
    problems = [problem for run in runs for problem in run.problems()]
    problems += [f"stream failed: {error}" for error in errors]
    all_errors = list(errors) + [error for run in runs for error in run.frame_errors]
    server_ms = statistics.median(server_p50) if server_p50 else None
    p50 = percentile(latencies, 50)
    streams = len(runs)
    return TransportReport(
        transport=transport,
        codec=codec,
        streams=streams,
        size=size,
        fps_target=fps_target,
        duration_s=duration_s,
        sent=sent,
        outputs=outputs,
        matched=matched,
        unreadable=sum(run.unreadable for run in runs),
        unmatched=sum(run.unmatched for run in runs),
        checked=sum(len(run.input_diffs) for run in runs),
        changed=sum(run.changed for run in runs),
        fps_in=fps_in if span else math.nan,
        fps_out=fps_out,
        latency_ms_p50=p50,
        latency_ms_p95=percentile(latencies, 95),
        latency_ms_p99=percentile(latencies, 99),
        drops=drops,
        errors=all_errors,
        client_cpu_pct=client_cpu_s / wall_s * 100.0 if wall_s > 0 else math.nan,
        server_cpu_pct=(
            None if server_cpu_s is None or wall_s <= 0 else server_cpu_s / wall_s * 100.0
        ),
        server_cpu_source=server_cpu_source,
        server_ms_p50=server_ms,
        codec_ms=codec_ms,
        bound=bound(
            fps_target=fps_target,
            fps_out_per_stream=fps_out / streams if streams else math.nan,
            latency_ms_p50=p50,
            server_ms_p50=server_ms,
            codec_ms=codec_ms,
            codec_in_server=transport == "websocket",
            stream_every=stream_every,
        ),
        problems=problems,
        series=_series(runs),
    )


def _series(runs: Sequence[StreamRun]) -> dict[str, list[float]]:
    """Per-second figures over the run (all streams): fps in and out, latency p50 and p95;
    second ``i`` covers ``[i, i+1)`` from the first frame sent."""
    starts = [run.started for run in runs if not math.isnan(run.started)]
    if not starts:
        return {}
    origin = min(starts)
    last = max([t for run in runs for t in run.send_times + run.receive_times], default=origin)
    seconds = max(1, math.ceil(last - origin))
    fps_in = [0.0] * seconds
    fps_out = [0.0] * seconds
    latency: list[list[float]] = [[] for _ in range(seconds)]
    for run in runs:
        for t in run.send_times:
            fps_in[min(seconds - 1, int(t - origin))] += 1
        for t, ms in zip(run.receive_times, run.latencies_ms, strict=True):
            bucket = min(seconds - 1, int(t - origin))
            fps_out[bucket] += 1
            latency[bucket].append(ms)
    return {
        "t_s": [float(i) for i in range(seconds)],
        "fps_in": fps_in,
        "fps_out": fps_out,
        "latency_ms_p50": [percentile(values, 50) for values in latency],
        "latency_ms_p95": [percentile(values, 95) for values in latency],
    }


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _figure(value: float | None, unit: str = "", digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}{unit}"


def format_table(reports: Sequence[TransportReport]) -> str:
    """The end-of-run table: one column per transport, then each one's bound line."""
    rows: list[tuple[str, list[str]]] = [
        ("streams", [str(r.streams) for r in reports]),
        ("codec", [r.codec for r in reports]),
        ("fps in", [_figure(r.fps_in) for r in reports]),
        ("fps out", [_figure(r.fps_out) for r in reports]),
        ("latency p50", [_figure(r.latency_ms_p50, " ms") for r in reports]),
        ("latency p95", [_figure(r.latency_ms_p95, " ms") for r in reports]),
        ("latency p99", [_figure(r.latency_ms_p99, " ms") for r in reports]),
        ("sent / outputs", [f"{r.sent} / {r.outputs}" for r in reports]),
        ("matched", [f"{r.matched} of {r.outputs}" for r in reports]),
        ("changed by fn", [f"{r.changed} of {r.checked} checked" for r in reports]),
        ("dropped: no output", [str(r.drops["no_output"]) for r in reports]),
        ("  replaced on server", [_count(r.drops["replaced_on_server"]) for r in reports]),
        ("  lost / in flight", [_count(r.drops["lost"]) for r in reports]),
        ("  rejected on server", [_count(r.drops["rejected_on_server"]) for r in reports]),
        ("errors", [str(len(r.errors)) for r in reports]),
        ("client CPU", [_figure(r.client_cpu_pct, " %", 0) for r in reports]),
        (
            "server CPU",
            [
                f"{_figure(r.server_cpu_pct, ' %', 0)} ({r.server_cpu_source})"
                if r.server_cpu_pct is not None
                else r.server_cpu_source
                for r in reports
            ],
        ),
        ("server ms/frame p50", [_figure(r.server_ms_p50, " ms") for r in reports]),
        ("codec ms/frame", [_figure(r.codec_ms, " ms") for r in reports]),
        ("outputs", ["ok" if r.ok else "WRONG" for r in reports]),
    ]
    header = ("", [r.transport for r in reports])
    label_width = max(len(label) for label, _ in [header, *rows])
    widths = [max(len(cells[i]) for _, cells in [header, *rows]) for i in range(len(reports))]
    lines = []
    for label, cells in [header, *rows]:
        padded = "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))
        lines.append(f"{label.ljust(label_width)}  {padded}")
    for report in reports:
        lines.append(f"{report.transport}: {report.bound.line}")
        lines.extend(f"{report.transport}: WRONG: {problem}" for problem in report.problems)
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def write_json(path: Path, run: dict[str, Any], reports: Sequence[TransportReport]) -> None:
    """Write ``{"run": {...}, "transports": [...], "ok": bool}`` to ``path``."""
    document = {
        "run": _clean(run),
        "transports": [report.as_dict() for report in reports],
        "ok": all(report.ok for report in reports),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def write_plots(directory: Path, reports: Sequence[TransportReport]) -> list[Path] | None:
    """Two PNGs in ``directory``: latency over time and fps over time, one line per
    transport. ``None`` (nothing written) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, title, keys, ylabel in (
        ("latency.png", "camera-to-output latency", ("latency_ms_p50", "latency_ms_p95"), "ms"),
        ("fps.png", "frames per second", ("fps_in", "fps_out"), "fps"),
    ):
        figure, axes = plt.subplots(figsize=(7, 3.6))
        for report in reports:
            series = report.series
            if not series:
                continue
            for key in keys:
                values = [math.nan if v is None else v for v in series[key]]
                style = "-" if key in ("latency_ms_p50", "fps_out") else "--"
                label = f"{report.transport} {key.replace('latency_ms_', '').replace('_', ' ')}"
                axes.plot(series["t_s"], values, style, marker=".", label=label)
        axes.set_title(f"streamcore bench: {title}")
        axes.set_xlabel("seconds from the first frame")
        axes.set_ylabel(ylabel)
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
        figure.tight_layout()
        path = directory / name
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written
