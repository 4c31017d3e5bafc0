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
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio

from ..errors import QueueFullError

__all__ = ["ConcurrencyGroup", "Scheduler", "Ticket"]

PositionCallback = Callable[[int, int], None]
"""Called with ``(rank, queue_size)`` whenever a waiting ticket's position changes."""


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
    _granted: anyio.Event = field(default_factory=anyio.Event)


class ConcurrencyGroup:
    """Calls sharing one concurrency limit (``None`` = unlimited)."""

    def __init__(self, group_id: Hashable, limit: int | None) -> None:
        self.id = group_id
        self.limit = limit
        self.running = 0
        self.waiting: deque[Ticket] = deque()

    def tighten(self, limit: int | None) -> None:
        """Apply another member's limit: the lowest wins; ``None`` yields to any number."""
        if limit is not None and (self.limit is None or limit < self.limit):
            self.limit = limit

    def has_room(self) -> bool:
        return self.limit is None or self.running < self.limit


class Scheduler:
    """All concurrency groups of one app, with the app-wide ``max_size`` of the queue."""

    def __init__(self, max_size: int | None = None) -> None:
        self.max_size = max_size
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
            _enqueue(group, ticket)
            self._announce_positions(group)
            try:
                await ticket._granted.wait()
            except BaseException:
                if ticket in group.waiting:
                    group.waiting.remove(ticket)
                    self._announce_positions(group)
                elif ticket.leader is None:  # granted as the cancel arrived: give it back
                    self._release(group)
                raise
        try:
            yield ticket
        finally:
            if ticket.leader is None:
                self._release(group)

    def _grant(self, group: ConcurrencyGroup, ticket: Ticket) -> None:
        group.running += 1
        ticket.batch = [ticket]
        if ticket.batch_key is not None and ticket.max_batch_size > 1:
            for other in list(group.waiting):
                if len(ticket.batch) >= ticket.max_batch_size:
                    break
                if other.batch_key == ticket.batch_key:
                    group.waiting.remove(other)
                    other.leader = ticket
                    ticket.batch.append(other)
                    other._granted.set()
        ticket._granted.set()

    def _release(self, group: ConcurrencyGroup) -> None:
        group.running -= 1
        while group.waiting and group.has_room():
            self._grant(group, group.waiting.popleft())
        self._announce_positions(group)

    def _announce_positions(self, group: ConcurrencyGroup) -> None:
        size = len(group.waiting)
        for rank, ticket in enumerate(group.waiting):
            if ticket.on_position is not None:
                ticket.on_position(rank, size)


def _enqueue(group: ConcurrencyGroup, ticket: Ticket) -> None:
    """Put ``ticket`` behind every waiting ticket of a lower (or no) ``order``."""
    if ticket.order is not None:
        for index, other in enumerate(group.waiting):
            if other.order is not None and other.order > ticket.order:
                group.waiting.insert(index, ticket)
                return
    group.waiting.append(ticket)
