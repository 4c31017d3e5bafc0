from __future__ import annotations

import anyio
import pytest

from streamcore.engine.clock import Clock, FakeClock, MonotonicClock

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
