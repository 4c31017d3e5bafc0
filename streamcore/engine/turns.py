"""A fair, per-process limit on how many stream fn calls run at once.

Every sync stream handler runs in a worker thread. With one thread per stream and no bound
on how many run at once, the fn threads race the event-loop thread for the GIL, and the
loop (which releases the GIL on every socket and SRTP call) loses: frames then wait in the
kernel's buffers and latency grows without bound (issue 16). :class:`FnTurns` bounds the
fn calls running at once; every stream takes its turns through its own :class:`Turn`.

Fairness: turns are granted in the order they were asked for, and a turn released while
others wait is handed straight to the first of them (the releasing stream cannot take it
back before the waiter wakes). A stream that has just run and wants to run again therefore
queues behind every stream already waiting: with ``limit`` turns and ``n`` streams that
always want one, each stream gets ``limit / n`` of the turns and none starves. A plain
semaphore lets the thread that releases re-acquire at once, which starved one stream to
0 frames per second in the profiling of issue 16.

The blocking :meth:`Turn.acquire` is for worker threads; :meth:`Turn.request` and
:meth:`Turn.release` never block, so the policy can be driven step by step (tests,
simulations). Every method is thread-safe.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import StreamClosedError

__all__ = ["FnTurns", "Turn", "default_fn_limit"]

T = TypeVar("T")


def default_fn_limit() -> int:
    """The default limit: the number of CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


class FnTurns:
    """At most ``limit`` fn calls at once, granted first come, first served.

    ``limit=None`` means no limit: every request is granted at once (turns are still
    counted). Make one :class:`Turn` per stream with :meth:`turn`.
    """

    def __init__(self, limit: int | None) -> None:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"the fn limit must be an int or None, not {limit!r}")
        if limit is not None and limit < 1:
            raise ValueError(f"the fn limit must be at least 1 (or None: no limit), not {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._running = 0
        self._waiting: deque[Turn] = deque()
        self._peak = 0

    def turn(self) -> Turn:
        """A new stream's place in the line (one per stream; a stream asks for one turn at
        a time)."""
        return Turn(self)

    @property
    def running(self) -> int:
        """Fn calls holding a turn now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Streams waiting for a turn now."""
        return len(self._waiting)

    @property
    def peak(self) -> int:
        """The most fn calls that held a turn at once so far."""
        return self._peak

    def __repr__(self) -> str:
        return f"<FnTurns limit={self.limit} running={self._running} waiting={len(self._waiting)}>"

    # -- called by Turn, under no lock ----------------------------------------------------

    def _request(self, turn: Turn) -> bool:
        with self._lock:
            if turn._cancelled:
                turn._granted.set()  # a blocked acquire() returns at once, holding nothing
                return False
            if self.limit is None or (self._running < self.limit and not self._waiting):
                self._grant(turn)
                return True
            turn._granted.clear()
            self._waiting.append(turn)
            return False

    def _release(self) -> None:
        with self._lock:
            self._running -= 1
            if self._waiting:  # hand the turn over: the releaser cannot barge back in
                self._grant(self._waiting.popleft())

    def _withdraw(self, turn: Turn) -> None:
        with self._lock:
            turn._cancelled = True
            try:
                self._waiting.remove(turn)
            except ValueError:
                return
            turn._granted.set()  # wakes a blocked acquire(), which sees it was cancelled

    def _grant(self, turn: Turn) -> None:
        self._running += 1
        self._peak = max(self._peak, self._running)
        turn._holding = True
        turn._granted.set()


class Turn:
    """One stream's turns at an :class:`FnTurns`: ask (:meth:`acquire` or :meth:`request`),
    run, :meth:`release`; or :meth:`run` for all three. :meth:`cancel` ends it for good.

    A turn is asked for by one thread at a time (a stream has one call in flight at most).
    """

    def __init__(self, turns: FnTurns) -> None:
        self._turns = turns
        self._granted = threading.Event()
        self._holding = False
        self._cancelled = False

    @property
    def holding(self) -> bool:
        """Whether this stream holds a turn now."""
        return self._holding

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def request(self) -> bool:
        """Ask for a turn without blocking: ``True`` if granted now, else it is queued and
        :attr:`holding` becomes true when it is granted (``False`` too once cancelled)."""
        if self._holding:
            raise RuntimeError("this stream already holds a turn: release it first")
        return self._turns._request(self)

    def acquire(self) -> bool:
        """Block the calling (worker) thread until this stream's turn comes; ``False`` if
        the turn was cancelled (before or while waiting), and then nothing is held."""
        if self.request():
            return True
        self._granted.wait()
        return self._holding

    def release(self) -> None:
        """Give the turn back; the first waiting stream gets it at once."""
        if not self._holding:
            raise RuntimeError("release() of a turn not held")
        self._holding = False
        self._turns._release()

    def cancel(self) -> None:
        """Stop asking, from any thread: a waiting :meth:`acquire` returns ``False`` now,
        later ones at once. A turn held now stays held until :meth:`release`."""
        self._turns._withdraw(self)

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in this stream's turn (blocking until it comes, then releasing it).
        Raises :class:`~streamcore.errors.StreamClosedError` without calling ``fn`` if the
        turn was cancelled."""
        if not self.acquire():
            raise StreamClosedError("the stream ended while it waited for its turn")
        try:
            return fn(*args)
        finally:
            self.release()
