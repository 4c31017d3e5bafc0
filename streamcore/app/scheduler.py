"""The queue: concurrency groups, queue positions, ``max_size`` and greedy batches.

Pure and socket-free. Every queued call holds a :class:`Ticket`; ``async with
scheduler.slot(group_id, ticket)`` waits (FIFO within the group) until the group has a
free slot, holds it for the body and frees it on exit, whatever happens. A stream holds
its slot for its whole lifetime because its whole run is the body.

Batching: when a batchable ticket reaches the head of its group, the tickets of the same
``batch_key`` waiting behind it (up to ``max_batch_size`` in all) are granted with it, at
once, with no waiting for more to arrive (Gradio's rule). The head becomes the batch's
leader (``ticket.batch`` lists the members, itself first); the others are riders
(``ticket.leader`` is set) and take no slot of their own.

Queue positions cost what changes, not what waits. A ticket hears its position
(``on_position(rank, queue_size)``) once when it joins, and again only when its rank has
changed: a ticket joining at the back moves nobody, and leaving moves only the tickets
behind it. The tickets whose rank may have changed are told in one pass per group, at
most once per ``announce_interval`` seconds: the first change after a quiet interval is
told at once, the changes that follow within the interval together at its end (the
group's head ticket waits for that moment, so no timer task is needed). The callback must
not block: a client that is behind is the caller's to handle (the runtime keeps each job's
newest position until its client can take it).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio

from ..engine.clock import Clock, MonotonicClock
from ..errors import QueueFullError

__all__ = ["DEFAULT_ANNOUNCE_INTERVAL", "ConcurrencyGroup", "Scheduler", "Ticket"]

DEFAULT_ANNOUNCE_INTERVAL = 0.5
"""Seconds between two passes that tell a group's waiting tickets their new positions."""

PositionCallback = Callable[[int, int], None]
"""Called with ``(rank, queue_size)`` when a waiting ticket joins and when its rank changes."""


@dataclass(eq=False)
class Ticket:
    """One call's place in the queue."""

    batch_key: Hashable | None = None
    """Tickets with the same key may be batched together; ``None`` never batches."""
    max_batch_size: int = 1
    on_position: PositionCallback | None = None
    batch: list[Ticket] = field(default_factory=list)
    leader: Ticket | None = None
    payload: Any = None
    """Whatever the caller needs back when the ticket is granted (e.g. its inputs)."""
    order: int | None = None
    """Its place in the queue: a lower number waits ahead of a higher one; ``None`` joins at
    the back. The runtime numbers calls as they are triggered, so the work it does before
    queueing (preprocessing, the validator, in worker threads) cannot reorder them."""
    outcome: Any = None
    """For a rider: what its batch leader left for it, set before :attr:`done` is set."""
    done: anyio.Event = field(default_factory=anyio.Event)
    announced: int | None = None
    """The rank its ``on_position`` was last told (``None``: not yet)."""
    _granted: anyio.Event = field(default_factory=anyio.Event)
    _wake: anyio.Event = field(default_factory=anyio.Event)
    """Set when it is granted, and when, as its group's head, it has positions to tell."""


class ConcurrencyGroup:
    """Calls sharing one concurrency limit (``None`` = unlimited)."""

    def __init__(self, group_id: Hashable, limit: int | None) -> None:
        self.id = group_id
        self.limit = limit
        self.running = 0
        self.waiting: deque[Ticket] = deque()
        self.moved_from: int | None = None
        """The first index of :attr:`waiting` whose rank may have changed since the last
        pass that told positions (``None``: nobody's has)."""
        self.told_at = -math.inf
        """When that last pass ran, on the scheduler's clock."""

    def tighten(self, limit: int | None) -> None:
        """Apply another member's limit: the lowest wins; ``None`` yields to any number."""
        if limit is not None and (self.limit is None or limit < self.limit):
            self.limit = limit

    def has_room(self) -> bool:
        return self.limit is None or self.running < self.limit


