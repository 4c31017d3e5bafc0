"""The HTTP API's sessions: the calls of each ``session_hash``, until its event stream runs them.

``POST /gradio_api/queue/join`` hands a call to :meth:`HttpSessions.join`; ``GET
/gradio_api/queue/data`` claims the session (:meth:`HttpSessions.claim`) and, for as long
as its stream is open, carries its calls out on one runtime session. A session ends when
its stream has nothing left to report (:meth:`HttpSessions.end_if_idle`) or goes away
(:meth:`HttpSessions.end`); a session whose stream never came is forgotten after
``stream_wait`` seconds. Its ``State`` values outlive its streams
(:meth:`HttpSessions.values_of`) for as long as its owner lives: while a heartbeat or an
event stream of it is open or calls wait (:meth:`HttpSessions.hold`,
:meth:`HttpSessions.let_go`), and ``grace`` seconds more (:meth:`HttpSessions.sweep`).
Every buffer is bounded: ``max_waiting`` calls a session waiting for its stream,
``max_open`` calls a session joined and not yet completed (the runtime's
``max_jobs_per_session``), ``max_sessions`` sessions waiting for their stream.
Bookkeeping only, no I/O: everything here is called from the event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from streamcore.app.event_values import SessionValues
from streamcore.errors import StreamcoreError

__all__ = ["HttpSession", "HttpSessions", "Join", "TooManyCallsError"]


class TooManyCallsError(StreamcoreError):
    """A session (or the server) already holds as many calls waiting for a stream as it may."""


@dataclass(frozen=True)
class Join:
    """One call of the HTTP API: the event at ``index`` of the app's dependencies."""

    event_id: str
    index: int
    data: list[Any]
    event_data: Any = None
    request: Any = None
    """The ``gr.Request`` of the HTTP request that joined it."""


