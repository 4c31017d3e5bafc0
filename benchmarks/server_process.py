"""streamcore's server in a process of its own, as it is deployed, for the network scenarios.

``python -m benchmarks.server_process [--busy-passes N] [--ticker]`` serves the app of
:func:`build_app` on ``127.0.0.1`` (a free port), prints ``{"port": P, "pid": N}`` on one
line, then answers commands read from stdin, one JSON line each:

* ``stats``: the process's CPU time (all threads), current and peak resident memory, thread
  count, and the event-loop ticker's figures since the last ``reset``;
* ``reset``: clears the ticker's samples and the peak-RSS mark (Linux ``clear_refs``);
  answers the process's CPU time then (``cpu_s``), the start of the next ``stats``' window;
* ``trim``: glibc's ``malloc_trim(0)`` (:func:`transports.memory.trim`): the heap's free
  memory, in every arena, goes back to the OS; answers ``trimmed`` (false where there is no
  glibc) and the resident memory after;
* ``quit`` (or end of input): stops the server.

With ``--ticker`` a task on the server's event loop sleeps 1 ms at a time and records how
late each wake-up was: a stall of the loop (a blocking call, a long callback, the loop
thread waiting for the GIL or a CPU) shows as lateness.

:class:`ServerProcess` is the parent's side: ``with ServerProcess(...) as server:`` starts it,
``server.url``, ``server.stats()``, ``server.reset()``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from transports.memory import glibc, trim

from .workloads import GIL_LOOPS

__all__ = ["API", "ServerProcess", "build_app", "main"]

API: Final = {
    "identity": "identity",
    "slow": "slow",
    "busy": "busy",
    "gil": "gil",
    "diffusion": "fake_diffusion",
    "diffusion_stream": "fake_diffusion_stream",
}
"""What each event of :func:`build_app` is called (its ``api_name``)."""

_REPO: Final = Path(__file__).resolve().parent.parent


def build_app(busy_passes: int, gil_loops: int = GIL_LOOPS) -> Any:
    """The benchmark app: four stream events (identity, slow, busy, gil: a fn that holds the
    GIL; streaming ``Image`` in and out, ``stream_every=0``, ``concurrency_limit=None``) and
    the fake_diffusion generator twice (inputs: steps, seed): to a default ``Image`` (WebP
    files in the cache) and to ``Image(streaming=True)`` (JPEG data URLs)."""
    import streamcore as gr

    from .workloads import busy, fake_diffusion, hold_gil, identity, slow

    def busy_fn(image: Any) -> Any:
        return busy(image, busy_passes)

    def gil_fn(image: Any) -> Any:
        return hold_gil(image, gil_loops)

    with gr.Blocks(title="streamcore benchmarks") as demo:
        stream_fns = (
            (API["identity"], identity),
            (API["slow"], slow),
            (API["busy"], busy_fn),
            (API["gil"], gil_fn),
        )
        for api_name, fn in stream_fns:
            camera = gr.Image(sources="webcam", streaming=True)
            result = gr.Image(streaming=True)
            camera.stream(
                fn, camera, result, stream_every=0, concurrency_limit=None, api_name=api_name
            )
        steps = gr.Slider(1, 100_000, 3, step=1)
        seed = gr.Number(0, precision=0)
        for api_name, output in (
            (API["diffusion"], gr.Image()),
            (API["diffusion_stream"], gr.Image(streaming=True)),
        ):
            gr.Button().click(
                fake_diffusion, [steps, seed], output, api_name=api_name, concurrency_limit=None
            )
    return demo


# -- the child ------------------------------------------------------------------------------


class _Ticker:
    """Sleeps 1 ms at a time on the loop and records how late each wake-up was.

    Each wake-up over :data:`STALL` late is also split, on Linux, by the loop thread's
    ``/proc/self/task/<tid>/schedstat``: the thread's own CPU time during the stall (work
    on the loop), its time runnable but waiting for a CPU (the OS ran other threads or
    processes), and the rest: the thread was asleep, which on the loop means waiting for
    the GIL (or in a blocking call).
    """

    PERIOD: Final = 0.001
    STALL: Final = 0.010

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.stall_cpu = self.stall_runq = self.stall_late = 0.0

    def reset(self) -> None:
        self.lateness = []
        self.stall_cpu = self.stall_runq = self.stall_late = 0.0

    async def run(self) -> None:
        clock = time.perf_counter
        schedstat = _schedstat_reader()
        cpu, runq = schedstat()
        while True:
            before = clock()
            await asyncio.sleep(self.PERIOD)
            late = clock() - before - self.PERIOD
            self.lateness.append(late)
            cpu_before, runq_before = cpu, runq
            cpu, runq = schedstat()
            if late > self.STALL:
                self.stall_late += late
                self.stall_cpu += cpu - cpu_before
                self.stall_runq += runq - runq_before

    def figures(self) -> dict[str, Any]:
        samples = sorted(self.lateness)
        if not samples:
            return {"ticks": 0}

        def at(q: float) -> float:
            return samples[min(len(samples) - 1, int(q * len(samples)))] * 1000.0

        return {
            "ticks": len(samples),
            "stall_ms_max": samples[-1] * 1000.0,
            "stall_ms_p99": at(0.99),
            "stall_ms_p999": at(0.999),
            "stall_ms_p50": at(0.5),
            "stalls_over_10ms": sum(1 for s in samples if s > self.STALL),
            "stalls_ms_total": self.stall_late * 1000.0,
            "stalls_ms_loop_cpu": self.stall_cpu * 1000.0,
            "stalls_ms_waiting_for_cpu": self.stall_runq * 1000.0,
            "stalls_ms_asleep": max(0.0, self.stall_late - self.stall_cpu - self.stall_runq)
            * 1000.0,
        }


def _schedstat_reader() -> Any:
    """A function giving the calling thread's (CPU seconds, run-queue wait seconds) so far;
    zeros where ``/proc/self/task/<tid>/schedstat`` is missing (not Linux, no schedstats)."""
    path = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
    try:
        path.read_text()
    except OSError:
        return lambda: (0.0, 0.0)

    def read() -> tuple[float, float]:
        on_cpu, waiting, _ = path.read_text().split()
        return int(on_cpu) / 1e9, int(waiting) / 1e9

    return read


def _rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB from /proc/self/status; ru_maxrss as the peak elsewhere."""
    rss = hwm = float("nan")
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    except OSError:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rss, hwm


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


