"""The benchmark app as a module ``streamcore serve`` can load (``benchmarks.workers_app``):
:func:`benchmarks.server_process.build_app`, for the ``workers`` and ``scale`` scenarios.
``STREAMCORE_BENCH_GIL_LOOPS`` sets the rounds of its ``gil`` event's fn (the ``scale``
scenario calibrates it in the parent)."""

from __future__ import annotations

import os

from .server_process import build_app
from .workloads import GIL_LOOPS

__all__ = ["GIL_LOOPS_ENV", "demo"]

GIL_LOOPS_ENV = "STREAMCORE_BENCH_GIL_LOOPS"

demo = build_app(busy_passes=25, gil_loops=int(os.environ.get(GIL_LOOPS_ENV) or GIL_LOOPS))
