"""The fair limit on concurrent stream fn calls (streamcore.engine.turns)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import anyio
import numpy as np
import pytest

from streamcore.engine.frames import Frame
from streamcore.engine.session import EndReason, StreamSession
from streamcore.engine.turns import FnTurns, Turn, default_fn_limit
from streamcore.errors import StreamClosedError

PIXELS = np.zeros((2, 2, 3), np.uint8)


def simulate(limit: int, durations: list[int], ticks: int) -> tuple[Counter[int], int]:
    """Streams that always want to run (stream ``i``'s fn takes ``durations[i]`` ticks of a
    fake clock), driven through the non-blocking API; returns the turns each one got and
    the most turns other streams got while one waited."""
    turns = FnTurns(limit)
    places = [turns.turn() for _ in durations]
    ends: dict[int, int] = {}  # stream -> tick its running call ends
    got: Counter[int] = Counter()
    asked_at: dict[int, int] = {}  # stream -> total turns granted when it asked
    longest_wait = 0
    for i, place in enumerate(places):
        asked_at[i] = sum(got.values())
        if place.request():
            ends[i] = durations[i]
            got[i] += 1
    for now in range(1, ticks + 1):
        for i in sorted(i for i, end in ends.items() if end == now):
            del ends[i]
            places[i].release()  # hands the turn to the first waiting stream
            asked_at[i] = sum(got.values())
            places[i].request()  # wants to run again at once: to the back of the line
        for i, place in enumerate(places):
            if place.holding and i not in ends:
                longest_wait = max(longest_wait, sum(got.values()) - asked_at[i])
                ends[i] = now + durations[i]
                got[i] += 1
        assert len(ends) <= limit
    return got, longest_wait


def test_limit_one_three_streams_take_thirds() -> None:
    got, longest_wait = simulate(limit=1, durations=[1, 1, 1], ticks=300)
    assert sorted(got.values()) == [100, 100, 101]  # the first stream also ran at tick 0
    assert longest_wait == 2  # the two others, then it


def test_uneven_fns_share_turns_and_none_starves() -> None:
    got, longest_wait = simulate(limit=2, durations=[1, 3, 1, 2, 5], ticks=600)
    # first come, first served: a stream that asks waits for at most one turn of each
    # other stream (4, plus one handed over in the same tick and counted after it asked);
    # a slow fn holds its turn longer, so it gets fewer of them
    assert longest_wait <= 5
    assert min(got.values()) >= 50, got  # the 5-tick fn: 77 turns, 385 of 1,200 slot-ticks


def test_threads_limit_one_round_robin() -> None:
    turns = FnTurns(1)
    order: list[int] = []
    running = 0
    most = 0
    lock = threading.Lock()
    stop = threading.Event()

    def fn(i: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        order.append(i)
        time.sleep(0.0002)  # releases the GIL: the other streams get to ask meanwhile
        if len(order) >= 600:
            stop.set()
        with lock:
            running -= 1

    def stream(i: int, ready: threading.Barrier) -> None:
        place = turns.turn()
        ready.wait()
        while not stop.is_set():
            place.run(fn, i)

    ready = threading.Barrier(3)
    threads = [threading.Thread(target=stream, args=(i, ready)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 1
    counts = Counter(order[:600])
    assert set(counts) == {0, 1, 2}
    assert min(counts.values()) >= 150, counts  # about 200 each; never starved
    assert turns.running == 0
    assert turns.waiting == 0


def test_cancel_wakes_a_waiting_acquire() -> None:
    turns = FnTurns(1)
    holder, waiter = turns.turn(), turns.turn()
    assert holder.acquire()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(waiter.acquire()))
    thread.start()
    while turns.waiting == 0:
        threading.Event().wait(0.001)
    waiter.cancel()
    thread.join(5)
    assert result == [False]
    assert not waiter.holding
    assert turns.waiting == 0
    assert not waiter.acquire()  # cancelled for good
    with pytest.raises(StreamClosedError):
        waiter.run(lambda: None)
    holder.release()
    assert turns.running == 0


def test_cancelled_waiter_is_skipped() -> None:
    turns = FnTurns(1)
    first, second, third = turns.turn(), turns.turn(), turns.turn()
    assert first.request()
    assert not second.request()
    assert not third.request()
    second.cancel()
    first.release()
    assert third.holding
    assert not second.holding


def test_no_limit_never_waits() -> None:
    turns = FnTurns(None)
    places = [turns.turn() for _ in range(50)]
    assert all(place.request() for place in places)
    assert turns.running == turns.peak == 50
    for place in places:
        place.release()
    assert turns.running == 0


def test_misuse_is_refused() -> None:
    turns = FnTurns(2)
    place = turns.turn()
    with pytest.raises(RuntimeError):
        place.release()
    place.request()
    with pytest.raises(RuntimeError):
        place.request()
    for bad in (0, -1):
        with pytest.raises(ValueError, match="at least 1"):
            FnTurns(bad)
    for wrong in (1.5, True, "2"):
        with pytest.raises(TypeError):
            FnTurns(wrong)  # type: ignore[arg-type]
    assert isinstance(turns.turn(), Turn)
    assert default_fn_limit() >= 1


@pytest.mark.anyio
@pytest.mark.any_backend
@pytest.mark.parametrize("stream_every", [0.0, 0.001])
async def test_sessions_share_the_limit(stream_every: float) -> None:
    """Four streams with a sync handler and a limit of 2: never more than 2 handler calls
    at once, and every stream gets outputs (both pumps)."""
    turns = FnTurns(2)
    running = 0
    most = 0
    lock = threading.Lock()

    def handler(frame: Frame) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.005)
        with lock:
            running -= 1
        return frame.seq

    sessions = [StreamSession(handler, stream_every=stream_every, fn_turns=turns) for _ in range(4)]
    outputs: Counter[int] = Counter()

    async def read(i: int, session: StreamSession) -> None:
        async for _ in session:
            outputs[i] += 1

    async with anyio.create_task_group() as tg:
        for i, session in enumerate(sessions):
            tg.start_soon(session.run)
            tg.start_soon(read, i, session)
        for _ in range(40):
            for session in sessions:
                session.send_nowait(PIXELS)
            await anyio.sleep(0.005)
        for session in sessions:
            session.close()
    assert most <= 2
    assert turns.peak <= 2
    assert all(outputs[i] > 0 for i in range(4)), outputs


@pytest.mark.anyio
@pytest.mark.any_backend
@pytest.mark.parametrize("stream_every", [0.0, 0.001])
async def test_cancel_abandons_a_frame_waiting_for_its_turn(stream_every: float) -> None:
    turns = FnTurns(1)
    holder = turns.turn()
    assert holder.acquire()  # another stream's fn is running and keeps running
    calls: list[int] = []
    session = StreamSession(calls.append, stream_every=stream_every, fn_turns=turns)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        session.send_nowait(PIXELS)
        with anyio.fail_after(5):
            while turns.waiting == 0:  # noqa: ASYNC110 (a worker thread queues it)
                await anyio.sleep(0.001)
        session.cancel()
    assert session.end is not None
    assert session.end.reason is EndReason.CANCELLED
    assert session.end.error is None
    assert calls == []
    holder.release()
    assert turns.running == 0


@pytest.mark.anyio
@pytest.mark.any_backend
@pytest.mark.parametrize("stream_every", [0.0, 0.001])
async def test_the_turn_handles_the_newest_frame_not_the_one_that_waited(
    stream_every: float,
) -> None:
    """A frame taken while another stream holds the only turn waits; frames sent meanwhile
    replace one another in the slot; when the turn comes the fn gets the newest, and the
    frame that waited counts as replaced (latest wins when the fn starts)."""
    turns = FnTurns(1)
    holder = turns.turn()
    assert holder.acquire()  # another stream's fn is running
    handled: list[int] = []
    session = StreamSession(
        lambda frame: handled.append(frame.seq), stream_every=stream_every, fn_turns=turns
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        session.send_nowait(PIXELS)  # frame 0: taken, then waits for the turn
        with anyio.fail_after(5):
            while turns.waiting == 0:  # noqa: ASYNC110 (a worker thread queues it)
                await anyio.sleep(0.001)
        for _ in range(3):  # frames 1, 2, 3: 3 replaces 2, which replaced 1
            session.send_nowait(PIXELS)
        holder.release()
        with anyio.fail_after(5):
            while not handled:  # noqa: ASYNC110 (the worker thread handles it)
                await anyio.sleep(0.001)
        session.close()
    assert handled == [3]
    stats = session.statistics()
    assert (stats.received, stats.processed) == (4, 1)
    assert stats.replaced == 3  # 1 and 2 in the slot, 0 when the turn came
    assert session.frame_counts() == (4, 3)


def test_the_event_keyword_is_checked() -> None:
    import streamcore as gr

    with gr.Blocks():
        camera = gr.Image(streaming=True)
        event = camera.stream(lambda x: x, camera, camera, max_concurrent_fns=3)
        assert event.max_concurrent_fns == 3
        assert camera.stream(lambda x: x, camera, camera).max_concurrent_fns == "app"
        for bad in (0, 1.5, "auto"):
            with pytest.raises(ValueError, match="max_concurrent_fns"):
                camera.stream(lambda x: x, camera, camera, max_concurrent_fns=bad)
        with pytest.raises(ValueError, match="stream events only"):
            camera.change(lambda x: x, camera, camera, max_concurrent_fns=2)
