"""One WebSocket connection = one client session: the read loop and the write loop.

:func:`serve_connection` is the whole per-connection life: it opens a
:class:`~streamcore.app.runtime.ClientSession`, hands every message the client sends to the
:class:`~transports.session_protocol.SessionProtocol`, and writes the session's messages
in order (a WebRTC stream's per-frame messages go on its data channel instead, see
:mod:`transports.rtc_peers`). Every reply goes through the session's one bounded channel,
so the client sees them in order and a slow client only slows itself. A disconnect leaves
the session, which cancels its jobs (and closes their WebRTC peers) at once.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from streamcore.app.runtime import AppRuntime, ClientSession

from .protocol import PROTOCOL_VERSION, Welcome, encode_event
from .rtc_peers import ConnectionPeers, RtcSettings
from .session_protocol import SessionProtocol

__all__ = ["serve_connection"]


async def serve_connection(
    connection: ServerConnection,
    runtime: AppRuntime,
    limits: dict[str, Any],
    rtc: RtcSettings | None = None,
) -> None:
    """Run one client session over ``connection`` until either side closes it."""
    async with runtime.session() as session, anyio.create_task_group() as tasks:
        peers = ConnectionPeers(session, tasks, rtc or RtcSettings())
        await session.post(Welcome(session.id, PROTOCOL_VERSION, limits))
        tasks.start_soon(_write_messages, connection, session, peers)
        await _read_requests(connection, SessionProtocol(session, peers.open))
        tasks.cancel_scope.cancel()


async def _read_requests(connection: ServerConnection, protocol: SessionProtocol) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for raw in connection:
            await protocol.receive(raw)


async def _write_messages(
    connection: ServerConnection, session: ClientSession, peers: ConnectionPeers
) -> None:
    suppressed = (ConnectionClosed, anyio.EndOfStream, anyio.ClosedResourceError)
    with contextlib.suppress(*suppressed):
        while True:
            message = await session.receive()
            if peers.send_on_data_channel(message):
                continue
            await connection.send(encode_event(message, binary_frames=session.binary_frames))
