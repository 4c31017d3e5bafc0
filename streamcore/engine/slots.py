"""Latest-wins slots: the only buffer on the frame path.

A :class:`LatestSlot` holds at most one item. Putting into a full slot replaces the item
that was there and counts it as dropped, so a producer faster than its consumer never
builds a backlog: the consumer always gets the newest item, late by at most one item.

The slot is shared between the event loop and one worker thread: ``put_nowait`` and
``close`` are called from the event loop; ``get`` is awaited on the event loop or
``take_blocking`` is called from a worker thread (one consumer at a time).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio

from ..errors import StreamClosedError, WouldBlockError

__all__ = ["LatestSlot", "SlotStatistics"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SlotStatistics:
    """Counters of a :class:`LatestSlot` since it was made."""

    put: int
    """Items put into the slot."""
    taken: int
    """Items a consumer got."""
    dropped: int
    """Items replaced by a newer one before any consumer got them."""
    closed: bool


class LatestSlot(Generic[T]):
    """A one-item buffer where a newer item replaces an unread one.

    ``get`` / ``take_blocking`` raise :class:`StreamClosedError` once the slot is closed
    and empty; an item put before ``close`` is still delivered.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._item: T | None = None
        self._full = False
        self._closed = False
        self._waiter: anyio.Event | None = None
        self._put = 0
        self._taken = 0
        self._dropped = 0

    def put_nowait(self, item: T) -> bool:
        """Put ``item``, replacing an unread one. Returns ``True`` if one was replaced.

        Raises :class:`StreamClosedError` if the slot is closed. Never blocks.
        """
        with self._lock:
            if self._closed:
                raise StreamClosedError("the stream has ended; no more frames are taken")
            replaced = self._full
            self._item, self._full = item, True
            self._put += 1
            self._dropped += replaced
            self._ready.notify()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.set()
        return replaced

    def get_nowait(self) -> T:
        """Take the item. Raises :class:`WouldBlockError` if empty, or closed and empty."""
        with self._lock:
            return self._take_locked()

    async def get(self) -> T:
        """Wait for an item and take it. Cancelling the wait is safe (nothing is lost)."""
        while True:
            with self._lock:
                if self._full or self._closed:
                    return self._take_locked()
                if self._waiter is None:
                    self._waiter = anyio.Event()
                waiter = self._waiter
            await waiter.wait()

    def take_blocking(self, timeout: float | None = None) -> T:
        """Block the calling (worker) thread until an item comes, and take it.

        Raises :class:`WouldBlockError` when ``timeout`` passes with nothing to take.
        """
        with self._lock:
            if not self._ready.wait_for(lambda: self._full or self._closed, timeout):
                raise WouldBlockError("no item came within the timeout")
            return self._take_locked()

    def _take_locked(self) -> T:
        if self._full:
            item, self._item, self._full = self._item, None, False
            self._taken += 1
            return item  # type: ignore[return-value]
        if self._closed:
            raise StreamClosedError("the stream has ended")
        raise WouldBlockError("the slot is empty")

    def close(self) -> None:
        """Refuse further puts and wake every consumer. Idempotent."""
        with self._lock:
            self._closed = True
            self._ready.notify_all()
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.set()

    def discard(self) -> bool:
        """Drop the unread item, if any, counting it as dropped. Returns whether one was."""
        with self._lock:
            had = self._full
            self._item, self._full = None, False
            self._dropped += had
            return had

    @property
    def closed(self) -> bool:
        return self._closed

    def statistics(self) -> SlotStatistics:
        with self._lock:
            return SlotStatistics(self._put, self._taken, self._dropped, self._closed)
