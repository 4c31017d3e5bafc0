"""The queue on its own: concurrency groups, FIFO, positions, max_size and greedy batches."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from anyio.abc import TaskGroup

from streamcore.app.scheduler import Scheduler, Ticket
from streamcore.engine.clock import FakeClock
from streamcore.errors import QueueFullError

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]

GROUP = "group"


class Holder:
    """A task that takes a slot and keeps it until :meth:`release` (a queued call)."""

    def __init__(self, scheduler: Scheduler, name: str, ticket: Ticket | None = None) -> None:
        self.scheduler = scheduler
        self.name = name
        self.ticket = ticket or Ticket()
        self.granted = anyio.Event()
        self.finished = anyio.Event()
        self._release = anyio.Event()
        self.scope = anyio.CancelScope()

    async def run(self, group: Hashable = GROUP, log: list[str] | None = None) -> None:
        with self.scope:
            async with self.scheduler.slot(group, self.ticket):
                if log is not None:
                    log.append(self.name)
                self.granted.set()
                await self._release.wait()
        self.finished.set()

    def release(self) -> None:
        self._release.set()


def scheduler_with(limit: int | None, max_size: int | None = None, **options: Any) -> Scheduler:
    scheduler = Scheduler(max_size, **options)
    scheduler.register(GROUP, limit)
    return scheduler


async def test_a_free_group_grants_at_once_and_a_full_one_makes_callers_wait() -> None:
    scheduler = scheduler_with(1)
    first, second = Holder(scheduler, "a"), Holder(scheduler, "b")
    async with anyio.create_task_group() as tg:
        tg.start_soon(first.run)
        await first.granted.wait()
        tg.start_soon(second.run)
        await anyio.wait_all_tasks_blocked()
        assert not second.granted.is_set()
        assert scheduler.statistics()[GROUP] == {"limit": 1, "running": 1, "waiting": 1}
        first.release()
        await second.granted.wait()
        second.release()
    assert scheduler.statistics()[GROUP] == {"limit": 1, "running": 0, "waiting": 0}


async def test_waiting_calls_are_granted_first_in_first_out() -> None:
    scheduler = scheduler_with(1)
    log: list[str] = []
    holders = [Holder(scheduler, name) for name in "abcde"]
    async with anyio.create_task_group() as tg:
        for holder in holders:
            tg.start_soon(holder.run, GROUP, log)
            await anyio.wait_all_tasks_blocked()  # they join the queue in this order
        for holder in holders:
            await holder.granted.wait()
            holder.release()
    assert log == list("abcde")


async def test_a_newcomer_never_jumps_the_queue_even_when_a_slot_is_free_for_a_moment() -> None:
    scheduler = scheduler_with(1)
    log: list[str] = []
    first, second, third = (Holder(scheduler, n) for n in "abc")
    async with anyio.create_task_group() as tg:
        tg.start_soon(first.run, GROUP, log)
        await first.granted.wait()
        tg.start_soon(second.run, GROUP, log)
        await anyio.wait_all_tasks_blocked()
        first.release()
        tg.start_soon(third.run, GROUP, log)  # before b has resumed
        await second.granted.wait()
        second.release()
        await third.granted.wait()
        third.release()
    assert log == ["a", "b", "c"]


async def test_a_waiting_ticket_hears_its_rank_when_it_joins_and_when_it_changes() -> None:
    scheduler = scheduler_with(1, announce_interval=0)
    heard: dict[str, list[tuple[int, int]]] = {name: [] for name in "bcd"}

    def on_position(name: str) -> Ticket:
        return Ticket(on_position=lambda rank, size: heard[name].append((rank, size)))

    running = Holder(scheduler, "a")
    waiting = [Holder(scheduler, name, on_position(name)) for name in "bcd"]
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        for holder in waiting:
            tg.start_soon(holder.run)
            await anyio.wait_all_tasks_blocked()
        running.release()
        await waiting[0].granted.wait()
        for holder in waiting:
            await holder.granted.wait()
            holder.release()
    # joining at the back moves nobody ahead: no one is told again then
    assert heard["b"] == [(0, 1)]
    assert heard["c"] == [(1, 2), (0, 2)]
    assert heard["d"] == [(2, 3), (1, 2), (0, 1)]


class Positions:
    """Waiting tickets that record what they hear."""

    def __init__(self) -> None:
        self.heard: dict[int, list[tuple[int, int]]] = {}

    def ticket(self, number: int) -> Ticket:
        self.heard[number] = []
        return Ticket(on_position=lambda rank, size: self.heard[number].append((rank, size)))

    @property
    def told(self) -> int:
        return sum(len(h) for h in self.heard.values())

    def last(self, number: int) -> tuple[int, int] | None:
        return self.heard[number][-1] if self.heard[number] else None


async def fill(
    scheduler: Scheduler, tg: TaskGroup, count: int, positions: Positions
) -> tuple[Holder, list[Holder]]:
    """One running holder and ``count`` waiting behind it, in order."""
    running = Holder(scheduler, "run")
    tg.start_soon(running.run)
    await running.granted.wait()
    waiting = [Holder(scheduler, str(n), positions.ticket(n)) for n in range(count)]
    queue = scheduler.group(GROUP).waiting
    for holder in waiting:
        tg.start_soon(holder.run)
        while not queue or queue[-1] is not holder.ticket:  # in order, on every backend
            await anyio.lowlevel.checkpoint()
    await anyio.wait_all_tasks_blocked()
    return running, waiting


async def test_telling_positions_costs_what_changes_not_the_square_of_what_waits() -> None:
    clock = FakeClock()
    scheduler = scheduler_with(1, clock=clock)
    positions = Positions()
    count = 2000
    async with anyio.create_task_group() as tg:
        _, waiting = await fill(scheduler, tg, count, positions)
        # each joined at the back: told once, then never again while others joined
        assert positions.told == count
        assert positions.last(count - 1) == (count - 1, count)
        # leaving from the back moves nobody: nobody is told
        for holder in reversed(waiting[-100:]):
            holder.scope.cancel()
            await anyio.wait_all_tasks_blocked()
        assert positions.told == count
        # leaving from the middle moves only those behind: the first leaver's move is told
        # at once (to the 899 behind it), the nine next ones' in one pass at the interval's end
        waiting[1000].scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert positions.told == count + 899
        for holder in waiting[1001:1010]:
            holder.scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert positions.told == count + 899
        await clock.advance(0.5)
        assert positions.told == count + 899 + 890
        assert positions.last(1010) == (1000, count - 110)
        assert positions.heard[999] == [(999, 1000)]  # ahead of the leavers: told once
        tg.cancel_scope.cancel()


async def test_a_burst_of_moves_is_told_in_one_pass_per_interval() -> None:
    clock = FakeClock()
    scheduler = scheduler_with(1, announce_interval=0.5, clock=clock)
    positions = Positions()
    async with anyio.create_task_group() as tg:
        running, waiting = await fill(scheduler, tg, 10, positions)
        running.release()  # the first move after a quiet interval is told at once
        await waiting[0].granted.wait()
        await anyio.wait_all_tasks_blocked()
        assert positions.last(9) == (8, 9)
        for holder in waiting[:4]:  # four more moves within the interval
            holder.release()
            await anyio.wait_all_tasks_blocked()
        assert waiting[4].granted.is_set()
        assert positions.last(9) == (8, 9)  # not told yet
        told = positions.told
        await clock.advance(0.49)
        assert positions.told == told
        await clock.advance(0.01)  # the interval's end: one pass with the ranks of now
        assert positions.last(9) == (4, 5)
        assert positions.last(5) == (0, 5)
        assert positions.told == told + 5
        tg.cancel_scope.cancel()


async def test_the_head_leaving_hands_the_pending_pass_to_the_next_head() -> None:
    clock = FakeClock()
    scheduler = scheduler_with(1, announce_interval=1.0, clock=clock)
    positions = Positions()
    async with anyio.create_task_group() as tg:
        _, waiting = await fill(scheduler, tg, 4, positions)
        waiting[2].scope.cancel()  # told at once: 3 moves up
        await anyio.wait_all_tasks_blocked()
        assert positions.last(3) == (2, 3)
        waiting[0].scope.cancel()  # the head, which would have told the pass, leaves
        await anyio.wait_all_tasks_blocked()
        assert positions.last(3) == (2, 3)
        await clock.advance(1.0)  # the new head tells it
        assert positions.last(1) == (0, 2)
        assert positions.last(3) == (1, 2)
        tg.cancel_scope.cancel()


async def test_a_granted_head_does_not_wait_for_a_pending_pass() -> None:
    clock = FakeClock()
    scheduler = scheduler_with(1, announce_interval=60.0, clock=clock)
    positions = Positions()
    async with anyio.create_task_group() as tg:
        running, waiting = await fill(scheduler, tg, 3, positions)
        waiting[1].scope.cancel()  # told at once; the next move waits for the interval
        waiting[2].scope.cancel()
        await anyio.wait_all_tasks_blocked()
        running.release()
        with anyio.fail_after(5):  # on real time: the fake clock never moves here
            await waiting[0].granted.wait()
        waiting[0].release()


async def test_the_lowest_limit_of_a_group_wins_and_none_yields_to_any_number() -> None:
    scheduler = Scheduler()
    assert scheduler.register("g", 3).limit == 3
    assert scheduler.register("g", None).limit == 3
    assert scheduler.register("g", 5).limit == 3
    assert scheduler.register("g", 2).limit == 2
    assert scheduler.register("h", None).limit is None
    assert scheduler.register("h", 4).limit == 4
    assert scheduler.group("g").limit == 2


async def test_the_lowest_limit_is_what_is_enforced() -> None:
    scheduler = Scheduler()
    scheduler.register(GROUP, 3)
    scheduler.register(GROUP, 2)
    holders = [Holder(scheduler, name) for name in "abc"]
    async with anyio.create_task_group() as tg:
        for holder in holders:
            tg.start_soon(holder.run)
            await anyio.wait_all_tasks_blocked()  # they ask in this order
        assert [h.granted.is_set() for h in holders] == [True, True, False]
        holders[0].release()
        await holders[2].granted.wait()
        for holder in holders[1:]:
            holder.release()


async def test_no_limit_grants_every_caller_at_once() -> None:
    scheduler = scheduler_with(None)
    holders = [Holder(scheduler, str(i)) for i in range(50)]
    async with anyio.create_task_group() as tg:
        for holder in holders:
            tg.start_soon(holder.run)
        await anyio.wait_all_tasks_blocked()
        assert all(h.granted.is_set() for h in holders)
        assert scheduler.queue_size == 0
        assert scheduler.group(GROUP).running == 50
        for holder in holders:
            holder.release()
    assert scheduler.group(GROUP).running == 0


async def test_groups_are_independent() -> None:
    scheduler = Scheduler()
    scheduler.register("x", 1)
    scheduler.register("y", 1)
    in_x, in_y = Holder(scheduler, "x"), Holder(scheduler, "y")
    async with anyio.create_task_group() as tg:
        tg.start_soon(in_x.run, "x")
        await in_x.granted.wait()
        tg.start_soon(in_y.run, "y")  # group x is full now
        await anyio.wait_all_tasks_blocked()
        assert in_y.granted.is_set(), "a full group held back a call of another group"
        assert scheduler.statistics() == {
            "x": {"limit": 1, "running": 1, "waiting": 0},
            "y": {"limit": 1, "running": 1, "waiting": 0},
        }
        in_x.release()
        in_y.release()
    assert in_x.finished.is_set()
    assert in_y.finished.is_set()


async def test_a_full_queue_refuses_with_its_size_in_the_message() -> None:
    scheduler = scheduler_with(1, max_size=1)
    running, waiting = Holder(scheduler, "a"), Holder(scheduler, "b")
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        tg.start_soon(waiting.run)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(QueueFullError, match=r"Queue is full\. Max size is 1 and size is 1"):
            async with scheduler.slot(GROUP, Ticket()):
                pytest.fail("a refused call must not run")
        assert scheduler.queue_size == 1
        assert scheduler.group(GROUP).running == 1
        running.release()
        waiting.release()


async def test_max_size_counts_only_waiting_calls() -> None:
    scheduler = scheduler_with(2, max_size=0)
    holders = [Holder(scheduler, n) for n in "ab"]
    async with anyio.create_task_group() as tg:
        for holder in holders:
            tg.start_soon(holder.run)
        await anyio.wait_all_tasks_blocked()
        assert all(h.granted.is_set() for h in holders)  # no wait, so no refusal
        with pytest.raises(QueueFullError, match="Max size is 0 and size is 0"):
            async with scheduler.slot(GROUP, Ticket()):
                pass
        for holder in holders:
            holder.release()


async def test_the_max_size_is_app_wide_across_groups() -> None:
    scheduler = Scheduler(max_size=1)
    scheduler.register("x", 1)
    scheduler.register("y", 1)
    holders = [Holder(scheduler, n) for n in "abc"]
    async with anyio.create_task_group() as tg:
        tg.start_soon(holders[0].run, "x")
        tg.start_soon(holders[1].run, "y")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(holders[2].run, "x")
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(QueueFullError):
            async with scheduler.slot("y", Ticket()):
                pass
        for holder in holders:
            holder.release()


def batch_ticket(key: Hashable | None = "fn", size: int = 4) -> Ticket:
    return Ticket(batch_key=key, max_batch_size=size)


async def test_a_batchable_call_with_a_free_slot_runs_at_once_alone() -> None:
    scheduler = scheduler_with(1)
    holder = Holder(scheduler, "a", batch_ticket())
    async with anyio.create_task_group() as tg:
        tg.start_soon(holder.run)
        await holder.granted.wait()  # no waiting for more calls to fill the batch
        assert holder.ticket.batch == [holder.ticket]
        assert holder.ticket.leader is None
        holder.release()


async def test_a_batch_takes_the_waiting_calls_of_its_key_up_to_max_batch_size() -> None:
    scheduler = scheduler_with(1)
    running = Holder(scheduler, "run")
    waiting = [Holder(scheduler, f"w{i}", batch_ticket(size=4)) for i in range(5)]
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        for holder in waiting:
            tg.start_soon(holder.run)
            await anyio.wait_all_tasks_blocked()
        running.release()
        await anyio.wait_all_tasks_blocked()
        leader = waiting[0].ticket
        assert leader.batch == [h.ticket for h in waiting[:4]]
        assert all(h.ticket.leader is leader for h in waiting[1:4])
        assert [h.granted.is_set() for h in waiting] == [True] * 4 + [False]
        assert scheduler.group(GROUP).running == 1  # riders take no slot of their own
        for holder in waiting[1:4]:  # riders leave: still one slot in use
            holder.release()
        await anyio.wait_all_tasks_blocked()
        assert scheduler.group(GROUP).running == 1
        assert not waiting[4].granted.is_set()
        waiting[0].release()
        await waiting[4].granted.wait()
        assert waiting[4].ticket.batch == [waiting[4].ticket]
        waiting[4].release()
    assert scheduler.group(GROUP).running == 0


async def test_a_batch_skips_calls_of_other_keys_and_unbatchable_ones() -> None:
    scheduler = scheduler_with(1)
    running = Holder(scheduler, "run")
    keys: list[Hashable | None] = ["fn", None, "other", "fn"]
    waiting = [Holder(scheduler, str(i), batch_ticket(key)) for i, key in enumerate(keys)]
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        for holder in waiting:
            tg.start_soon(holder.run)
            await anyio.wait_all_tasks_blocked()
        running.release()
        await anyio.wait_all_tasks_blocked()
        assert waiting[0].ticket.batch == [waiting[0].ticket, waiting[3].ticket]
        assert not waiting[1].granted.is_set()
        assert not waiting[2].granted.is_set()
        for holder in waiting:
            holder.release()


async def test_max_batch_size_one_never_batches() -> None:
    scheduler = scheduler_with(1)
    running = Holder(scheduler, "run")
    waiting = [Holder(scheduler, str(i), batch_ticket(size=1)) for i in range(2)]
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        for holder in waiting:
            tg.start_soon(holder.run)
            await anyio.wait_all_tasks_blocked()
        running.release()
        await waiting[0].granted.wait()
        await anyio.wait_all_tasks_blocked()
        assert waiting[0].ticket.batch == [waiting[0].ticket]
        assert not waiting[1].granted.is_set()
        for holder in waiting:
            holder.release()


async def test_cancelling_a_waiting_call_removes_its_ticket_and_frees_no_slot() -> None:
    scheduler = scheduler_with(1)
    heard: list[tuple[int, int]] = []
    running = Holder(scheduler, "a")
    cancelled = Holder(scheduler, "b")
    behind = Holder(scheduler, "c", Ticket(on_position=lambda r, s: heard.append((r, s))))
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        tg.start_soon(cancelled.run)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(behind.run)
        await anyio.wait_all_tasks_blocked()
        cancelled.scope.cancel()
        await cancelled.finished.wait()
        assert scheduler.statistics()[GROUP] == {"limit": 1, "running": 1, "waiting": 1}
        assert heard[-1] == (0, 1)  # c moved up
        assert not behind.granted.is_set()  # the cancel gave c no slot
        running.release()
        await behind.granted.wait()
        behind.release()
    assert not cancelled.granted.is_set()
    assert scheduler.statistics()[GROUP] == {"limit": 1, "running": 0, "waiting": 0}


async def test_a_call_cancelled_as_it_is_granted_gives_its_slot_back() -> None:
    scheduler = scheduler_with(1)
    log: list[str] = []
    running, unlucky, behind = (Holder(scheduler, n) for n in "abc")
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run, GROUP, log)
        await running.granted.wait()
        tg.start_soon(unlucky.run, GROUP, log)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(behind.run, GROUP, log)
        await anyio.wait_all_tasks_blocked()
        running.release()  # a leaves and grants b ...
        unlucky.scope.cancel()  # ... which is cancelled before it resumes
        await behind.granted.wait()
        behind.release()
    assert log == ["a", "c"]
    assert scheduler.group(GROUP).running == 0


async def test_a_cancelled_batch_rider_frees_nothing_its_leader_holds() -> None:
    scheduler = scheduler_with(1)
    running = Holder(scheduler, "run")
    leader, rider = (Holder(scheduler, n, batch_ticket()) for n in "lr")
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run)
        await running.granted.wait()
        tg.start_soon(leader.run)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(rider.run)
        await anyio.wait_all_tasks_blocked()
        running.release()
        await rider.granted.wait()
        rider.scope.cancel()
        await rider.finished.wait()
        assert scheduler.group(GROUP).running == 1
        leader.release()
    assert scheduler.group(GROUP).running == 0


async def test_an_exception_in_the_body_frees_the_slot() -> None:
    scheduler = scheduler_with(1)
    with pytest.raises(RuntimeError):
        async with scheduler.slot(GROUP, Ticket()):
            raise RuntimeError("fn failed")
    assert scheduler.group(GROUP).running == 0
    async with scheduler.slot(GROUP, Ticket()):
        assert scheduler.group(GROUP).running == 1


async def test_a_ticket_numbered_earlier_waits_ahead_of_later_ones_whenever_it_arrives() -> None:
    scheduler = scheduler_with(1)
    log: list[str] = []
    running = Holder(scheduler, "run")
    late, early, unnumbered = (
        Holder(scheduler, "late", Ticket(order=5)),
        Holder(scheduler, "early", Ticket(order=2)),
        Holder(scheduler, "none", Ticket()),
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(running.run, GROUP, log)
        await running.granted.wait()
        for holder in (late, unnumbered, early):  # early was slower to get here
            tg.start_soon(holder.run, GROUP, log)
            await anyio.wait_all_tasks_blocked()
        assert list(scheduler.group(GROUP).waiting) == [
            early.ticket,
            late.ticket,
            unnumbered.ticket,
        ]
        for holder in (running, early, late, unnumbered):
            await holder.granted.wait()
            holder.release()
    assert log == ["run", "early", "late", "none"]
