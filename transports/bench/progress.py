"""The live display of a run: a progress bar per transport with its current fps out,
latency p50 and frames dropped (rich, from the ``bench`` extra), or without rich one plain
line a second. Both write to stderr, so stdout carries only the final table."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any, Protocol

from .driver import StreamRun, percentile

__all__ = ["Progress", "live_figures", "make_progress"]

_RECENT_S = 1.0
"""Seconds of outputs the live fps and latency are computed over."""


class Progress(Protocol):
    """Shows how a transport's run goes; :meth:`update` is called a few times a second."""

    def update(self, done_s: float, runs: Sequence[StreamRun]) -> None: ...

    def close(self) -> None: ...


def live_figures(runs: Sequence[StreamRun], now: float) -> tuple[float, float, int]:
    """Outputs per second and median latency (ms) over the last second, and the frames so
    far with no output (replaced or lost), over all ``runs``."""
    since = now - _RECENT_S
    recent = [
        ms
        for run in runs
        for t, ms in zip(run.receive_times[-200:], run.latencies_ms[-200:], strict=False)
        if t >= since
    ]
    dropped = sum(run.skipped for run in runs)
    return len(recent) / _RECENT_S, percentile(recent, 50), dropped


class _Plain:
    def __init__(self, label: str, total_s: float) -> None:
        self._label = label
        self._total = total_s
        self._next = 0.0

    def update(self, done_s: float, runs: Sequence[StreamRun]) -> None:
        if done_s < self._next:
            return
        self._next = done_s + 1.0
        fps, p50, dropped = live_figures(runs, time.perf_counter())
        print(
            f"[{self._label}] {min(done_s, self._total):4.1f}/{self._total:g} s  "
            f"{fps:6.1f} fps out  p50 {p50:7.1f} ms  dropped {dropped}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        pass


class _Rich:
    def __init__(self, label: str, total_s: float, rich_progress: Any) -> None:
        self._progress = rich_progress
        self._progress.start()
        self._task = self._progress.add_task(label, total=total_s, figures="starting")

    def update(self, done_s: float, runs: Sequence[StreamRun]) -> None:
        fps, p50, dropped = live_figures(runs, time.perf_counter())
        figures = f"{fps:6.1f} fps out  p50 {p50:7.1f} ms  dropped {dropped}"
        self._progress.update(self._task, completed=done_s, figures=figures)

    def close(self) -> None:
        self._progress.stop()


def make_progress(label: str, total_s: float, *, plain: bool = False) -> Progress:
    """A rich progress bar when rich is installed, stderr is a terminal and not ``plain``;
    else one line a second."""
    if not plain and sys.stderr.isatty():
        try:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        except ImportError:
            pass
        else:
            columns: list[Any] = [
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[figures]}"),
            ]
            console = Console(stderr=True)
            return _Rich(label, total_s, Progress(*columns, console=console, transient=False))
    return _Plain(label, total_s)
