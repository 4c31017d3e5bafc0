"""One WebSocket connection = one client session: the read loop and the write loop.

:func:`serve_connection` is the whole per-connection life: it opens a
:class:`~streamcore.app.runtime.ClientSession`, hands every message the client sends to the
:class:`~transports.session_protocol.SessionProtocol`, and writes the session's messages
in order (a WebRTC stream's per-frame messages go on its data channel instead, see
:mod:`transports.rtc_peers`). Every reply goes through the session's one bounded channel,
so the client sees them in order and a slow client only slows itself. A disconnect leaves
the session, which cancels its jobs (and closes their WebRTC peers) at once.

A session with no job running or waiting and no message either way for
``limits["session_idle_timeout"]`` seconds is closed with code 1001 (Going Away) and a
reason naming the setting (:class:`Activity`, :func:`close_when_idle`), so that clients
that connect and do nothing do not hold a connection for good.

The loops know the connection only as a :class:`MessageSocket` (receive a message, send
one, close with a code), so they run over any WebSocket implementation;
:mod:`transports.ws_route` adapts Starlette's.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

import anyio

from streamcore.app.observer import SessionObserver
from streamcore.app.runtime import AppRuntime, ClientSession
from streamcore.messages import Accepted, Completed, Message

from .client_request import client_request
from .protocol import PROTOCOL_VERSION, Welcome, encode_event
from .rtc_peers import ConnectionPeers, RtcSettings
from .session_protocol import SessionProtocol
from .worker_id import worker_id

__all__ = [
    "GOING_AWAY",
    "MESSAGE_TOO_BIG",
    "Activity",
    "MessageSocket",
    "SocketClosed",
    "close_when_idle",
    "serve_connection",
]

MESSAGE_TOO_BIG = 1009
"""The WebSocket close code for a message over ``max_message_bytes`` (RFC 6455)."""

GOING_AWAY = 1001
"""The WebSocket close code for a session closed after ``session_idle_timeout``."""


class SocketClosed(Exception):
    """The connection is closed (by either side); nothing more can be received or sent."""


class MessageSocket(Protocol):
    """An accepted WebSocket connection, message by message."""

    async def receive(self) -> str | bytes:
        """The next whole message; raises :class:`SocketClosed` once the connection closed."""
        ...

    async def send(self, message: str | bytes) -> None:
        """Send one message (text for ``str``), waiting while the peer is slow to read;
        raises :class:`SocketClosed` if the connection is closed."""
        ...

    async def close(self, code: int, reason: str = "") -> None:
        """Start the closing handshake with ``code``; a no-op once closed."""
        ...


async def serve_connection(
    socket: MessageSocket,
    runtime: AppRuntime,
    limits: dict[str, Any],
    rtc: RtcSettings | None = None,
    observer: SessionObserver | None = None,
) -> None:
    """Run one client session over ``socket`` until either side closes it; ``observer``
    (the server's metrics) watches its session.

    A message longer than ``limits["max_message_bytes"]`` closes the connection with code
    1009 (the server in front may refuse it first, with the same code). With a
    ``limits["session_idle_timeout"]`` (seconds), an idle session is closed with code 1001
    (see the module docstring).
    """
    activity = Activity()
    async with runtime.session(observer=observer) as session, anyio.create_task_group() as tasks:
        connection = getattr(socket, "connection", None)  # the handshake, when there is one
        if connection is not None:
            session.request = client_request(connection, session.id)
        peers = ConnectionPeers(session, tasks, rtc or RtcSettings())
        await session.post(Welcome(session.id, PROTOCOL_VERSION, limits, worker_id()))
        tasks.start_soon(_write_messages, socket, session, peers, activity)
        idle_timeout = limits.get("session_idle_timeout")
        if idle_timeout is not None:
            tasks.start_soon(close_when_idle, socket, activity, float(idle_timeout))
        protocol = SessionProtocol(session, peers.open)
        await _read_requests(socket, protocol, int(limits["max_message_bytes"]), activity)
        tasks.cancel_scope.cancel()


class Activity:
    """When a connection last carried a message, and which of its jobs are open (accepted
    and not yet completed), as seen in the messages that pass the loops."""

    def __init__(self) -> None:
        self.last = anyio.current_time()
        """The event loop's clock at the last message either way."""
        self.jobs: set[str] = set()

    def saw(self, message: Message | None = None) -> None:
        """A message passed (``message``, when it is one of the session's)."""
        self.last = anyio.current_time()
        if isinstance(message, Accepted):
            self.jobs.add(message.job)
        elif isinstance(message, Completed):
            self.jobs.discard(message.job)

    def idle_for(self) -> float:
        """Seconds since the last message, or ``0.0`` while a job is open."""
        return 0.0 if self.jobs else anyio.current_time() - self.last


async def close_when_idle(socket: MessageSocket, activity: Activity, seconds: float) -> None:
    """Close ``socket`` with :data:`GOING_AWAY` once ``activity`` has been idle for
    ``seconds``; return then. It wakes once per ``seconds`` at most (a deadline that moves
    with every message needs no wake-up per message)."""
    idle = activity.idle_for()
    while idle < seconds:
        await anyio.sleep(seconds - idle)
        idle = activity.idle_for()
    reason = f"no job and no message for {seconds:g} s (session_idle_timeout)"
    await socket.close(GOING_AWAY, reason)


async def _read_requests(
    socket: MessageSocket, protocol: SessionProtocol, max_bytes: int, activity: Activity
) -> None:
    with contextlib.suppress(SocketClosed):
        while True:
            raw = await socket.receive()
            activity.saw()
            if _longer_than(raw, max_bytes):
                await socket.close(MESSAGE_TOO_BIG, f"message over {max_bytes} bytes")
                return
            await protocol.receive(raw)


def _longer_than(raw: str | bytes, max_bytes: int) -> bool:
    """Whether ``raw`` takes more than ``max_bytes`` on the wire (UTF-8 for text)."""
    if isinstance(raw, bytes) or len(raw) * 4 <= max_bytes:  # UTF-8: at most 4 bytes a char
        return len(raw) > max_bytes
    return len(raw.encode()) > max_bytes


async def _write_messages(
    socket: MessageSocket, session: ClientSession, peers: ConnectionPeers, activity: Activity
) -> None:
    suppressed = (SocketClosed, anyio.EndOfStream, anyio.ClosedResourceError)
    with contextlib.suppress(*suppressed):
        while True:
            message = await session.receive()
            activity.saw(message)
            if peers.send_on_data_channel(message):
                continue
            await socket.send(encode_event(message, binary_frames=session.binary_frames))
