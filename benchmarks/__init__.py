"""streamcore's benchmarks: figures for throughput, latency and memory, checked for correctness.

Run them with ``python -m benchmarks [SCENARIO ...] [--quick] [--out FILE.json] [--plot DIR]``
from the repository root; ``benchmarks/README.md`` says what each scenario measures and how
to read its figures. Benchmarks are not tests: they print figures and fail only when an
output was wrong, never because a figure was slow.

Adding a scenario is one module and one line: write ``benchmarks/<name>.py`` with a
``DESCRIPTION`` string and a ``run(ctx: RunContext) -> list[Record]`` function (see
:mod:`benchmarks.harness`), then register it in :data:`SCENARIOS` below. Modules are
imported only when their scenario runs, so one may import aiortc or websockets freely.
"""

from __future__ import annotations

from typing import Final

__all__ = ["SCENARIOS"]

SCENARIOS: Final[dict[str, str]] = {
    # name: module that implements it (imported lazily), in the order "all" runs them.
    "core": "benchmarks.core",
    "websocket": "benchmarks.websocket",
    "webrtc": "benchmarks.webrtc",
    "generator": "benchmarks.generator",
    "generator_http": "benchmarks.generator_http",
    "slow_handler": "benchmarks.slow_handler",
    "concurrency": "benchmarks.concurrency",
    "loop_stall": "benchmarks.loop_stall",
    "workers": "benchmarks.workers",
    "scale": "benchmarks.scale",
}
"""The registered scenarios (see README.md)."""
