from __future__ import annotations

import anyio
import pytest

from streamcore.engine.clock import Clock, Deadline, FakeClock, MonotonicClock

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


async def test_fake_clock_wakes_sleepers_in_deadline_order_at_exact_times() -> None:
    clock = FakeClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, deadline: float) -> None:
        await clock.sleep_until(deadline)
        woke.append((name, clock.now()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper, "late", 2.0)
        tg.start_soon(sleeper, "early", 0.5)
        await clock.advance(1.0)
        assert woke == [("early", 0.5)]
        assert clock.now() == 1.0
        await clock.advance(5.0)
    assert woke == [("early", 0.5), ("late", 2.0)]
    assert clock.now() == 6.0


async def test_fake_clock_refuses_to_go_back() -> None:
    with pytest.raises(ValueError, match="cannot go back"):
        await FakeClock().advance(-1)


async def test_past_deadline_returns_at_once() -> None:
    clock = FakeClock(start=10.0)
    await clock.sleep_until(3.0)
    assert clock.now() == 10.0


async def test_monotonic_clock_sleeps() -> None:
    clock = MonotonicClock()
    assert isinstance(clock, Clock)
    start = clock.now()
    await clock.sleep_until(start + 0.02)
    assert clock.now() >= start + 0.02


async def test_a_deadline_passes_limit_seconds_after_it_is_made() -> None:
    clock = FakeClock(start=5.0)
    deadline = Deadline(clock, 2.0)
    assert deadline.at == 7.0
    reached: list[float] = []

    async def wait() -> None:
        await deadline.wait()
        reached.append(clock.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await clock.advance(1.999)
        assert (deadline.passed(), reached) == (False, [])
        await clock.advance(0.001)
    assert deadline.passed()
    assert reached == [7.0]


async def test_a_deadline_of_none_never_passes() -> None:
    clock = FakeClock()
    deadline = Deadline(clock, None)
    returned: list[bool] = []

    async def wait() -> None:
        await deadline.wait()
        returned.append(True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait)
        await clock.advance(1e9)
        await anyio.wait_all_tasks_blocked()
        assert (deadline.passed(), deadline.at, returned) == (False, None, [])
        tg.cancel_scope.cancel()
