"""What every scenario shares: the record format, timing and statistics, progress lines,
the results table, the JSON file and the optional charts.

A scenario module provides ``DESCRIPTION: str`` and ``run(ctx: RunContext) -> list[Record]``.
It prints progress with :meth:`RunContext.progress`, measures with :class:`Stopwatch`,
summarises repeated runs with :func:`median` / :func:`quartiles`, and raises
:class:`BenchmarkError` when an output was wrong (never because a figure was slow).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TextIO

__all__ = [
    "BenchmarkError",
    "Record",
    "RunContext",
    "ScenarioRun",
    "Stopwatch",
    "format_table",
    "median",
    "peak_rss_mb",
    "pinned_to_one_cpu",
    "quartiles",
    "relative_iqr_pct",
    "size_label",
    "write_json",
    "write_plots",
]


class BenchmarkError(Exception):
    """A scenario's output was wrong, so its figures mean nothing."""


@dataclass
class Record:
    """One measured configuration: the keys every scenario reports, plus its own in ``extra``.

    ``fps`` is outputs per second of wall time; latencies are milliseconds from a frame's
    arrival to its result; ``dropped`` counts frames replaced before the fn took them;
    ``peak_rss_mb`` is the process's peak resident set so far (it never goes down, so
    later records include the memory of earlier ones). ``floor_fps`` is the rate of the
    unavoidable work alone (e.g. the JPEG encode), ``peer`` / ``peer_fps`` another
    system doing the same job, where measured. ``variant`` tells apart records of one
    scenario, transport and size measured under different conditions (e.g. ``"1 cpu"``).
    ``summary`` is one short line for the table.
    """

    scenario: str
    transport: str
    size: str
    fps: float | None
    latency_ms_p50: float | None
    latency_ms_p99: float | None
    dropped: int | None
    peak_rss_mb: float
    floor_fps: float | None = None
    peer: str | None = None
    peer_fps: float | None = None
    variant: str | None = None
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = {f.name for f in fields(self)} & set(self.extra)
        if clash:
            raise ValueError(f"extra keys shadow the common record keys: {sorted(clash)}")

    def as_dict(self) -> dict[str, Any]:
        """The flat JSON form: the common keys first, then the scenario's own."""
        common = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**common, **self.extra}


ScenarioRun = Callable[["RunContext"], list[Record]]
"""The ``run`` function of a scenario module."""


@dataclass
class RunContext:
    """What a scenario is given: the mode it runs in and where to report progress."""

    scenario: str
    quick: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stdout)

    def progress(self, message: str) -> None:
        """Print one progress line, prefixed with the scenario's name, at once."""
        print(f"[{self.scenario}] {message}", file=self.stream, flush=True)


class Stopwatch:
    """Wall time (``perf_counter``) and CPU time of the whole process (every thread) of a
    ``with`` block, in seconds: ``wall`` and ``cpu`` are set when the block exits."""

    def __init__(self) -> None:
        self.wall = math.nan
        self.cpu = math.nan
        self._wall0 = 0.0
        self._cpu0 = 0.0

    def __enter__(self) -> Stopwatch:
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = time.process_time() - self._cpu0


# -- statistics ------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median; raises ``ValueError`` for no values."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """``(q1, median, q3)``, interpolated inclusively (a single value gives it three times)."""
    if len(values) < 2:
        only = median(values)
        return only, only, only
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def relative_iqr_pct(values: Sequence[float]) -> float:
    """The interquartile range as a percentage of the median: how noisy repeated runs were."""
    q1, q2, q3 = quartiles(values)
    return (q3 - q1) / q2 * 100.0 if q2 else math.nan


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return peak / scale


@contextmanager
def pinned_to_one_cpu() -> Iterator[int | None]:
    """Confine the calling thread, and the threads it starts meanwhile, to one CPU.

    Yields that CPU's number, or ``None`` where affinity cannot be set (not Linux); the
    previous affinity is restored on exit. Threads started before keep theirs.
    """
    try:
        previous = os.sched_getaffinity(0)
    except (AttributeError, OSError):
        yield None
        return
    cpu = min(previous)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, previous)