async def _serve(busy_passes: int, with_ticker: bool) -> None:
    from transports.server import serve

    ticker = _Ticker()
    demo = build_app(busy_passes)
    async with serve(demo, port=0, idle_timeout=120.0, max_threads=64) as server:
        ticking = asyncio.get_running_loop().create_task(ticker.run()) if with_ticker else None
        print(json.dumps({"port": server.port, "pid": os.getpid()}), flush=True)
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                command = line.strip()
                if not line or command == "quit":
                    break
                if command == "reset":
                    _reset_peak()
                    ticker.reset()
                    reply: dict[str, Any] = {"ok": True, "cpu_s": time.process_time()}
                elif command == "stats":
                    rss, hwm = _rss_mb()
                    reply = {
                        "cpu_s": time.process_time(),
                        "wall_s": time.perf_counter(),
                        "rss_mb": rss,
                        "peak_rss_mb": hwm,
                        "threads": threading.active_count(),
                        **ticker.figures(),
                    }
                elif command == "trim":
                    trim()  # nothing where the C library is not glibc
                    reply = {"trimmed": glibc() is not None, "rss_mb": _rss_mb()[0]}
                else:
                    reply = {"error": f"unknown command {command!r}"}
                print(json.dumps(reply), flush=True)
        finally:
            if ticking is not None:
                ticking.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server_process")
    parser.add_argument("--busy-passes", type=int, default=25)
    parser.add_argument("--ticker", action="store_true")
    parser.add_argument("--loop", choices=LOOPS, default=default_loop())
    args = parser.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(_serve(args.busy_passes, args.ticker))
    else:
        asyncio.run(_serve(args.busy_passes, args.ticker))


LOOPS: Final = ("asyncio", "uvloop")
LOOP_ENV: Final = "STREAMCORE_BENCH_LOOP"
"""Which event loop the benchmark server runs (``asyncio`` or ``uvloop``); unset, the loop a
streamcore server runs on (:func:`transports.server.server_loop`: uvloop when installed)."""


def default_loop() -> str:
    """The benchmark server's event loop: :data:`LOOP_ENV`, else the servers' own default."""
    from transports.server import server_loop

    return os.environ.get(LOOP_ENV) or server_loop()


# -- the parent ----------------------------------------------------------------------------


class ServerProcess:
    """A :mod:`benchmarks.server_process` child for the body of a ``with``."""

    def __init__(
        self,
        *,
        busy_passes: int = 25,
        ticker: bool = False,
        timeout: float = 60.0,
        command: Sequence[str] | None = None,
    ):
        """``command`` replaces the child's command line (default: this module with
        ``busy_passes`` and ``ticker``); it must speak this module's protocol: a hello line
        with ``port`` and ``pid`` (kept whole in :attr:`hello`), then ``stats`` and
        ``quit`` on stdin."""
        self._args = (
            list(command)
            if command is not None
            else [
                sys.executable,
                "-m",
                "benchmarks.server_process",
                "--busy-passes",
                str(busy_passes),
                *(["--ticker"] if ticker else []),
            ]
        )
        self._timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self.port = 0
        self.pid = 0
        self.hello: dict[str, Any] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> ServerProcess:
        self._process = subprocess.Popen(
            self._args,
            cwd=_REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        hello = self._read_line()
        self.hello = hello
        self.port, self.pid = int(hello["port"]), int(hello["pid"])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        try:
            self._stdin().write("quit\n")
            self._stdin().flush()
        except OSError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=10)
        self._process = None

    def stats(self) -> dict[str, Any]:
        """The child's ``stats`` reply (see the module docstring)."""
        return self._command("stats")

    def reset(self) -> dict[str, Any]:
        """Starts a new window for ``stats``: ``{"ok": True, "cpu_s": CPU seconds so far}``."""
        return self._command("reset")

    def trim(self) -> dict[str, Any]:
        """``malloc_trim(0)`` in the child: ``{"trimmed": bool, "rss_mb": after}``."""
        return self._command("trim")

    def _command(self, command: str) -> dict[str, Any]:
        self._stdin().write(command + "\n")
        self._stdin().flush()
        return self._read_line()

    def _stdin(self) -> IO[str]:
        assert self._process is not None
        assert self._process.stdin is not None
        return self._process.stdin

    def _read_line(self) -> dict[str, Any]:
        assert self._process is not None
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            code = self._process.poll()
            raise RuntimeError(f"the benchmark server exited (status {code}) without replying")
        reply: dict[str, Any] = json.loads(line)
        return reply


if __name__ == "__main__":
    main()
