"""transports.sse_sessions: the HTTP API's calls by session_hash, bounded, on a fake clock."""

from __future__ import annotations

import anyio
import pytest

from transports.sse_sessions import HttpSessions, Join, TooManyCallsError

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def call(event_id: str) -> Join:
    return Join(event_id, 0, [])


@pytest.mark.any_backend
async def test_calls_wait_for_the_stream_that_claims_them() -> None:
    sessions = HttpSessions()
    sessions.join("s", call("a"))
    sessions.join("s", call("b"))
    session = sessions.claim("s")
    assert session is not None
    assert sessions.claim("s") is None  # one stream a session
    assert sessions.claim("other") is None  # no call, no stream
    assert session.open_events == {"a", "b"}
    sessions.end(session)
    assert [await session.next_join() for _ in range(3)] == [call("a"), call("b"), None]


def test_a_session_ends_when_its_calls_have_completed() -> None:
    sessions = HttpSessions()
    sessions.join("s", call("a"))
    session = sessions.claim("s")
    assert session is not None
    assert not sessions.end_if_idle(session)
    assert len(sessions) == 1
    session.open_events.discard("a")
    assert sessions.end_if_idle(session)
    assert len(sessions) == 0
    sessions.join("s", call("b"))  # a new call: a new session
    assert sessions.claim("s") is not session


def test_waiting_calls_are_bounded() -> None:
    sessions = HttpSessions(max_waiting=2, max_sessions=1)
    sessions.join("s", call("a"))
    sessions.join("s", call("b"))
    with pytest.raises(TooManyCallsError, match="waiting for its event stream"):
        sessions.join("s", call("c"))
    with pytest.raises(TooManyCallsError, match="too many sessions"):
        sessions.join("t", call("d"))


def test_calls_joined_and_not_completed_are_bounded_per_session() -> None:
    sessions = HttpSessions(max_open=2)
    sessions.join("s", call("a"))
    sessions.join("s", call("b"))
    with pytest.raises(TooManyCallsError, match=r"2 calls waiting or running.*=2\)"):
        sessions.join("s", call("c"))
    sessions.join("t", call("d"))  # another session has its own
    session = sessions.get("s")
    assert session is not None
    session.open_events.discard("a")  # a call completed: its place is free
    sessions.join("s", call("c"))


def test_sessions_whose_stream_never_came_are_forgotten() -> None:
    clock = FakeClock()
    sessions = HttpSessions(stream_wait=60, clock=clock)
    sessions.join("idle", call("a"))
    sessions.join("live", call("b"))
    live = sessions.claim("live")
    clock.now = 61
    sessions.join("new", call("c"))  # each join forgets the stale ones
    assert sessions.claim("idle") is None
    assert len(sessions) == 2  # "live" streams, "new" is fresh
    assert live is not None


@pytest.mark.any_backend
async def test_a_call_wakes_the_stream_waiting_for_one() -> None:
    sessions = HttpSessions()
    sessions.join("s", call("a"))
    session = sessions.claim("s")
    assert session is not None
    assert await session.next_join() == call("a")
    async with anyio.create_task_group() as tasks:
        got: list[Join | None] = []

        async def read() -> None:
            got.append(await session.next_join())

        tasks.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        sessions.join("s", call("b"))
    assert got == [call("b")]


def test_cancel_marks_a_waiting_call_and_hands_a_running_one_to_the_stream() -> None:
    sessions = HttpSessions()
    sessions.join("s", call("a"))
    session = sessions.get("s")
    assert session is not None
    assert session.cancel("a")
    assert session.cancelled == {"a"}
    assert not session.cancel("unknown")
    cancelled: list[str] = []
    assert sessions.claim("s") is session
    session.cancel_running = cancelled.append
    sessions.join("s", call("b"))
    session.open_events.add("running")  # a call the stream has started
    assert session.cancel("running")
    assert cancelled == ["running"]
    sessions.end(session)


def test_state_values_outlive_streams_and_the_least_recent_go_first() -> None:
    sessions = HttpSessions(max_sessions=2)
    first = sessions.values_of("a")
    first.state[1] = "kept"
    assert sessions.values_of("a") is first
    sessions.values_of("b")
    sessions.values_of("a")  # "a" used last: "b" is the least recent
    sessions.values_of("c")
    assert sessions.values_of("a").state == {1: "kept"}
    assert sessions.values_of("b").state == {}  # forgotten, made anew
