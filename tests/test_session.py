from __future__ import annotations

import contextlib
import threading

import anyio
import numpy as np
import pytest

from streamcore.engine.clock import FakeClock
from streamcore.engine.frames import Frame
from streamcore.engine.session import EndReason, StreamOutput, StreamSession, open_stream
from streamcore.errors import FrameRejected, InvalidInputError, StreamClosedError

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]

PIXELS = np.zeros((4, 4, 3), np.uint8)


def seq_of(frame: Frame) -> int:
    return frame.seq


async def collect(session: StreamSession, into: list[StreamOutput]) -> None:
    async for output in session:
        into.append(output)


def slow_async_handler(clock: FakeClock, seconds: float) -> object:
    async def handler(frame: Frame) -> int:
        await clock.sleep_until(clock.now() + seconds)
        return frame.seq

    return handler


async def send_every(session: StreamSession, clock: FakeClock, period: float, count: int) -> None:
    """Send ``count`` frames ``period`` apart; time goes on after the stream has ended."""
    for _ in range(count):
        with contextlib.suppress(StreamClosedError):
            session.send_nowait(PIXELS)
        await clock.advance(period)


async def test_fn_sees_at_most_one_frame_per_stream_every_latest_wins() -> None:
    clock = FakeClock()
    outputs: list[StreamOutput] = []

    async def handler(frame: Frame) -> tuple[float, int]:
        return clock.now(), frame.seq

    session = StreamSession(handler, stream_every=0.5, clock=clock, idle_timeout=None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(collect, session, outputs)
        await send_every(session, clock, 0.125, 16)
        session.close()
        await clock.advance(1)
    assert [o.value for o in outputs] == [(0.0, 0), (0.5, 3), (1.0, 7), (1.5, 11), (2.0, 15)]
    stats = session.statistics()
    assert (stats.received, stats.processed, stats.dropped) == (16, 5, 11)
    assert stats.replaced == 11
    assert session.frame_counts() == (16, 11)
    assert session.end is not None
    assert session.end.reason is EndReason.CLOSED


async def test_time_limit_takes_no_new_frame_and_delivers_the_call_in_flight() -> None:
    clock = FakeClock()
    outputs: list[StreamOutput] = []
    session = StreamSession(
        slow_async_handler(clock, 0.375),  # type: ignore[arg-type]
        stream_every=0,
        time_limit=1.0,
        clock=clock,
        idle_timeout=None,
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(collect, session, outputs)
        await send_every(session, clock, 0.125, 24)
    # calls start at 0 (frame 0), 0.375 (frame 2, the newest then) and 0.75 (frame 5);
    # the last is in flight at the 1.0 deadline and delivered at 1.125
    assert [o.value for o in outputs] == [0, 2, 5]
    assert session.end is not None
    assert session.end.reason is EndReason.TIME_LIMIT
    assert [o.latency for o in outputs] == [0.375, 0.5, 0.5]


async def test_time_limit_counts_from_run_not_from_construction() -> None:
    clock = FakeClock()
    session = StreamSession(slow_async_handler(clock, 0), time_limit=1.0, clock=clock)  # type: ignore[arg-type]
    await clock.advance(5)  # queued: does not count
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        await clock.advance(0.875)
        assert session.end is None
        await clock.advance(0.125)
    assert session.end is not None
    assert session.end.reason is EndReason.TIME_LIMIT


async def test_idle_stream_ends_after_idle_timeout_without_frames() -> None:
    clock = FakeClock()
    session = StreamSession(slow_async_handler(clock, 0), idle_timeout=2.0, clock=clock)  # type: ignore[arg-type]
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        await clock.advance(1.5)
        session.send_nowait(PIXELS)  # activity pushes the deadline to 3.5
        await clock.advance(1.5)
        assert session.end is None
        await clock.advance(0.5)
    assert session.end is not None
    assert session.end.reason is EndReason.IDLE
    assert clock.now() == 3.5


async def test_cancel_discards_the_call_in_flight() -> None:
    clock = FakeClock()
    outputs: list[StreamOutput] = []
    session = StreamSession(slow_async_handler(clock, 1.0), stream_every=0, clock=clock)  # type: ignore[arg-type]
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(collect, session, outputs)
        session.send_nowait(PIXELS)
        await clock.advance(0.5)
        session.cancel()
    assert outputs == []
    assert session.end is not None
    assert session.end.reason is EndReason.CANCELLED


async def test_close_delivers_the_call_in_flight_as_final_output() -> None:
    clock = FakeClock()
    outputs: list[StreamOutput] = []
    session = StreamSession(slow_async_handler(clock, 1.0), stream_every=0, clock=clock)  # type: ignore[arg-type]
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(collect, session, outputs)
        session.send_nowait(PIXELS)
        await clock.advance(0.5)
        session.send_nowait(PIXELS)  # waiting: dropped by close
        session.close()
        await clock.advance(1.0)
    assert [o.value for o in outputs] == [0]
    stats = session.statistics()
    # the waiting frame was discarded at the end: dropped, but not replaced by a newer one
    assert (stats.dropped, stats.replaced) == (1, 0)
    assert session.frame_counts() == (2, 0)
    assert session.end is not None
    assert session.end.reason is EndReason.CLOSED
    with pytest.raises(StreamClosedError):
        session.send_nowait(PIXELS)


async def test_handler_error_ends_the_stream_with_the_exception() -> None:
    async def handler(frame: Frame) -> int:
        if frame.seq == 2:
            raise ZeroDivisionError("boom")
        return frame.seq

    outputs: list[StreamOutput] = []
    async with open_stream(handler, stream_every=0) as session, anyio.create_task_group() as tg:
        tg.start_soon(collect, session, outputs)
        for _ in range(3):
            session.send_nowait(PIXELS)
            await anyio.wait_all_tasks_blocked()
    assert [o.value for o in outputs] == [0, 1]
    assert session.end is not None
    assert session.end.reason is EndReason.ERROR
    assert isinstance(session.end.error, ZeroDivisionError)
    assert session.statistics().errors == 1


async def test_feed_ends_the_stream_as_exhausted() -> None:
    async def handler(frame: Frame) -> int:
        return frame.seq

    outputs: list[StreamOutput] = []
    session = StreamSession(handler, stream_every=0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(collect, session, outputs)
        await session.feed(Frame(PIXELS, seq=n) for n in range(3))
    assert session.end is not None
    assert session.end.reason is EndReason.EXHAUSTED
    assert outputs, "at least the last frame is processed"
    assert outputs[-1].value == 2


async def test_fast_path_round_trips_frames_on_this_backend() -> None:
    """A sync handler with ``stream_every=0`` (the dedicated worker thread) hands each
    result back to whichever event loop runs the stream, asyncio or trio."""

    def handler(frame: Frame) -> int:
        return frame.seq * 10

    async with open_stream(handler, stream_every=0, idle_timeout=None) as session:
        values = []
        for _ in range(3):
            session.send_nowait(PIXELS)
            values.append((await session.receive()).value)
    assert values == [0, 10, 20]
    assert session.end is not None
    assert session.end.reason is EndReason.CLOSED
    assert session.statistics().processed == 3


async def test_sync_handler_runs_in_a_worker_thread_on_the_fast_path() -> None:
    loop_thread = threading.get_ident()
    threads: set[int] = set()

    last_handled = threading.Event()

    def handler(frame: Frame) -> int:
        threads.add(threading.get_ident())
        if frame.seq == 49:  # the last frame is never replaced, so it is always handled
            last_handled.set()
        return int(np.sum(frame.pixels)) + frame.seq

    outputs: list[StreamOutput] = []
    async with open_stream(handler, stream_every=0) as session, anyio.create_task_group() as tg:
        tg.start_soon(collect, session, outputs)
        for _ in range(50):
            session.send_nowait(PIXELS)
            await anyio.lowlevel.checkpoint()
        await anyio.to_thread.run_sync(last_handled.wait, 10)
        session.close()
    assert loop_thread not in threads
    assert len(threads) == 1, "one dedicated worker thread per stream"
    assert outputs[-1].value == 49
    stats = session.statistics()
    assert stats.received == 50
    assert stats.processed + stats.dropped == 50


@pytest.mark.parametrize("every", [0, 0.05])
async def test_sync_handler_does_not_block_the_loop(every: float) -> None:
    """While the handler runs, the loop runs other tasks: here, the one that lets it finish.

    A handler run on (or blocking) the loop thread would keep that task from running: the
    handler would give up waiting and record ``False``.
    """
    loop_thread = threading.get_ident()
    started, release = threading.Event(), threading.Event()
    calls: list[tuple[bool, bool]] = []  # (off the loop thread, released while running)

    def handler(frame: Frame) -> int:
        started.set()
        calls.append((threading.get_ident() != loop_thread, release.wait(5)))
        return frame.seq

    async def release_once_started() -> None:
        if await anyio.to_thread.run_sync(started.wait, 5):
            release.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(release_once_started)
        async with open_stream(handler, stream_every=every) as session:
            session.send_nowait(PIXELS)
            with anyio.fail_after(10):
                assert (await session.receive()).value == 0
    assert calls == [(True, True)]
    assert session.statistics().processed == 1


async def test_sync_handler_error_on_the_fast_path() -> None:
    def handler(frame: Frame) -> int:
        raise ValueError("bad frame")

    async with open_stream(handler, stream_every=0) as session:
        session.send_nowait(PIXELS)
        with pytest.raises(StreamClosedError):
            await session.receive()
    assert session.end is not None
    assert session.end.reason is EndReason.ERROR
    assert str(session.end.error) == "bad frame"


async def test_cancelling_the_runner_stops_the_worker_thread() -> None:
    started = threading.Event()
    calls: list[int] = []

    release = threading.Event()

    def handler(frame: Frame) -> int:
        calls.append(frame.seq)
        started.set()
        release.wait(10)
        return 0

    session = StreamSession(handler, stream_every=0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        session.send_nowait(PIXELS)
        await anyio.to_thread.run_sync(started.wait)
        session.send_nowait(PIXELS)  # waiting while the first call runs
        tg.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            await anyio.wait_all_tasks_blocked()  # run() has seen the cancellation
        release.set()  # only now does the first call return
    # run() waits for the worker thread to return before it ends: nothing runs after it.
    assert session.end is not None
    assert session.end.reason is EndReason.CANCELLED
    assert calls == [0]
    with pytest.raises(StreamClosedError):
        session.send_nowait(PIXELS)
    assert session.statistics().processed == 0  # the call in flight was discarded


async def test_slow_consumer_gets_the_newest_output_and_drops_are_counted() -> None:
    clock = FakeClock()

    async def handler(frame: Frame) -> int:
        return frame.seq

    session = StreamSession(handler, stream_every=0, clock=clock)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        for _ in range(5):
            session.send_nowait(PIXELS)
            await anyio.wait_all_tasks_blocked()
        assert (await session.receive()).value == 4
        session.close()
    assert session.statistics().outputs_dropped == 4
    assert session.statistics().sent == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stream_every": -1}, "stream_every must be >= 0"),
        ({"time_limit": 0}, "time_limit must be > 0"),
        ({"idle_timeout": -5}, "idle_timeout must be > 0"),
    ],
)
def test_invalid_options_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StreamSession(seq_of, **options)


def test_generator_handler_is_refused() -> None:
    def gen(frame: Frame) -> object:
        yield frame

    with pytest.raises(TypeError, match="generator"):
        StreamSession(gen)


async def test_run_twice_is_refused() -> None:
    session = StreamSession(seq_of, stream_every=0)
    session.close()
    await session.run()
    with pytest.raises(RuntimeError, match="already"):
        await session.run()


@pytest.mark.parametrize("every", [0, 0.01])
async def test_a_refused_frame_is_counted_apart_and_the_stream_goes_on(every: float) -> None:
    def handler(frame: Frame) -> int:
        if frame.seq == 1:
            raise FrameRejected(InvalidInputError("not an image"))
        return frame.seq

    outputs: list[StreamOutput] = []
    async with open_stream(handler, stream_every=every) as session:
        for _ in range(3):
            session.send_nowait(PIXELS)
            outputs.append(await session.receive())
    assert [o.value for o in outputs] == [0, None, 2]
    refusal = outputs[1].rejected
    assert refusal is not None
    assert str(refusal.reason) == "not an image"
    stats = session.statistics()
    assert (stats.processed, stats.rejected, stats.errors) == (2, 1, 0)
    assert session.end is not None
    assert session.end.reason is EndReason.CLOSED
