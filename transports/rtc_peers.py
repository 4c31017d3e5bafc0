"""The WebRTC peers of one connection: opened by its offers, fed by its session.

A session's WebRTC streams live in the process that owns its WebSocket (signalling rides
that connection), so scaling out by processes needs nothing shared. :class:`ConnectionPeers`
opens a :class:`~transports.webrtc.StreamPeer` per ``rtc_offer`` (aiortc is loaded only
then, in a worker thread: :func:`import_webrtc`), runs it in the connection's task group
until its job ends, and tells the write loop which job messages go on a stream's data
channel instead of the WebSocket. A connection has at most ``max_peers`` peers open at
once; a peer is forgotten once it has closed.
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskGroup

from streamcore.app.runtime import ClientSession
from streamcore.errors import TooManyPeersError
from streamcore.messages import Completed, FrameError, Message, Output

from .memory import media_stream
from .protocol import RtcAnswer, RtcOffer, encode_event

if TYPE_CHECKING:
    from .webrtc import StreamPeer

__all__ = ["DEFAULT_MAX_PEERS", "ConnectionPeers", "RtcSettings", "import_webrtc"]

DEFAULT_MAX_PEERS = 8
"""The WebRTC peers one connection may have open at once, by default."""


_webrtc_imported = False


async def import_webrtc() -> None:
    """Import :mod:`transports.webrtc` (and with it aiortc and PyAV) in a worker thread,
    the first time a server needs it; later calls return at once.

    Importing aiortc runs 0.1-0.4 s of Python; done on the event loop, the first offer of
    a server's life stalled every session for that long (measured: 1.36 s on a busy
    machine). Concurrent first offers each wait in their own thread on Python's import
    lock, none on the loop. An import error (aiortc not installed) propagates.
    """
    global _webrtc_imported
    if not _webrtc_imported:
        await anyio.to_thread.run_sync(importlib.import_module, f"{__package__}.webrtc")
        _webrtc_imported = True


@dataclass(frozen=True)
class RtcSettings:
    """WebRTC settings of a server: its ICE configuration, the connect timeout and the
    peers one connection may have open at once."""

    configuration: dict[str, Any] | None = None
    connect_timeout: float = 15.0
    max_peers: int = DEFAULT_MAX_PEERS

    def __post_init__(self) -> None:
        if not isinstance(self.max_peers, int) or self.max_peers < 1:
            raise ValueError(
                f"max_rtc_peers_per_session must be a positive int, not {self.max_peers!r}"
            )


class ConnectionPeers:
    """The WebRTC peers of one connection's session, by job id."""

    def __init__(self, session: ClientSession, tasks: TaskGroup, settings: RtcSettings) -> None:
        self._session = session
        self._tasks = tasks
        self._settings = settings
        self._peers: dict[str, StreamPeer] = {}
        self._opening = 0
        """Offers being answered: their peers are not in :attr:`_peers` yet."""

    @property
    def open_count(self) -> int:
        """Peers open (answered and not yet closed) or being opened."""
        return len(self._peers) + self._opening

    async def open(self, offer: RtcOffer) -> None:
        """Answer ``offer`` with a new stream job whose peer lives in this connection.

        Raises :class:`~streamcore.errors.TooManyPeersError` when the connection already has
        ``max_peers`` peers open, what the session's ``open_stream`` raises, and
        :class:`~streamcore.errors.InvalidInputError` for an offer that cannot be used.
        """
        cap = self._settings.max_peers
        if self.open_count >= cap:
            raise TooManyPeersError(
                f"this session already has {cap} WebRTC streams open, the most one session "
                f"may have (max_rtc_peers_per_session={cap}): close one (close_stream or "
                "cancel) before offering another"
            )
        self._opening += 1
        try:
            await self._open(offer)
        finally:
            self._opening -= 1

    async def _open(self, offer: RtcOffer) -> None:
        await import_webrtc()
        from .webrtc import StreamPeer, rtc_configuration  # imported by now: no work here

        settings = self._settings
        peer = StreamPeer(
            self._session,
            rtc_configuration(settings.configuration),
            settings.connect_timeout,
            mirror=offer.mirror,
        )
        try:
            job, answer = await peer.accept(offer.sdp, offer.api_name, offer.data, offer.ref)
            self._peers[job] = peer
            await self._session.post(RtcAnswer(job, answer))
        except BaseException:
            # the job may be open already (the answer failed, the client left): it ends too
            peer.cancel_job()
            if peer.job is not None:
                self._peers.pop(peer.job, None)
            with anyio.CancelScope(shield=True):
                await peer.close()
            raise
        self._tasks.start_soon(self._run, job, peer)

    async def _run(self, job: str, peer: StreamPeer) -> None:
        try:
            with media_stream():  # the malloc policy's trims, if it has them
                await peer.run()
        finally:
            self._peers.pop(job, None)

    def send_on_data_channel(self, message: Message) -> bool:
        """Send a WebRTC stream's per-frame message on its data channel when it is open.

        Returns ``True`` if the message needs nothing more; a completion goes on the data
        channel and also on the WebSocket (so it returns ``False``).
        """
        if not isinstance(message, Output | FrameError | Completed):
            return False
        peer = self._peers.get(message.job)
        channel = None if peer is None or not peer.channel_open() else peer.channel
        if channel is None:
            return False
        with contextlib.suppress(Exception):  # a channel closing under us: the WS remains
            channel.send(encode_event(message))
        return not isinstance(message, Completed)
