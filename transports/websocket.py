"""One WebSocket connection = one client session: requests in, job messages out.

:func:`serve_connection` is the whole per-connection life: it opens a
:class:`~streamcore.runtime.ClientSession`, reads requests (parsed by the sans-I/O codec
in :mod:`transports.protocol`) and hands them to the session, while a second task writes
the session's messages in order. Every reply goes through the session's one bounded
channel, so the client sees them in order and a slow client only slows itself.
A disconnect leaves the session, which cancels its jobs (and closes their WebRTC peers)
at once.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from streamcore.errors import InvalidInputError, ProtocolError, StreamcoreError, wire_error
from streamcore.files import save_bytes_to_cache
from streamcore.frames import Frame
from streamcore.messages import Completed, FrameError, Message, Output
from streamcore.runtime import AppRuntime, ClientSession

from .protocol import (
    PROTOCOL_VERSION,
    Cancel,
    CloseStream,
    FrameData,
    Hello,
    OpenStream,
    Ping,
    Pong,
    Request,
    RtcAnswer,
    RtcOffer,
    ServerError,
    Submit,
    UpdateInputs,
    Upload,
    Uploaded,
    Welcome,
    encode_event,
    parse_request,
)

__all__ = ["RtcSettings", "serve_connection"]

log = logging.getLogger("streamcore.transports")


@dataclass(frozen=True)
class RtcSettings:
    """WebRTC settings of a server: its ICE configuration and the connect timeout."""

    configuration: dict[str, Any] | None = None
    connect_timeout: float = 15.0


async def serve_connection(
    connection: ServerConnection,
    runtime: AppRuntime,
    limits: dict[str, Any],
    rtc: RtcSettings | None = None,
) -> None:
    """Run one client session over ``connection`` until either side closes it."""
    async with runtime.session() as session, anyio.create_task_group() as tasks:
        link = _Link(connection, session, tasks, rtc or RtcSettings())
        await session.post(Welcome(session.id, PROTOCOL_VERSION, limits))
        tasks.start_soon(link.write_messages)
        await link.read_requests()
        tasks.cancel_scope.cancel()


class _Link:
    """The state of one connection: its session, its tasks and its WebRTC peers."""

    def __init__(
        self,
        connection: ServerConnection,
        session: ClientSession,
        tasks: TaskGroup,
        rtc: RtcSettings,
    ) -> None:
        self.connection = connection
        self.session = session
        self.tasks = tasks
        self.rtc = rtc
        self.peers: dict[str, Any] = {}  # job id -> transports.webrtc.StreamPeer

    async def write_messages(self) -> None:
        suppressed = (ConnectionClosed, anyio.EndOfStream, anyio.ClosedResourceError)
        with contextlib.suppress(*suppressed):
            while True:
                message = await self.session.receive()
                if self._sent_on_data_channel(message):
                    continue
                data = encode_event(message, binary_frames=self.session.binary_frames)
                await self.connection.send(data)

    def _sent_on_data_channel(self, message: Message) -> bool:
        """A WebRTC stream's per-frame messages go on its data channel when it is open
        (its completion goes there too, and also on the WebSocket)."""
        peer = self.peers.get(getattr(message, "job", ""))
        if peer is None or not peer.channel_open():
            return False
        if not isinstance(message, Output | FrameError | Completed):
            return False
        with contextlib.suppress(Exception):  # a channel closing under us: the WS remains
            peer.channel.send(encode_event(message))
        return not isinstance(message, Completed)

    async def read_requests(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.connection:
                try:
                    request = parse_request(raw)
                    await self._handle(request)
                except ProtocolError as exc:
                    await self.session.post(ServerError(exc.code, exc.message, exc.ref, exc.job))

    async def _handle(self, request: Request) -> None:
        """Carry out one request; a refusal becomes an ``error`` reply naming the problem."""
        ref = getattr(request, "ref", None)
        job = getattr(request, "job", None)
        try:
            await self._dispatch(request)
        except ProtocolError:
            raise
        except StreamcoreError as exc:  # the table in streamcore.errors names the code
            code, message = wire_error(exc)
            await self.session.post(ServerError(code, message, ref, job))

    async def _dispatch(self, request: Request) -> None:
        session = self.session
        if isinstance(request, FrameData):
            session.send_frame(request.job, Frame(request.data, seq=request.seq or 0))
        elif isinstance(request, Submit):
            await session.submit(
                request.api_name, request.data, request.event_data, ref=request.ref
            )
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
            try:
                path = await anyio.to_thread.run_sync(
                    save_bytes_to_cache, request.data, request.name, policy
                )
            except OSError as exc:  # e.g. a name too long for the file system
                reason = exc.strerror or type(exc).__name__
                text = f"the upload {request.name!r:.80} could not be stored: {reason}"
                raise InvalidInputError(text) from None
            await session.post(Uploaded(request.ref, str(path)))
        elif isinstance(request, RtcOffer):
            await self._open_rtc_stream(request)
        elif isinstance(request, Hello):
            if request.protocol != PROTOCOL_VERSION:
                raise ProtocolError(
                    "bad_message",
                    f"this server speaks protocol {PROTOCOL_VERSION}, not {request.protocol}",
                )
            session.binary_frames = request.binary_frames
        elif isinstance(request, Ping):
            await session.post(Pong(request.ref))

    async def _open_rtc_stream(self, offer: RtcOffer) -> None:
        """Answer a WebRTC offer with a new stream job whose peer lives in this connection."""
        from .webrtc import StreamPeer, rtc_configuration  # aiortc is loaded only when used

        peer = StreamPeer(
            self.session, rtc_configuration(self.rtc.configuration), self.rtc.connect_timeout
        )
        try:
            job, answer = await peer.accept(offer.sdp, offer.api_name, offer.data, offer.ref)
            self.peers[job] = peer
            await self.session.post(RtcAnswer(job, answer))
        except BaseException:
            # the job may be open already (the answer failed, the client left): it ends too
            peer.cancel_job()
            if peer.job is not None:
                self.peers.pop(peer.job, None)
            with anyio.CancelScope(shield=True):
                await peer.close()
            raise
        self.tasks.start_soon(self._run_peer, job, peer)

    async def _run_peer(self, job: str, peer: Any) -> None:
        try:
            await peer.run()
        finally:
            self.peers.pop(job, None)
