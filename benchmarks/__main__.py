"""``python -m benchmarks [SCENARIO ...] [--quick] [--out FILE.json] [--plot DIR]``, or
``python -m benchmarks --setup-peers`` (virtualenvs for the peers: Gradio, FastRTC).

Runs the named scenarios (all registered ones when none is named), prints a progress line
per step and a table at the end, and optionally writes the records as JSON and charts as
PNG. Exits 1 if any scenario failed (its output was wrong, or it raised), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from . import SCENARIOS
from .harness import Record, RunContext, ScenarioRun, format_table, write_json, write_plots
from .machine import describe_machine, one_line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="streamcore benchmarks: throughput, latency and memory figures, "
        "each checked for correct output.",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenarios to run (default: all): {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--quick", action="store_true", help="fewer frames and repeats")
    parser.add_argument("--out", type=Path, metavar="FILE.json", help="write the records here")
    parser.add_argument("--plot", type=Path, metavar="DIR", help="write PNG charts here")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--setup-peers",
        action="store_true",
        help="create the peers' virtualenvs (pip install gradio / fastrtc) and exit",
    )
    return parser


def _load(name: str) -> tuple[ScenarioRun, str]:
    module = importlib.import_module(SCENARIOS[name])
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"{module.__name__} has no run(ctx) function")
    return cast(ScenarioRun, run), str(getattr(module, "DESCRIPTION", ""))


def _run_one(name: str, quick: bool, failures: list[str]) -> list[Record]:
    ctx = RunContext(name, quick=quick)
    started = time.perf_counter()
    try:
        run, description = _load(name)
        ctx.progress(f"{description} ({'quick' if quick else 'full'} mode)")
        records = run(ctx)
    except Exception as exc:
        traceback.print_exc()
        message = f"{name}: {type(exc).__name__}: {exc}"
        print(f"\n*** FAILED {message}\n", file=sys.stderr, flush=True)
        failures.append(message)
        return []
    ctx.progress(f"done in {time.perf_counter() - started:.1f} s")
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.setup_peers:
        from .peers import setup_peers

        problems = setup_peers()
        if problems:
            print("\nsome peers could not be set up:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        return 0
    if args.list:
        for name in SCENARIOS:
            print(f"{name}: {_load(name)[1]}")
        return 0
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    names = list(dict.fromkeys(args.scenarios)) or list(SCENARIOS)

    machine = describe_machine()
    print(f"machine: {one_line(machine)}", flush=True)
    records: list[Record] = []
    failures: list[str] = []
    for name in names:
        records.extend(_run_one(name, args.quick, failures))

    print()
    print(format_table(records) if records else "(no records)")
    if args.out is not None:
        write_json(args.out, machine, records, failures)
        print(f"\nwrote {args.out}")
    if args.plot is not None:
        for path in write_plots(args.plot, records, sys.stdout):
            print(f"wrote {path}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
