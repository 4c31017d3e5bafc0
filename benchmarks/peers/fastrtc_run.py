"""FastRTC's side of ``slow_handler`` and ``concurrency``; run with the fastrtc peer's Python.

``fastrtc_run.py serve --fn slow|busy --passes N --port P`` serves
``Stream(handler, modality="video", mode="send-receive", concurrency_limit=...)`` mounted on
a FastAPI app with uvicorn, plus the ``/input_hook`` route FastRTC's docs show for apps
without its Gradio UI (``stream.set_input(webrtc_id, ...)``: until it is called, FastRTC
returns frames without calling the handler).

``fastrtc_run.py measure --fn ... --streams N --seconds S --frames FILE.npy`` starts that
server as a child process, then opens ``N`` aiortc peers against ``POST /webrtc/offer``
(``{"sdp", "type": "offer", "webrtc_id"}``, answered with ``{"sdp", "type"}``; a data channel
is opened because FastRTC's video track waits for one), posts ``/input_hook``, and sends
the numbered frames of ``FILE.npy`` at 30 fps on each, whatever comes back (a camera). It
matches outputs to inputs by the number drawn in the pixels (``benchmarks/marks.py``) and
prints one JSON line: per-stream output fps, latencies (p50, p99, and p50 of the first and
last quarter), the server's RSS at the start and end, and the checks.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository

import numpy as np

from benchmarks.marks import Unwrapper, mean_abs_diff, read_index, stamp_index
from benchmarks.workloads import busy, slow

PACE_FPS = 30.0
MAX_DIFF = 10.0


# -- the server ---------------------------------------------------------------------------------


def serve(fn_name: str, passes: int, port: int, limit: int) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import uvicorn
    from fastapi import FastAPI
    from fastrtc import Stream  # type: ignore[import-not-found]

    def handler(frame: np.ndarray) -> np.ndarray:
        return slow(frame) if fn_name == "slow" else busy(frame, passes)

    stream = Stream(handler=handler, modality="video", mode="send-receive", concurrency_limit=limit)
    app = FastAPI()
    stream.mount(app)

    async def input_hook(body: dict[str, Any]) -> dict[str, Any]:
        stream.set_input(body["webrtc_id"], None)  # args[0] is replaced by each frame
        return {"ok": True}

    async def healthz() -> dict[str, Any]:
        return {"ok": True}

    app.post("/input_hook")(input_hook)
    app.get("/healthz")(healthz)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- the client -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        reply: dict[str, Any] = json.loads(response.read())
        return reply


def _wait_until_up(url: str, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                response.read()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Stamped:
    """``count`` numbered copies of ``base``, each drawn when asked (``--count``)."""

    def __init__(self, base: np.ndarray, count: int) -> None:
        self._base = base
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> np.ndarray:
        return stamp_index(self._base, index % self._count)


class _Expected:
    """What the fn makes of each frame, computed locally when first asked for."""

    def __init__(self, frames: np.ndarray, fn: str, passes: int) -> None:
        self._frames = frames
        self._fn = fn
        self._passes = passes
        self._done: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index: int) -> np.ndarray:
        if index not in self._done:
            frame = self._frames[index]
            self._done[index] = frame if self._fn == "slow" else busy(frame, self._passes)
        return self._done[index]


class _Stream:
    """One aiortc peer against FastRTC: a 30 fps numbered source, outputs matched back."""

    def __init__(
        self, frames: np.ndarray, expected: _Expected, seconds: float, linger: float
    ) -> None:
        self.frames = frames
        self.linger = linger
        self.expected = expected
        self.seconds = seconds
        self.sent_at: dict[int, float] = {}
        self.latencies: list[tuple[float, float]] = []  # (seconds since start, ms)
        self.outputs = 0
        self.unreadable = 0
        self.diffs: list[float] = []
        self.started = 0.0
        self.ready = asyncio.Event()
        self.unwrap = Unwrapper(len(frames))

    def source(self) -> Any:
        from aiortc import MediaStreamTrack
        from aiortc.mediastreams import MediaStreamError
        from av import VideoFrame

        owner = self

        class Camera(MediaStreamTrack):
            kind = "video"

            def __init__(self) -> None:
                super().__init__()
                self.index = 0

            async def recv(self) -> VideoFrame:
                await owner.ready.wait()
                if self.index == 0:
                    owner.started = time.perf_counter()
                due = owner.started + self.index / PACE_FPS
                if due - owner.started >= owner.seconds:
                    raise MediaStreamError
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pixels = owner.frames[self.index % len(owner.frames)]
                frame = VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts = self.index * 3000
                frame.time_base = fractions.Fraction(1, 90_000)
                owner.sent_at[self.index] = time.perf_counter()
                self.index += 1
                return frame

        return Camera()

    def output(self, pixels: np.ndarray) -> None:
        now = time.perf_counter()
        self.outputs += 1
        counter = read_index(pixels)
        if counter is None:
            self.unreadable += 1
            return
        index = self.unwrap(counter)
        sent = self.sent_at.pop(index, None)
        if sent is not None and self.outputs > 5:
            self.latencies.append((now - self.started, (now - sent) * 1000.0))
        if self.outputs % 25 == 1:
            self.diffs.append(mean_abs_diff(pixels, self.expected[index % len(self.expected)]))

    async def run(self, base_url: str) -> None:
        from aiortc import RTCPeerConnection, RTCSessionDescription

        pc = RTCPeerConnection()
        pc.createDataChannel("text")
        pc.addTrack(self.source())
        returned: list[Any] = []
        pc.on("track", returned.append)
        await pc.setLocalDescription(await pc.createOffer())
        webrtc_id = uuid.uuid4().hex
        answer = await asyncio.to_thread(
            _post,
            base_url + "webrtc/offer",
            {"sdp": pc.localDescription.sdp, "type": "offer", "webrtc_id": webrtc_id},
        )
        if "sdp" not in answer:
            raise SystemExit(f"FastRTC refused the offer: {answer}")
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.to_thread(_post, base_url + "input_hook", {"webrtc_id": webrtc_id})
        self.ready.set()
        track = returned[0]
        deadline = time.perf_counter() + self.seconds + self.linger
        try:
            while True:
                timeout = deadline - time.perf_counter()
                if timeout <= 0:
                    break
                try:
                    frame = await asyncio.wait_for(track.recv(), timeout)
                except (asyncio.TimeoutError, Exception):
                    break
                self.output(await asyncio.to_thread(frame.to_ndarray, format="rgb24"))
        finally:
            await pc.close()

    def figures(self) -> dict[str, Any]:
        values = [ms for _, ms in self.latencies]
        times = [at for at, _ in self.latencies]
        quarter = self.seconds / 4

        def pct(data: list[float], q: float) -> float | None:
            if not data:
                return None
            ordered = sorted(data)
            return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

        span = (times[-1] - times[0]) if len(times) > 1 else float("nan")
        return {
            "outputs": self.outputs,
            "fps": (len(times) - 1) / span if len(times) > 1 and span > 0 else None,
            "latency_ms_p50": pct(values, 50),
            "latency_ms_p99": pct(values, 99),
            "latency_ms_p50_first_quarter": pct(
                [ms for at, ms in self.latencies if at < quarter], 50
            ),
            "latency_ms_p50_last_quarter": pct(
                [ms for at, ms in self.latencies if at >= self.seconds - quarter], 50
            ),
            "latency_ms_max": max(values) if values else None,
            "unreadable": self.unreadable,
            "max_mean_abs_diff": max(self.diffs) if self.diffs else None,
        }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    frames: Any = np.load(args.frames)
    if args.count:  # one picture, numbered when sent
        frames = _Stamped(frames[0], args.count)
    expected = _Expected(frames, args.fn, args.passes)
    counts = [int(n) for n in str(args.streams).split(",")]
    port = _free_port()
    command = [sys.executable, __file__, "serve", "--fn", args.fn, "--passes", str(args.passes)]
    command += ["--port", str(port), "--limit", "100"]  # every stream at once
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: ASYNC220
    base_url = f"http://127.0.0.1:{port}/"
    runs = []
    try:
        if not await asyncio.to_thread(_wait_until_up, base_url + "healthz", 60.0):
            raise SystemExit("the FastRTC server did not start")
        for count in counts:
            runs.append(await _measure_streams(server.pid, base_url, frames, expected, count, args))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"peer": "fastrtc", "version": _version(), "fn": args.fn, "runs": runs}


async def _measure_streams(
    pid: int,
    base_url: str,
    frames: np.ndarray,
    expected: _Expected,
    count: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    rss_start = _rss_mb(pid)
    cpu_start = _cpu_s(pid)
    streams = [_Stream(frames, expected, args.seconds, args.linger) for _ in range(count)]
    started = time.perf_counter()
    await asyncio.gather(*(stream.run(base_url) for stream in streams))
    wall = time.perf_counter() - started
    rss_end = _rss_mb(pid)
    cpu = _cpu_s(pid) - cpu_start
    per_stream = [stream.figures() for stream in streams]
    for figures in per_stream:
        if figures["unreadable"]:
            raise SystemExit(f"{figures['unreadable']} FastRTC outputs had no frame number")
        diff = figures["max_mean_abs_diff"]
        if figures["outputs"] and (diff is None or diff >= MAX_DIFF):
            raise SystemExit(f"a FastRTC output differs from the fn applied locally by {diff}")
    rates = [f["fps"] or 0.0 for f in per_stream]
    ordered = sorted(ms for stream in streams for _, ms in stream.latencies)
    return {
        "streams": count,
        "seconds": args.seconds,
        "total_fps": sum(rates),
        "fairness": (min(rates) / max(rates)) if max(rates) > 0 else None,
        "latency_ms_p50": ordered[len(ordered) // 2] if ordered else None,
        "latency_ms_p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        if ordered
        else None,
        "server_rss_mb_start": rss_start,
        "server_rss_mb_end": rss_end,
        "server_rss_growth_mb": rss_end - rss_start,
        "server_cpu_pct": cpu / wall * 100.0,
        "per_stream": per_stream,
        "median_stream_fps": statistics.median(rates),
        "streams_without_output": sum(1 for f in per_stream if not f["outputs"]),
        "wall_s": wall,
    }


def _version() -> str:
    import importlib.metadata

    return importlib.metadata.version("fastrtc")


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve")
    serve_parser.add_argument("--fn", choices=("slow", "busy"), required=True)
    serve_parser.add_argument("--passes", type=int, default=25)
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--limit", type=int, default=1)
    measure_parser = commands.add_parser("measure")
    measure_parser.add_argument("--fn", choices=("slow", "busy"), required=True)
    measure_parser.add_argument("--passes", type=int, default=25)
    measure_parser.add_argument("--streams", default="1", help="e.g. 1,4,8")
    measure_parser.add_argument("--linger", type=float, default=2.0)
    measure_parser.add_argument(
        "--count", type=int, default=0, help="FILE holds one picture: number COUNT copies"
    )
    measure_parser.add_argument("--seconds", type=float, default=5.0)
    measure_parser.add_argument("--frames", required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.fn, args.passes, args.port, args.limit)
        return
    try:
        result = asyncio.run(measure(args))
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(json.dumps({"error": exc.code}), flush=True)
            sys.exit(1)
        raise
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
