"""The user fns the benchmarks serve, shared by streamcore's server and the peers' servers.

numpy only (and the standard library): the peers' scripts import this module from their own
virtualenvs, so the same work runs on every system.

* :func:`identity`: returns its input.
* :func:`slow`: sleeps 200 ms, then returns its input (a fn slower than the camera).
* :func:`busy`: a real numpy op costing about 50 ms of CPU: ``passes`` rounds of a 3-tap
  [1 2 1]/4 blur down and across a uint16 copy of the frame. numpy releases the GIL in these
  loops, as it does in most array maths, so two calls can run on two cores.
  :func:`calibrate_busy` picks ``passes`` for a target time on this machine.
* :func:`fake_diffusion`: ``examples/fake_diffusion`` without its ``time.sleep(1)``:
  ``steps`` random 600x600 float images, then a 1000x1000 orange one; seeded (a second
  input) so a client can recompute every image and check what it received.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "DIFFUSION_FINAL_COLOUR",
    "DIFFUSION_SEED",
    "DIFFUSION_SIZE",
    "GIL_LOOPS",
    "SLOW_SECONDS",
    "busy",
    "calibrate_busy",
    "calibrate_gil",
    "diffusion_images",
    "fake_diffusion",
    "hold_gil",
    "identity",
    "slow",
]

SLOW_SECONDS: Final = 0.2
DIFFUSION_SEED: Final = 20240607
DIFFUSION_SIZE: Final = 600
DIFFUSION_FINAL_COLOUR: Final = (255, 124, 0)

GIL_LOOPS: Final = 200_000
"""Default rounds of :func:`hold_gil` (about 10 to 20 ms here; calibrate for a duration)."""

Image = npt.NDArray[np.uint8]


def identity(image: Any) -> Any:
    """The user fn of the round-trip scenarios: returns its input."""
    return image


def slow(image: Any) -> Any:
    """A fn that takes 200 ms (sleeping: it holds no core), then returns its input."""
    time.sleep(SLOW_SECONDS)
    return image


def busy(image: Image, passes: int) -> Image:
    """``passes`` rounds of a [1 2 1]/4 blur down and across (uint16 maths, rounded)."""
    work = image.astype(np.uint16)
    for _ in range(passes):
        work[1:-1] = (work[:-2] + 2 * work[1:-1] + work[2:] + 2) >> 2
        work[:, 1:-1] = (work[:, :-2] + 2 * work[:, 1:-1] + work[:, 2:] + 2) >> 2
    return work.astype(np.uint8)


def hold_gil(image: Any, loops: int) -> Any:
    """A fn that holds the GIL: ``loops`` rounds of pure-Python arithmetic (no call that
    lets the GIL go), then returns its input. Threads cannot share a core's worth of it:
    only processes scale it."""
    total = 0
    for number in range(loops):
        total = (total + number * number) % 1_000_003
    return image if total >= 0 else None


def calibrate_gil(target_s: float, rounds: int = 5) -> tuple[int, float]:
    """How many :func:`hold_gil` loops take ``target_s`` here (median of ``rounds``
    timings); returns ``(loops, seconds one call then takes)``."""
    probe = 50_000
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        hold_gil(None, probe)
        timings.append(time.perf_counter() - started)
    per_loop = sorted(timings)[len(timings) // 2] / probe
    loops = max(1, round(target_s / per_loop))
    return loops, loops * per_loop


def calibrate_busy(image: Image, target_s: float, rounds: int = 5) -> tuple[int, float]:
    """How many :func:`busy` passes take ``target_s`` on ``image`` here (median of
    ``rounds`` timings); returns ``(passes, seconds one call then takes)``."""
    probe = 8
    busy(image, probe)  # warm the allocator
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        busy(image, probe)
        timings.append(time.perf_counter() - started)
    per_pass = statistics.median(timings) / probe
    passes = max(1, round(target_s / per_pass))
    return passes, passes * per_pass


def fake_diffusion(steps: int, seed: int = DIFFUSION_SEED) -> Iterator[npt.NDArray[Any]]:
    """``examples/fake_diffusion``'s generator without the sleep, seeded (each job of a
    benchmark gets its own seed, so no cache on either side can serve a repeat)."""
    rng = np.random.default_rng(int(seed))
    for _ in range(int(steps)):
        image = rng.random(size=(DIFFUSION_SIZE, DIFFUSION_SIZE, 3))
        yield image
    final = np.ones((1000, 1000, 3), np.uint8)
    final[:] = DIFFUSION_FINAL_COLOUR
    yield final


def diffusion_images(steps: int, seed: int = DIFFUSION_SEED) -> list[npt.NDArray[Any]]:
    """Every value :func:`fake_diffusion` yields for ``steps`` and ``seed``."""
    return list(fake_diffusion(steps, seed))
