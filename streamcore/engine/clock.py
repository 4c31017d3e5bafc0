"""Injectable clocks: the real monotonic one and a fake one for exact, instant tests.

Everything in streamcore that waits or measures time takes a :class:`Clock`, so the
throttle, time-limit and idle-timeout rules can be tested on :class:`FakeClock` with exact
times and no real sleeping.
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Protocol, runtime_checkable

import anyio
import anyio.lowlevel

__all__ = ["Clock", "Deadline", "FakeClock", "MonotonicClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of time in seconds and a way to wait for it."""

    def now(self) -> float:
        """The current time in seconds (only differences are meaningful)."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``now() >= deadline``. Cancelling it is safe."""
        ...


class Deadline:
    """The ``time_limit`` rule's moment: ``limit`` seconds on ``clock`` after it is made.

    ``Deadline(clock, None)`` never passes. A stream and a generator job each make one when
    they start running and apply the same rule with it: once it has passed no new work is
    taken (no frame, no next item), the work in flight completes and is the final output,
    and the end's reason is ``time_limit``.
    """

    def __init__(self, clock: Clock, limit: float | None) -> None:
        self._clock = clock
        self.at: float | None = None if limit is None else clock.now() + limit
        """When it passes, on ``clock``; ``None``: never."""

    def passed(self) -> bool:
        """True once the clock has reached the deadline."""
        return self.at is not None and self._clock.now() >= self.at

    async def wait(self) -> None:
        """Return once the deadline has passed (never, for a deadline of ``None``)."""
        if self.at is None:
            await anyio.sleep_forever()
        else:
            await self._clock.sleep_until(self.at)


class MonotonicClock:
    """The real clock: :func:`time.monotonic` and :func:`anyio.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            await anyio.sleep(delay)
        else:
            await anyio.lowlevel.checkpoint()


class FakeClock:
    """A clock that moves only when told to.

    ``await clock.advance(dt)`` moves time forward by ``dt`` seconds, waking every sleeper
    whose deadline is passed in deadline order, and lets the woken tasks run until they
    block again before it moves on. Tasks waiting on worker threads are not waited for:
    drive timing tests with async functions.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, anyio.Event]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await anyio.lowlevel.checkpoint()
            return
        wake = anyio.Event()
        heapq.heappush(self._sleepers, (deadline, next(self._order), wake))
        await wake.wait()

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running woken tasks as time passes."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds})")
        target = self._now + seconds
        await anyio.wait_all_tasks_blocked()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, wake = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            wake.set()
            await anyio.wait_all_tasks_blocked()
        self._now = target
        await anyio.wait_all_tasks_blocked()
