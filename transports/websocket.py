"""One WebSocket connection = one client session: requests in, job messages out.

:func:`serve_connection` is the whole per-connection life: it opens a
:class:`~streamcore.runtime.ClientSession`, reads requests (parsed by the sans-I/O codec
in :mod:`transports.protocol`) and hands them to the session, while a second task writes
the session's messages in order. Every reply goes through the session's one bounded
channel, so the client sees them in order and a slow client only slows itself.
A disconnect leaves the session, which cancels its jobs at once.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import anyio
import anyio.to_thread
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from streamcore.errors import InvalidInputError, StreamClosedError
from streamcore.files import save_bytes_to_cache
from streamcore.frames import Frame
from streamcore.runtime import AppRuntime, ClientSession, UnknownJobError

from .protocol import (
    PROTOCOL_VERSION,
    Cancel,
    CloseStream,
    FrameData,
    Hello,
    OpenStream,
    Ping,
    Pong,
    ProtocolError,
    Request,
    ServerError,
    Submit,
    UpdateInputs,
    Upload,
    Uploaded,
    Welcome,
    encode_event,
    parse_request,
)

__all__ = ["serve_connection"]

log = logging.getLogger("streamcore.transports")


async def serve_connection(
    connection: ServerConnection, runtime: AppRuntime, limits: dict[str, Any]
) -> None:
    """Run one client session over ``connection`` until either side closes it."""
    async with runtime.session() as session:
        await session.post(Welcome(session.id, PROTOCOL_VERSION, limits))
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_write_messages, connection, session)
            await _read_requests(connection, session)
            tasks.cancel_scope.cancel()


async def _write_messages(connection: ServerConnection, session: ClientSession) -> None:
    with contextlib.suppress(ConnectionClosed, anyio.EndOfStream, anyio.ClosedResourceError):
        while True:
            message = await session.receive()
            await connection.send(encode_event(message, binary_frames=session.binary_frames))


async def _read_requests(connection: ServerConnection, session: ClientSession) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for raw in connection:
            try:
                request = parse_request(raw)
                await _handle(request, session)
            except ProtocolError as exc:
                await session.post(ServerError(exc.code, exc.message, exc.ref, exc.job))


async def _handle(request: Request, session: ClientSession) -> None:
    """Carry out one request; a refusal becomes an ``error`` reply naming the problem."""
    ref = getattr(request, "ref", None)
    job = getattr(request, "job", None)
    try:
        await _dispatch(request, session)
    except UnknownJobError as exc:
        await session.post(ServerError("unknown_job", str(exc), ref, job))
    except StreamClosedError:
        message = "that stream has stopped taking frames"
        await session.post(ServerError("stream_ended", message, ref, job))
    except KeyError as exc:
        await session.post(ServerError("unknown_api", str(exc.args[0]), ref, job))
    except (InvalidInputError, ValueError, TypeError) as exc:
        text = str(exc)
        code = (
            "is_a_stream"
            if "is a stream event" in text
            else (
                "not_a_stream"
                if "not a stream event" in text or "is not a stream" in text
                else "bad_input"
            )
        )
        await session.post(ServerError(code, text, ref, job))


async def _dispatch(request: Request, session: ClientSession) -> None:
    if isinstance(request, FrameData):
        session.send_frame(request.job, Frame(request.data, seq=request.seq or 0))
    elif isinstance(request, Submit):
        await session.submit(request.api_name, request.data, request.event_data, ref=request.ref)
    elif isinstance(request, OpenStream):
        await session.open_stream(request.api_name, request.data, ref=request.ref)
    elif isinstance(request, UpdateInputs):
        session.update_inputs(request.job, request.data)
    elif isinstance(request, CloseStream):
        session.close_stream(request.job)
    elif isinstance(request, Cancel):
        session.cancel(request.job)
    elif isinstance(request, Upload):
        policy = session.runtime.file_access
        path = await anyio.to_thread.run_sync(
            save_bytes_to_cache, request.data, request.name, policy
        )
        await session.post(Uploaded(request.ref, str(path)))
    elif isinstance(request, Hello):
        if request.protocol != PROTOCOL_VERSION:
            raise ProtocolError(
                "bad_message",
                f"this server speaks protocol {PROTOCOL_VERSION}, not {request.protocol}",
            )
        session.binary_frames = request.binary_frames
    elif isinstance(request, Ping):
        await session.post(Pong(request.ref))
