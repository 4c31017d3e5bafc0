"""One running stream: input frames -> latest-wins slot -> throttle -> fn -> outputs.

A :class:`StreamSession` is what a ``.stream`` event becomes for one client. A transport
pushes frames with :meth:`StreamSession.send_nowait` (never blocks; a newer frame replaces
an unprocessed one), reads results with :meth:`StreamSession.receive` (latest-wins too, so
a slow client never grows server memory), and ends it with :meth:`StreamSession.close`
(graceful) or :meth:`StreamSession.cancel` (immediate). :meth:`StreamSession.run` drives
the pipeline and returns how it ended; :func:`open_stream` runs it in the background.

Two pumps move frames to the handler, chosen once per session:

* a sync handler with ``stream_every == 0`` runs in one dedicated worker thread that
  takes frames straight from the slot, so the per-frame thread hand-off (about 0.1 ms on
  2 cores) is off the critical path; it hands results back with the backend's own
  fire-and-forget call (:func:`~streamcore.engine._from_thread.loop_caller`), so the session runs
  on asyncio and on trio alike;
* otherwise an async loop takes frames through :func:`~streamcore.engine.operators.throttle` and
  awaits the handler (async handlers on the loop, sync ones in a worker thread).

Ending rules (see ``docs/semantics.md``): at ``time_limit`` (counted from :meth:`run`) or
on :meth:`close`, no new frame is taken, the call in flight completes and its result is
the final output. After ``idle_timeout`` seconds with no frame in and no result out the
stream ends as ``idle``. A handler exception ends it as ``error``, except
:class:`~streamcore.errors.FrameRejected`: that frame is refused (counted as ``rejected``,
its output carries the refusal) and the stream goes on. :meth:`cancel` discards
the call in flight.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread

from ..errors import FrameRejected, StreamClosedError, WouldBlockError
from ._from_thread import LoopCaller, loop_caller
from .clock import Clock, Deadline, MonotonicClock
from .frames import Frame, Pixels
from .functions import FnKind, fn_kind
from .operators import aiterate, throttle
from .slots import LatestSlot
from .stats import LatencyWindow, StreamStatistics
from .turns import FnTurns, Turn

__all__ = [
    "EndReason",
    "FrameHandler",
    "StreamEnd",
    "StreamOutput",
    "StreamSession",
    "open_stream",
]

FrameHandler = Callable[[Frame], Any] | Callable[[Frame], Awaitable[Any]]
"""Turns one frame into one output value; sync (run in a thread) or async (run on the loop)."""


class EndReason(str, enum.Enum):
    """Why a stream ended; the value is what clients see on the wire."""

    TIME_LIMIT = "time_limit"
    CLOSED = "closed"
    IDLE = "idle"
    EXHAUSTED = "exhausted"
    ERROR = "error"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class StreamOutput:
    """One result: the handler's value for the frame numbered ``seq``."""

    value: Any
    seq: int
    latency: float
    """Seconds from the frame's arrival to the result being ready."""
    pts: float = 0.0
    """The presentation time of the frame it came from."""
    rejected: FrameRejected | None = None
    """Set (and ``value`` is ``None``) when the handler refused the frame."""
    waited: float | None = None
    """Forward delay: seconds from the frame's arrival to the fn starting on it (the time
    it spent in the latest-wins slot and waiting for its fn turn)."""


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """How a stream ended; ``error`` is the handler's exception when ``reason`` is ``error``."""

    reason: EndReason
    error: BaseException | None = None


