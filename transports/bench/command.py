"""``python -m streamcore bench TARGET --api-name /name`` (or ``streamcore bench``).

Drives the stream event ``--api-name`` of TARGET (a running server's URL, or ``app.py:demo``
served for the run on a free port and stopped after) with numbered frames over each chosen
transport, shows a live progress display, then prints a table of the figures and the line
saying which stage bounds the rate; optionally writes them as JSON (``--json``) and plots
(``--plot``). ``docs/bench.md`` explains every figure.

Exit status: 0 when outputs came back and every one matched its input frame; 1 when a
transport got no output, a wrong one (unreadable or unmatched counter), or a stream failed
(slow is never a failure); 2 on bad usage (bad options, a target that cannot be reached or
loaded, an unknown ``--api-name``: the message lists the app's stream events).
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import anyio

from streamcore.engine.frames import Pixels
from streamcore.media.marks import MIN_HEIGHT, MIN_WIDTH

from .driver import CAMERA_IN_FLIGHT, Feed, StreamRun, rtc_stream, ws_stream
from .frames import SourceError, live_frame_set, load_pictures, synthetic_camera
from .progress import make_progress
from .report import TransportReport, codec_cost_ms, format_table, summarise, write_json, write_plots
from .target import Target, TargetError, stream_events

__all__ = ["EXIT_MISMATCH", "EXIT_OK", "EXIT_USAGE", "add_parser", "main", "run"]

EXIT_OK: Final = 0
EXIT_MISMATCH: Final = 1
EXIT_USAGE: Final = 2
TRANSPORTS: Final = ("websocket", "webrtc")
WARMUP: Final = 5
"""Outputs of each stream left out of the rates and latencies (connection start-up)."""
STREAM_GRACE_S: Final = 30.0
"""Seconds the streams may take to end after their frames ran out before they are cut."""


class UsageError(Exception):
    """Bad usage found after parsing (exit status 2)."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``bench`` command to ``commands`` (an ``add_subparsers`` result)."""
    bench: argparse.ArgumentParser = commands.add_parser(
        "bench",
        help="measure an app's stream event over WebSocket and/or WebRTC",
        description="Drive a stream event with numbered frames and report fps, latency, "
        "drops, errors and CPU (see docs/bench.md). Exit status: 0 outputs matched, "
        "1 wrong or missing outputs, 2 bad usage.",
    )
    bench.add_argument("target", metavar="TARGET", help="http://host:port/ or app.py:demo")
    bench.add_argument("--api-name", required=True, help="the stream event to drive, e.g. /predict")
    bench.add_argument(
        "--transport",
        choices=[*TRANSPORTS, "both"],
        default="websocket",
        help="(default: websocket)",
    )
    bench.add_argument("--size", type=_size, default=(640, 480), help="WxH (default 640x480)")
    bench.add_argument(
        "--fps", type=_fps, default=30.0, help="frames per second per stream, or max (default 30)"
    )
    bench.add_argument("--streams", type=_positive, default=1, help="concurrent clients")
    bench.add_argument(
        "--duration", type=_seconds, default=10.0, help="seconds per transport (default 10)"
    )
    bench.add_argument(
        "--in-flight",
        type=_positive,
        default=1,
        help="with --fps max: frames awaiting their output per stream (default 1)",
    )
    bench.add_argument("--codec", choices=["vp8", "h264"], default="vp8", help="WebRTC codec")
    bench.add_argument(
        "--source", type=Path, help="a video file or a folder of images (default: synthetic camera)"
    )
    bench.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON")
    bench.add_argument("--plot", type=Path, metavar="DIR", help="write PNG plots (matplotlib)")
    bench.add_argument(
        "--plain", action="store_true", help="progress as a plain line a second, not a bar"
    )
    return bench


