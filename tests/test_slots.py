from __future__ import annotations

import threading

import anyio
import pytest

from streamcore.engine.slots import LatestSlot
from streamcore.errors import StreamClosedError, WouldBlockError

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


async def test_newer_item_replaces_unread_one_and_counts_the_drop() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put_nowait(1) is False
    assert slot.put_nowait(2) is True
    assert slot.put_nowait(3) is True
    assert await slot.get() == 3
    stats = slot.statistics()
    assert (stats.put, stats.taken, stats.dropped) == (3, 1, 2)


async def test_get_waits_for_a_put() -> None:
    slot: LatestSlot[str] = LatestSlot()
    got: list[str] = []
    async with anyio.create_task_group() as tg:

        async def consume() -> None:
            got.append(await slot.get())

        tg.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        assert got == []
        slot.put_nowait("frame")
    assert got == ["frame"]


async def test_item_put_before_close_is_still_delivered_then_closed_error() -> None:
    slot: LatestSlot[int] = LatestSlot()
    slot.put_nowait(7)
    slot.close()
    assert await slot.get() == 7
    with pytest.raises(StreamClosedError):
        await slot.get()
    with pytest.raises(StreamClosedError, match="no more frames"):
        slot.put_nowait(8)


async def test_close_wakes_a_waiting_consumer() -> None:
    slot: LatestSlot[int] = LatestSlot()
    outcome: list[str] = []
    async with anyio.create_task_group() as tg:

        async def consume() -> None:
            try:
                await slot.get()
            except StreamClosedError:
                outcome.append("closed")

        tg.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        slot.close()
    assert outcome == ["closed"]


async def test_cancelled_get_loses_nothing() -> None:
    slot: LatestSlot[int] = LatestSlot()
    with anyio.move_on_after(0.01):
        await slot.get()
    slot.put_nowait(5)
    assert slot.get_nowait() == 5


def test_get_nowait_on_empty_slot_would_block() -> None:
    slot: LatestSlot[int] = LatestSlot()
    with pytest.raises(WouldBlockError):
        slot.get_nowait()


def test_discard_counts_a_drop() -> None:
    slot: LatestSlot[int] = LatestSlot()
    slot.put_nowait(1)
    assert slot.discard() is True
    assert slot.discard() is False
    assert slot.statistics().dropped == 1


def test_take_blocking_from_a_worker_thread() -> None:
    slot: LatestSlot[int] = LatestSlot()
    taken: list[int] = []
    worker = threading.Thread(target=lambda: taken.append(slot.take_blocking(timeout=5)))
    worker.start()
    slot.put_nowait(42)
    worker.join(5)
    assert taken == [42]
    with pytest.raises(WouldBlockError, match="within the timeout"):
        slot.take_blocking(timeout=0.01)
    slot.close()
    with pytest.raises(StreamClosedError):
        slot.take_blocking(timeout=1)