def size_label(width: int, height: int) -> str:
    """``"640x480"``."""
    return f"{width}x{height}"


# -- the table ---------------------------------------------------------------------------


def _number(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if digits == 0 or (isinstance(value, float) and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


_COLUMNS: Final[tuple[tuple[str, str, int], ...]] = (
    # (heading, record key, digits)
    ("scenario", "scenario", -1),
    ("transport", "transport", -1),
    ("size", "size", -1),
    ("variant", "variant", -1),
    ("fps", "fps", 1),
    ("floor fps", "floor_fps", 1),
    ("p50 ms", "latency_ms_p50", 2),
    ("p99 ms", "latency_ms_p99", 2),
    ("dropped", "dropped", 0),
    ("peak RSS MB", "peak_rss_mb", 0),
    ("peer", "peer", -1),
    ("peer fps", "peer_fps", 1),
    ("summary", "summary", -1),
)


def format_table(records: Iterable[Record]) -> str:
    """The records as a plain-text table, one row each, numbers right-aligned."""
    rows = []
    for record in records:
        data = record.as_dict()
        rows.append([_number(data[key], max(digits, 0)) for _, key, digits in _COLUMNS])
    headings = [heading for heading, _, _ in _COLUMNS]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headings)]
    numeric = [digits >= 0 for _, _, digits in _COLUMNS]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headings), rule, *(line(row) for row in rows)])


# -- output files ------------------------------------------------------------------------


def write_json(
    path: Path, machine: dict[str, Any], records: Iterable[Record], failures: Sequence[str]
) -> None:
    """Write ``{"machine": ..., "records": [...], "failures": [...]}`` to ``path``."""
    document = {
        "machine": machine,
        "records": [record.as_dict() for record in records],
        "failures": list(failures),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_plots(directory: Path, records: Sequence[Record], stream: TextIO) -> list[Path]:
    """One PNG per scenario (rates, and latencies where measured) in ``directory``.

    Returns the files written; without matplotlib, says so on ``stream`` and writes none.
    """
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        print(
            "--plot: matplotlib is not installed, so no charts were drawn "
            "(pip install matplotlib to get them); the figures above are complete.",
            file=stream,
        )
        return []
    matplotlib.use("Agg")
    pyplot = importlib.import_module("matplotlib.pyplot")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario in dict.fromkeys(record.scenario for record in records):
        chosen = [record for record in records if record.scenario == scenario]
        path = directory / f"{scenario}.png"
        _plot_scenario(pyplot, scenario, chosen, path)
        written.append(path)
    return written


def _plot_scenario(pyplot: Any, scenario: str, records: Sequence[Record], path: Path) -> None:
    labels = [
        "\n".join(filter(None, (record.size, record.transport, record.variant)))
        for record in records
    ]
    series = {
        "measured": [record.fps for record in records],
        "floor": [record.floor_fps for record in records],
        "peer": [record.peer_fps for record in records],
    }
    series = {name: values for name, values in series.items() if any(v is not None for v in values)}
    latency = {
        "p50": [record.latency_ms_p50 for record in records],
        "p99": [record.latency_ms_p99 for record in records],
    }
    has_latency = any(v is not None for values in latency.values() for v in values)
    figure, axes = pyplot.subplots(1, 2 if has_latency else 1, figsize=(11, 4), squeeze=False)
    _bars(axes[0][0], labels, series, "frames per second (higher is better)")
    if has_latency:
        _bars(axes[0][1], labels, latency, "latency, ms (lower is better)")
    figure.suptitle(f"streamcore benchmark: {scenario}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def _bars(
    axis: Any, labels: Sequence[str], series: dict[str, list[float | None]], title: str
) -> None:
    width = 0.8 / max(len(series), 1)
    for index, (name, values) in enumerate(series.items()):
        positions = [i + (index - (len(series) - 1) / 2) * width for i in range(len(labels))]
        heights = [math.nan if value is None else value for value in values]
        axis.bar(positions, heights, width, label=name)
    axis.set_xticks(range(len(labels)))
    axis.set_xticklabels(labels)
    axis.set_title(title)
    axis.legend()
