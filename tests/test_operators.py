from __future__ import annotations

import anyio
import pytest

from streamcore.engine.clock import FakeClock
from streamcore.engine.operators import aiterate, stop_when, throttle
from streamcore.engine.slots import LatestSlot

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


async def test_throttle_gives_at_most_one_item_per_interval_latest_wins() -> None:
    clock = FakeClock()
    slot: LatestSlot[int] = LatestSlot()
    taken: list[tuple[float, int]] = []

    async def consume() -> None:
        async for item in throttle(slot, 0.5, clock):
            taken.append((clock.now(), item))

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        for i in range(16):  # an 8 fps source for 2 s
            slot.put_nowait(i)
            await clock.advance(0.125)
        slot.close()
        await clock.advance(1.0)
    # The item put before close (15) is still delivered, at its turn.
    assert taken == [(0.0, 0), (0.5, 3), (1.0, 7), (1.5, 11), (2.0, 15)]
    assert slot.statistics().dropped == 11


async def test_throttle_zero_passes_every_item_the_consumer_takes() -> None:
    clock = FakeClock()
    slot: LatestSlot[int] = LatestSlot()
    seen: list[int] = []

    async def consume() -> None:
        async for item in throttle(slot, 0, clock):
            seen.append(item)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        for i in range(5):
            slot.put_nowait(i)
            await anyio.wait_all_tasks_blocked()
        slot.close()
    assert seen == [0, 1, 2, 3, 4]


async def test_throttle_rejects_negative_interval() -> None:
    with pytest.raises(ValueError, match="stream_every must be >= 0"):
        await anext(throttle(LatestSlot[int](), -1, FakeClock()))


async def test_stop_when_checks_before_each_item() -> None:
    produced: list[int] = []

    async def source() -> object:
        for i in range(10):
            produced.append(i)
            yield i

    out = [i async for i in stop_when(source(), lambda: len(produced) >= 3)]
    assert out == [0, 1, 2]


async def test_aiterate_accepts_sync_and_async_iterables() -> None:
    async def agen() -> object:
        yield 1
        yield 2

    assert [x async for x in aiterate([1, 2])] == [1, 2]
    assert [x async for x in aiterate(agen())] == [1, 2]