class StreamSession:
    """One client's running stream; see the module docstring for the rules.

    All methods are called from the event loop thread that runs :meth:`run`.

    ``limiter`` bounds the worker threads; ``fn_turns`` (see :mod:`streamcore.engine.turns`)
    bounds, fairly, how many sync handler calls run at once across every stream sharing it:
    a frame taken waits in its worker thread for the stream's turn (``close`` and
    ``time_limit`` still let it run; ``cancel`` abandons it), and when the turn comes, a
    newer frame that arrived meanwhile is handled instead (the older one counts as
    replaced: latest wins at the moment the fn starts, not when the wait began). Async
    handlers run on the loop and take no turn.
    """

    def __init__(
        self,
        handler: FrameHandler,
        *,
        stream_every: float = 0.5,
        time_limit: float | None = None,
        idle_timeout: float | None = 30.0,
        clock: Clock | None = None,
        limiter: anyio.CapacityLimiter | None = None,
        fn_turns: FnTurns | None = None,
    ) -> None:
        kind = fn_kind(handler)
        if kind.is_generator:
            raise TypeError("a frame handler returns one value per frame; got a generator fn")
        if stream_every < 0:
            raise ValueError(f"stream_every must be >= 0 seconds, not {stream_every}")
        if time_limit is not None and time_limit <= 0:
            raise ValueError(f"time_limit must be > 0 seconds or None, not {time_limit}")
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError(f"idle_timeout must be > 0 seconds or None, not {idle_timeout}")
        self._handler = handler
        self._kind = kind
        self.stream_every = stream_every
        self.time_limit = time_limit
        self.idle_timeout = idle_timeout
        self.clock: Clock = clock or MonotonicClock()
        self._limiter = limiter
        self._turn: Turn | None = None if fn_turns is None or kind.is_async else fn_turns.turn()
        self._inbox: LatestSlot[Frame] = LatestSlot()
        self._outbox: LatestSlot[StreamOutput] = LatestSlot()
        self._latency = LatencyWindow()
        self._next_seq = 0
        self._last_activity = self.clock.now()
        self._reason: EndReason | None = None
        self._error: BaseException | None = None
        self._discard_results = False
        self._wait_scope: anyio.CancelScope | None = None
        self._run_scope: anyio.CancelScope | None = None
        self._processed = 0
        self._received = 0
        self._replaced = 0
        self._superseded = 0
        """Frames taken before a wait for the fn turn and replaced by a newer one when it
        came (counted by the worker thread; :attr:`_replaced` by the loop's)."""
        self._errors = 0
        self._rejected = 0
        self._pump_finished = False
        self._fn_started = 0.0
        self.started_at: float | None = None
        self.end: StreamEnd | None = None

    # -- the producer side -------------------------------------------------------------

    def send_nowait(self, frame: Frame | Pixels, *, pts: float = 0.0) -> bool:
        """Offer a frame; returns ``True`` if it replaced one the fn had not taken yet.

        A bare array is wrapped in a :class:`Frame` numbered in arrival order. The arrival
        time is stamped now. Raises :class:`StreamClosedError` once the stream is ending.
        """
        now = self.clock.now()
        if isinstance(frame, Frame):
            frame = Frame(frame.pixels, frame.pts, frame.seq, now)
        else:
            frame = Frame(frame, pts, self._next_seq, now)
            self._next_seq += 1
        self._last_activity = now
        replaced: bool = self._inbox.put_nowait(frame)
        self._received += 1
        self._replaced += replaced
        return replaced

    async def feed(self, frames: Iterable[Frame | Pixels] | AsyncIterable[Frame | Pixels]) -> None:
        """Send every frame of ``frames`` in turn, then end the stream as ``exhausted``."""
        async for frame in aiterate(frames):
            if self._inbox.closed:
                return
            self.send_nowait(frame)
        self._stop(EndReason.EXHAUSTED, discard_waiting=False)

    def close(self) -> None:
        """The client stops: take no new frame, deliver the call in flight, end as ``closed``."""
        self._stop(EndReason.CLOSED)

    def cancel(self) -> None:
        """End now as ``cancelled``; the call in flight is abandoned and its result dropped."""
        self._discard_results = True
        self._stop(EndReason.CANCELLED)
        if self._run_scope is not None:
            self._run_scope.cancel()

    # -- the consumer side -------------------------------------------------------------

    async def receive(self) -> StreamOutput:
        """The newest result not yet received. Raises :class:`StreamClosedError` at the end."""
        output: StreamOutput = await self._outbox.get()
        return output

    async def __aiter__(self) -> AsyncIterator[StreamOutput]:
        while True:
            try:
                yield await self.receive()
            except StreamClosedError:
                return

    def frame_counts(self) -> tuple[int, int]:
        """``(received, replaced)`` so far: frames offered, and frames a newer one replaced
        before the fn took them. O(1) and lock-free, for every output (unlike
        :meth:`statistics`, which sorts the latency window)."""
        return self._received, self._replaced + self._superseded

    def statistics(self) -> StreamStatistics:
        inbox, outbox = self._inbox.statistics(), self._outbox.statistics()
        p50, p95, p99 = self._latency.percentiles_ms((50, 95, 99))
        return StreamStatistics(
            received=inbox.put,
            processed=self._processed,
            dropped=inbox.dropped + self._superseded,
            replaced=self._replaced + self._superseded,
            outputs_dropped=outbox.dropped,
            sent=outbox.taken,
            errors=self._errors,
            rejected=self._rejected,
            latency_ms_p50=p50,
            latency_ms_p95=p95,
            latency_ms_p99=p99,
        )

    # -- running -----------------------------------------------------------------------

    async def run(self) -> StreamEnd:
        """Run the stream until it ends and return how it ended. Call it once.

        Cancelling the task that runs it ends the stream as ``cancelled``.
        """
        if self.started_at is not None:
            raise RuntimeError("StreamSession.run() was already called")
        self.started_at = self._last_activity = self.clock.now()
        try:
            with anyio.CancelScope() as self._run_scope:
                async with anyio.create_task_group() as watchers:
                    watchers.start_soon(self._close_inbox_when_cancelled)
                    if self.time_limit is not None:
                        watchers.start_soon(self._expire, Deadline(self.clock, self.time_limit))
                    if self.idle_timeout is not None:
                        watchers.start_soon(self._watch_idle, self.idle_timeout)
                    try:
                        await self._pump()
                    except Exception as exc:
                        self._errors += 1
                        self._error = exc
                        self._stop(EndReason.ERROR)
                    self._pump_finished = True
                    watchers.cancel_scope.cancel()
        except BaseException:
            self._discard_results = True
            self._stop(EndReason.CANCELLED)
            raise
        finally:
            self._outbox.close()
            self.end = StreamEnd(self._reason or EndReason.CANCELLED, self._error)
        return self.end

    async def _pump(self) -> None:
        if self._kind is FnKind.SYNC and self.stream_every == 0:
            call_on_loop = loop_caller()
            await anyio.to_thread.run_sync(
                self._pump_in_thread, call_on_loop, limiter=self._limiter
            )
            return
        frames = throttle(self._inbox, self.stream_every, self.clock)
        try:
            while True:
                waited: Frame | None = None
                with anyio.CancelScope() as self._wait_scope:
                    waited = await anext(frames, None)
                self._wait_scope = None
                if waited is None:  # the slot closed, or _stop() cancelled the wait
                    return
                frame = waited
                try:
                    if self._kind is FnKind.SYNC:
                        value, frame = await anyio.to_thread.run_sync(
                            self._handle, frame, limiter=self._limiter
                        )
                    else:
                        value = await self._call(frame)
                except FrameRejected as refusal:
                    value = refusal
                except StreamClosedError:  # cancelled while waiting for its fn turn
                    return
                ready = self.clock.now()
                self._deliver(value, frame.seq, frame.pts, frame.arrival, ready, self._fn_started)
        finally:
            self._wait_scope = None
            await frames.aclose()

    def _handle(self, frame: Frame) -> tuple[Any, Frame]:
        """Run the sync handler in this worker thread and return its value (or its
        :class:`FrameRejected` refusal) and the frame it handled.

        With a fn limit, the call waits for the stream's turn first, and then handles the
        newest frame: ``frame``, or one that arrived while it waited (``frame`` is then
        dropped, counted as replaced). Raises :class:`StreamClosedError` if the stream was
        cancelled while it waited: no frame is handled.
        """
        if self._turn is None:
            return self._call_sync(frame), frame
        return self._turn.run(self._call_newest, frame)

    def _call_newest(self, frame: Frame) -> tuple[Any, Frame]:
        """In the stream's turn: the handler on a frame that replaced ``frame`` in the slot
        while it waited (``frame`` then counts as replaced), else on ``frame``."""
        with suppress(WouldBlockError):
            frame, self._superseded = self._inbox.get_nowait(), self._superseded + 1
        return self._call_sync(frame), frame

    def _call_sync(self, frame: Frame) -> Any:
        try:
            return self._call(frame)
        except FrameRejected as refusal:
            return refusal

    def _call(self, frame: Frame) -> Any:
        """The handler on ``frame``, its start time noted (one call at a time per stream)."""
        self._fn_started = self.clock.now()
        return self._handler(frame)

    def _pump_in_thread(self, call_on_loop: LoopCaller) -> None:
        """The dedicated worker thread: take, handle, hand the result to the loop.

        Results go to the loop through ``call_on_loop`` (see :mod:`streamcore.engine._from_thread`:
        the backend's own fire-and-forget call, ``loop.call_soon_threadsafe`` on asyncio,
        ``TrioToken.run_sync_soon`` on trio), so the thread never waits for the loop.

        The next frame is taken *before* the result is handed over: handing over wakes
        the loop thread, which may then hold the GIL for its whole turn, and a frame
        arriving meanwhile would replace the waiting one although the fn kept up.

        Only the frame's numbers go to the loop, never the frame: the last reference to its
        pixels (a decoded video frame, whose freeing may join converter threads) is dropped
        in this thread.
        """
        clock, deliver, inbox, handle = self.clock, self._deliver, self._inbox, self._handle
        try:
            frame = inbox.take_blocking()
            while True:
                value, frame = handle(frame)
                ready, started = clock.now(), self._fn_started
                try:
                    following: Frame | None = inbox.get_nowait()
                except WouldBlockError:
                    following = None
                finally:  # also when the inbox is closed: the result is still delivered
                    numbers = (frame.seq, frame.pts, frame.arrival, ready, started)
                    call_on_loop(deliver, value, *numbers)
                # the frame (a decoded video frame, say) is freed here, in this thread
                frame = following if following is not None else inbox.take_blocking()
        except StreamClosedError:
            return

    def _deliver(
        self, value: Any, seq: int, pts: float, arrival: float, ready: float, started: float
    ) -> None:
        """Hand a result (or the handler's refusal of frame ``seq``) to the consumer."""
        if self._discard_results:
            return
        latency, waited = ready - arrival, max(0.0, started - arrival)
        self._last_activity = ready
        if isinstance(value, FrameRejected):
            self._rejected += 1
            output = StreamOutput(None, seq, latency, pts, value, waited)
        else:
            self._processed += 1
            self._latency.record(latency)
            output = StreamOutput(value, seq, latency, pts, waited=waited)
        self._outbox.put_nowait(output)

    def _stop(self, reason: EndReason, *, discard_waiting: bool = True) -> None:
        if self._reason is None:
            self._reason = reason
        if self._discard_results and self._turn is not None:
            self._turn.cancel()  # a frame waiting for its turn is abandoned, not handled
        if discard_waiting:
            self._inbox.discard()
            if self._wait_scope is not None:
                self._wait_scope.cancel()
        self._inbox.close()

    async def _expire(self, deadline: Deadline) -> None:
        """``time_limit``: at the deadline no new frame is taken (the waiting one is
        dropped); the call in flight completes and its result is the final output."""
        await deadline.wait()
        self._stop(EndReason.TIME_LIMIT)

    async def _watch_idle(self, idle_for: float) -> None:
        while self.clock.now() < self._last_activity + idle_for:
            await self.clock.sleep_until(self._last_activity + idle_for)
        self._stop(EndReason.IDLE)

    async def _close_inbox_when_cancelled(self) -> None:
        """If :meth:`run` is cancelled from outside, stop the pump (and its thread) now."""
        try:
            await anyio.sleep_forever()
        finally:
            if not self._pump_finished:
                self._discard_results = True
                self._stop(EndReason.CANCELLED)


@asynccontextmanager
async def open_stream(handler: FrameHandler, **options: Any) -> AsyncIterator[StreamSession]:
    """Run a :class:`StreamSession` in the background for the body of the ``async with``.

    Leaving the body closes the stream (graceful) and waits for it to end; an exception in
    the body cancels it instead. ``options`` are those of :class:`StreamSession`.
    """
    session = StreamSession(handler, **options)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        try:
            yield session
        except BaseException:
            session.cancel()
            raise
        session.close()