class Scheduler:
    """All concurrency groups of one app, with the app-wide ``max_size`` of the queue.

    ``announce_interval`` bounds how often a group's waiting tickets are told their new
    positions (see the module docstring), timed on ``clock``.
    """

    def __init__(
        self,
        max_size: int | None = None,
        *,
        announce_interval: float = DEFAULT_ANNOUNCE_INTERVAL,
        clock: Clock | None = None,
    ) -> None:
        if announce_interval < 0:
            raise ValueError(f"announce_interval must be >= 0, not {announce_interval!r}")
        self.max_size = max_size
        self.announce_interval = announce_interval
        self._clock = clock or MonotonicClock()
        self._groups: dict[Hashable, ConcurrencyGroup] = {}

    def register(self, group_id: Hashable, limit: int | None) -> ConcurrencyGroup:
        """Declare that a fn with ``limit`` belongs to ``group_id``; returns the group."""
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = ConcurrencyGroup(group_id, limit)
        else:
            group.tighten(limit)
        return group

    def group(self, group_id: Hashable) -> ConcurrencyGroup:
        return self._groups[group_id]

    @property
    def queue_size(self) -> int:
        """Tickets waiting in every group."""
        return sum(len(group.waiting) for group in self._groups.values())

    def statistics(self) -> dict[str, dict[str, int | None]]:
        return {
            str(g.id): {"limit": g.limit, "running": g.running, "waiting": len(g.waiting)}
            for g in self._groups.values()
        }

    @asynccontextmanager
    async def slot(self, group_id: Hashable, ticket: Ticket) -> AsyncIterator[Ticket]:
        """Wait for a slot in ``group_id``, hold it for the body, free it on exit.

        Raises :class:`QueueFullError` at once if the call would have to wait and the
        queue already holds ``max_size`` tickets. Cancelling the wait removes the ticket
        from the queue. A rider (``ticket.leader`` set on return) holds no slot.
        """
        group = self._groups[group_id]
        if group.has_room() and not group.waiting:
            self._grant(group, ticket)
        else:
            if self.max_size is not None and self.queue_size >= self.max_size:
                raise QueueFullError(
                    f"Queue is full. Max size is {self.max_size} and size is "
                    f"{self.queue_size}; try again later."
                )
            rank = _enqueue(group, ticket)
            if rank < len(group.waiting) - 1:  # it went ahead of others: they moved back
                self._moved(group, rank + 1)
            self._tell(group, ticket, rank)
            try:
                await self._wait_for_grant(group, ticket)
            except BaseException:
                if not ticket._granted.is_set():
                    self._remove(group, ticket)
                elif ticket.leader is None:  # granted as the cancel arrived: give it back
                    self._release(group)
                raise
        try:
            yield ticket
        finally:
            if ticket.leader is None:
                self._release(group)

    # -- granting ----------------------------------------------------------------------------

    def _grant(self, group: ConcurrencyGroup, ticket: Ticket) -> None:
        """Give ``ticket`` (already out of the queue) a slot, with its batch's riders; the
        caller tells the group that ranks moved."""
        group.running += 1
        ticket.batch = [ticket]
        if ticket.batch_key is not None and ticket.max_batch_size > 1:
            for other in group.waiting:
                if len(ticket.batch) >= ticket.max_batch_size:
                    break
                if other.batch_key == ticket.batch_key:
                    ticket.batch.append(other)
            for other in ticket.batch[1:]:
                group.waiting.remove(other)
                other.leader = ticket
                _set_granted(other)
        _set_granted(ticket)

    def _release(self, group: ConcurrencyGroup) -> None:
        group.running -= 1
        granted = False
        while group.waiting and group.has_room():
            self._grant(group, group.waiting.popleft())
            granted = True
        if granted:
            self._moved(group, 0)

    def _remove(self, group: ConcurrencyGroup, ticket: Ticket) -> None:
        """Take a waiting ticket out of the queue; the tickets behind it move up."""
        index = group.waiting.index(ticket)
        del group.waiting[index]
        self._moved(group, index)

    async def _wait_for_grant(self, group: ConcurrencyGroup, ticket: Ticket) -> None:
        """Wait until ``ticket`` is granted; meanwhile, as its group's head, tell the
        group's positions when a pass is due."""
        while not ticket._granted.is_set():
            ticket._wake = anyio.Event()
            if group.moved_from is None or not group.waiting or group.waiting[0] is not ticket:
                await ticket._wake.wait()
                continue
            due = group.told_at + self.announce_interval
            if self._clock.now() >= due:
                self._tell_moved(group)
            else:
                await _sleep_until_or_woken(self._clock, due, ticket._wake)

    # -- telling positions ------------------------------------------------------------------

    def _moved(self, group: ConcurrencyGroup, index: int) -> None:
        """The ranks from ``index`` on may have changed: tell them now if a pass is due,
        else make sure the head knows a pass is pending (it runs it when due)."""
        if index >= len(group.waiting):
            return
        pending = group.moved_from
        if pending is None or index < pending:
            group.moved_from = index
        if self._clock.now() >= group.told_at + self.announce_interval:
            self._tell_moved(group)
        elif pending is None or index == 0:  # a new pass, or a new head that must run it
            group.waiting[0]._wake.set()

    def _tell_moved(self, group: ConcurrencyGroup) -> None:
        """One pass: tell each ticket from :attr:`ConcurrencyGroup.moved_from` on whose rank
        differs from the one it was told."""
        start, group.moved_from = group.moved_from, None
        group.told_at = self._clock.now()
        if start is None:
            return
        for rank, ticket in enumerate(itertools.islice(group.waiting, start, None), start):
            if ticket.announced != rank:
                self._tell(group, ticket, rank)

    def _tell(self, group: ConcurrencyGroup, ticket: Ticket, rank: int) -> None:
        ticket.announced = rank
        if ticket.on_position is not None:
            ticket.on_position(rank, len(group.waiting))


def _set_granted(ticket: Ticket) -> None:
    ticket._granted.set()
    ticket._wake.set()


async def _sleep_until_or_woken(clock: Clock, deadline: float, wake: anyio.Event) -> None:
    """Return at ``deadline`` on ``clock`` or when ``wake`` is set, whichever comes first."""
    async with anyio.create_task_group() as tasks:

        async def alarm() -> None:
            await clock.sleep_until(deadline)
            tasks.cancel_scope.cancel()

        tasks.start_soon(alarm)
        await wake.wait()
        tasks.cancel_scope.cancel()


def _enqueue(group: ConcurrencyGroup, ticket: Ticket) -> int:
    """Put ``ticket`` right before the first waiting ticket of a higher ``order`` (at the
    back when there is none, or when it has no ``order``); returns its rank.

    Numbered tickets stay sorted among themselves, so the search runs from the back and
    stops at the first numbered ticket that is not higher: a ticket triggered last (the
    usual case) costs one look, not one per waiting ticket.
    """
    waiting = group.waiting
    place = len(waiting)
    if ticket.order is not None:
        for index in range(len(waiting) - 1, -1, -1):
            other = waiting[index]
            if other.order is None:
                continue
            if other.order <= ticket.order:
                break
            place = index
    waiting.insert(place, ticket)
    return place