def main(argv: Sequence[str] | None = None) -> int:
    """``streamcore bench`` on its own (the ``streamcore`` command line calls :func:`run`)."""
    parser = argparse.ArgumentParser(prog="streamcore")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)]))


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``bench`` command; returns the exit status."""
    try:
        return anyio.run(_bench, args)
    except (UsageError, TargetError, SourceError) as exc:
        print(f"streamcore bench: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _bench(args: argparse.Namespace) -> int:
    width, height = args.size
    transports = list(TRANSPORTS) if args.transport == "both" else [args.transport]
    if args.source is not None:
        pictures = await anyio.to_thread.run_sync(load_pictures, args.source, width, height)
    else:
        pictures = synthetic_camera(width, height)
    with Target.open(args.target) as target:
        events = stream_events(target.config)
        api_name = "/" + args.api_name.lstrip("/")
        if api_name not in events:
            listing = ", ".join(events) if events else "none"
            raise UsageError(f"no stream event {api_name}; the app's stream events: {listing}")
        url = target.url
        reports = []
        for transport in transports:
            reports.append(await _measure(args, target, api_name, transport, pictures))
    print(format_table(reports))
    run_info = {
        "target": args.target,
        "url": url,
        "api_name": api_name,
        "size": f"{width}x{height}",
        "fps": args.fps,
        "streams": args.streams,
        "duration_s": args.duration,
        "in_flight": args.in_flight,
        "source": str(args.source) if args.source else "synthetic camera",
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if args.json is not None:
        write_json(args.json, run_info, reports)
    if args.plot is not None:
        written = write_plots(args.plot, reports)
        if written is None:
            print(
                "streamcore bench: no plots: matplotlib is not installed "
                "(pip install 'streamcore[bench]')",
                file=sys.stderr,
            )
    return EXIT_OK if all(report.ok for report in reports) else EXIT_MISMATCH


async def _measure(
    args: argparse.Namespace,
    target: Target,
    api_name: str,
    transport: str,
    pictures: list[Pixels],
) -> TransportReport:
    codec = args.codec if transport == "webrtc" else "jpeg"
    codec_ms = await anyio.to_thread.run_sync(codec_cost_ms, transport, codec, pictures)
    frames = live_frame_set(pictures)
    paced = args.fps if not math.isinf(args.fps) else None
    feeds = [
        Feed(
            frames,
            seconds=args.duration,
            pace_fps=paced,
            window=None if paced else args.in_flight,
            first_alone=paced is None,
            warmup=WARMUP,
        )
        for _ in range(args.streams)
    ]
    errors: list[str] = []
    label = f"{transport} ({codec})" if transport == "webrtc" else transport
    progress = make_progress(label, args.duration, plain=args.plain)
    server_before = target.server_cpu_seconds()
    cpu_before, wall_before = time.process_time(), time.perf_counter()

    async def one(feed: Feed) -> None:
        try:
            if transport == "websocket":
                await ws_stream(target.url, feed, api_name=api_name, max_in_flight=CAMERA_IN_FLIGHT)
            else:
                await rtc_stream(target.url, feed, api_name=api_name, codec=codec)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            feed.exhausted.set()

    runs: list[StreamRun] = [feed.run for feed in feeds]

    async def show() -> None:
        while True:
            progress.update(time.perf_counter() - wall_before, runs)
            await anyio.sleep(0.25)

    try:
        async with anyio.create_task_group() as display:
            display.start_soon(show)
            with anyio.move_on_after(args.duration + STREAM_GRACE_S) as limit:
                async with anyio.create_task_group() as streams:
                    for feed in feeds:
                        streams.start_soon(one, feed)
            if limit.cancelled_caught:
                errors.append(f"the streams had not ended {STREAM_GRACE_S:g} s after the run")
            display.cancel_scope.cancel()
    finally:
        progress.close()
    wall = time.perf_counter() - wall_before
    client_cpu = time.process_time() - cpu_before
    server_after = target.server_cpu_seconds()
    server_cpu = (
        None if server_before is None or server_after is None else server_after - server_before
    )
    if target.process is not None:
        source = "server process, /proc"
    elif server_cpu is not None:
        source = "server /metrics"
    else:
        source = "client side only"
    return summarise(
        transport=transport,
        codec=codec,
        size=f"{frames.width}x{frames.height}",
        runs=runs,
        errors=errors,
        fps_target=paced,
        duration_s=args.duration,
        wall_s=wall,
        client_cpu_s=client_cpu,
        server_cpu_s=server_cpu,
        server_cpu_source=source,
        codec_ms=codec_ms,
        stream_every=_stream_every(target.config, api_name),
    )


def _stream_every(config: dict[str, Any], api_name: str) -> float | None:
    for dependency in config.get("dependencies", []):
        if "/" + str(dependency.get("api_name")) == api_name:
            every = dependency.get("stream_every")
            return float(every) if isinstance(every, int | float) and every > 0 else None
    return None


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WxH such as 640x480, not {text!r}") from None
    if width < MIN_WIDTH or height < MIN_HEIGHT or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(
            f"{text}: frames must be at least {MIN_WIDTH}x{MIN_HEIGHT} (the frame counter) "
            "and of even width and height (the video codecs)"
        )
    return width, height


def _fps(text: str) -> float:
    if text == "max":
        return math.inf
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or max, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _seconds(text: str) -> float:
    value = _fps(text)
    if math.isinf(value):
        raise argparse.ArgumentTypeError("expected a number of seconds")
    return value
