"""The benchmark app as a module ``streamcore serve`` can load (``benchmarks.workers_app``):
:func:`benchmarks.server_process.build_app`, for the ``workers`` scenario."""

from __future__ import annotations

from .server_process import build_app

__all__ = ["demo"]

demo = build_app(busy_passes=25)