class HttpSession:
    """One ``session_hash``'s calls: waiting (:meth:`next_join`), or open until completed."""

    def __init__(
        self,
        session_hash: str,
        created: float,
        max_waiting: int,
        owner: str | None = None,
        max_open: int | None = None,
    ) -> None:
        self.session_hash = session_hash
        self.owner = session_hash if owner is None else owner
        """Whose ``State`` values and uploads its calls use: its ``session_hash``, or for a
        ``/call`` (a stream per call) the client's own ``session_hash``."""
        self.created = created
        self.streaming = False
        self.open_events: set[str] = set()
        """Events joined and not yet completed."""
        self._waiting: deque[Join] = deque()
        self._max_waiting = max_waiting
        self._max_open = max_open
        self._arrived: anyio.Event | None = None
        self._closed = False
        self.cancelled: set[str] = set()
        """Events cancelled before their call started: the stream reports them so."""
        self.cancel_running: Callable[[str], None] | None = None
        """Set by the stream while it runs: cancels the job of an event it started."""

    def cancel(self, event_id: str) -> bool:
        """Cancel the call ``event_id``, waiting or running; whether it is one of ours."""
        if event_id not in self.open_events:
            return False
        if any(join.event_id == event_id for join in self._waiting) or not self.streaming:
            self.cancelled.add(event_id)
        elif self.cancel_running is not None:
            self.cancel_running(event_id)
        return True

    def add(self, join: Join) -> None:
        """Queue ``join`` for the stream; raises :class:`TooManyCallsError` when full, or
        when the session already has ``max_open`` calls joined and not completed."""
        cap = self._max_open
        if cap is not None and len(self.open_events) >= cap:
            raise TooManyCallsError(
                f"this session already has {cap} calls waiting or running, the most one "
                f"session may have (max_jobs_per_session={cap}): wait for some to complete, "
                "or cancel some (POST /gradio_api/cancel), before joining another"
            )
        if len(self._waiting) >= self._max_waiting:
            raise TooManyCallsError(
                "too many calls of this session are waiting for its event stream "
                "(GET /gradio_api/queue/data): read it, or call less at once"
            )
        self._waiting.append(join)
        self.open_events.add(join.event_id)
        self._wake()

    async def next_join(self) -> Join | None:
        """The next waiting call, once there is one; ``None`` once the session has ended."""
        while not self._waiting:
            if self._closed:
                return None
            self._arrived = anyio.Event()
            await self._arrived.wait()
        return self._waiting.popleft()

    def close(self) -> None:
        """No more calls: :meth:`next_join` gives ``None`` once the waiting ones are read."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        if self._arrived is not None:
            self._arrived.set()


class HttpSessions:
    """Every HTTP API session of one server, by ``session_hash`` (see the module docstring)."""

    def __init__(
        self,
        *,
        stream_wait: float = 60.0,
        max_waiting: int = 64,
        max_sessions: int = 10_000,
        max_open: int | None = None,
        grace: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grace = grace
        self.stream_wait = stream_wait
        self.max_waiting = max_waiting
        self.max_sessions = max_sessions
        self.max_open = max_open
        self._clock = clock
        self._sessions: dict[str, HttpSession] = {}
        self._values: OrderedDict[str, SessionValues] = OrderedDict()
        self._unclaimed: dict[str, HttpSession] = {}
        """Sessions whose stream has not come yet, oldest first (see :meth:`_forget_stale`)."""
        self._calls_of: dict[str, int] = {}
        """Sessions with calls, per owner."""
        self._holds: dict[str, int] = {}
        """Open heartbeats and event streams per owner."""
        self._idle: dict[str, float] = {}
        """Owners with nothing open, oldest first, with since when (see :meth:`sweep`)."""

    # -- liveness: while a heartbeat or an event stream is open, or calls wait -----------

    def hold(self, owner: str) -> None:
        """A heartbeat or an event stream of ``owner`` has opened: it is live."""
        self._holds[owner] = self._holds.get(owner, 0) + 1
        self._idle.pop(owner, None)

    def let_go(self, owner: str) -> None:
        """One of ``owner``'s streams has closed; once none is open and no call waits,
        ``owner`` ends ``grace`` seconds later (:meth:`sweep`) unless held again."""
        held = self._holds.get(owner, 0) - 1
        if held > 0:
            self._holds[owner] = held
            return
        self._holds.pop(owner, None)
        self._idle.pop(owner, None)
        self._idle[owner] = self._clock()  # the newest last: the dict stays in time order

    def is_live(self, owner: str) -> bool:
        """Whether ``owner`` has a stream open or calls waiting for one."""
        return owner in self._holds or owner in self._calls_of

    def sweep(self) -> list[str]:
        """End the owners idle for ``grace`` seconds (their ``State`` values are dropped);
        returns them, for their uploads to be deleted. Costs what it ends."""
        deadline = self._clock() - self.grace
        ended: list[str] = []
        while self._idle:
            owner, since = next(iter(self._idle.items()))
            if since > deadline:
                break
            del self._idle[owner]
            if not self.is_live(owner):
                self._values.pop(owner, None)
                ended.append(owner)
        return ended

    def values_of(self, owner: str) -> SessionValues:
        """The ``State`` values of ``owner``, kept from one stream to the next until it
        ends, as Gradio keeps them per session. The ``max_sessions`` used last are kept."""
        values = self._values.pop(owner, None) or SessionValues()
        self._values[owner] = values
        while len(self._values) > self.max_sessions:
            self._values.popitem(last=False)
        return values

    def __len__(self) -> int:
        return len(self._sessions)

    def join(self, session_hash: str, join: Join, owner: str | None = None) -> None:
        """Add a call to the session (made if new, for ``owner``: see
        :attr:`HttpSession.owner`). Raises :class:`TooManyCallsError`."""
        self._forget_stale()
        session = self._sessions.get(session_hash)
        if session is None:
            if len(self._sessions) >= self.max_sessions:
                raise TooManyCallsError("the server holds too many sessions: try again later")
            session = HttpSession(
                session_hash, self._clock(), self.max_waiting, owner, self.max_open
            )
            self._sessions[session_hash] = session
            self._unclaimed[session_hash] = session
            self._calls_of[session.owner] = self._calls_of.get(session.owner, 0) + 1
        session.add(join)

    def get(self, session_hash: str) -> HttpSession | None:
        """The session of ``session_hash``, if it has calls."""
        return self._sessions.get(session_hash)

    def claim(self, session_hash: str) -> HttpSession | None:
        """The session, now streaming; ``None`` if it has no call or already streams."""
        session = self._sessions.get(session_hash)
        if session is None or session.streaming:
            return None
        self._unclaimed.pop(session_hash, None)
        session.streaming = True
        return session

    def end_if_idle(self, session: HttpSession) -> bool:
        """End ``session`` if all its calls have completed; whether it did."""
        if session.open_events:
            return False
        self.end(session)
        return True

    def end(self, session: HttpSession) -> None:
        """Forget ``session``; it takes no more calls."""
        if self._unclaimed.get(session.session_hash) is session:
            del self._unclaimed[session.session_hash]
        if self._sessions.get(session.session_hash) is session:
            del self._sessions[session.session_hash]
            left = self._calls_of[session.owner] - 1
            if left:
                self._calls_of[session.owner] = left
            else:
                del self._calls_of[session.owner]
        session.close()

    def _forget_stale(self) -> None:
        """End the sessions whose stream has not come within ``stream_wait``; costs what it
        ends (``_unclaimed`` is in creation order)."""
        deadline = self._clock() - self.stream_wait
        while self._unclaimed:
            session = next(iter(self._unclaimed.values()))
            if session.created >= deadline:
                break
            del self._unclaimed[session.session_hash]
            if not session.streaming:
                self.end(session)
