"""WebRTC for stream events: one aiortc peer connection per stream.

Signalling rides the session's WebSocket (``rtc_offer`` / ``rtc_answer``, see
``docs/protocol.md``), so the peer lives in the process that owns the session. The
browser's camera track comes in and is always drained: each decoded frame goes into the
stream's latest-wins slot (a slow fn never grows a backlog; aiortc's own decoder queue
is emptied as fast as it fills), and is converted to RGB only if the fn takes it. The
results go out on a video track that sends each new result once: between results the
track sends nothing and the browser keeps showing the last frame, so no encoder time is
spent on repeats. A data channel, when the client opens one, carries the per-frame
``output`` metadata, ``frame_error`` and the ``completed`` message of that stream.
"""

from __future__ import annotations

import contextlib
import fractions
import logging
from collections.abc import Mapping
from typing import Any

import anyio
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from streamcore.app.runtime import ClientSession
from streamcore.engine.frames import Frame
from streamcore.engine.slots import LatestSlot
from streamcore.errors import InvalidInputError, StreamClosedError, UnknownJobError

__all__ = [
    "VIDEO_CLOCK_RATE",
    "MirroredFrame",
    "OutputTrack",
    "StreamPeer",
    "complete_frames_at_marker",
    "rtc_configuration",
]

log = logging.getLogger("streamcore.webrtc")

VIDEO_CLOCK_RATE = 90_000
"""RTP's video clock: frame timestamps are in 1/90000 s."""
_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)

FLUSH_TIMEOUT = 0.5
"""Seconds a closing peer waits for its last result to be encoded and sent."""


def rtc_configuration(config: Mapping[str, Any] | None) -> RTCConfiguration:
    """aiortc's configuration from the browser-style dict ``launch(rtc_configuration=...)``
    takes: ``{"iceServers": [{"urls": [...], "username": ..., "credential": ...}]}``."""
    if not config:
        return RTCConfiguration()
    servers = []
    for server in config.get("iceServers", []):
        urls = server.get("urls") or server.get("url")
        if not urls:
            raise ValueError(f"an ICE server needs 'urls': {server!r}")
        servers.append(RTCIceServer(urls, server.get("username"), server.get("credential")))
    return RTCConfiguration(iceServers=servers)


class _MarkerJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, but a frame is complete at its marker bit.

    aiortc's own buffer only knows a frame is complete when the first packet of the next
    one arrives: each frame would come out one frame late, and the last one never. The
    server's output track sends each result once and nothing in between, and the Python
    client sends one frame when the previous one is answered: both would stall on it.
    """

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        packets: list[Any] = []
        origin = self._origin
        assert origin is not None  # add() sets it before calling this
        for count in range(self._capacity):
            packet = self._packets[(origin + count) % self._capacity]
            if packet is None or (packets and packet.timestamp != packets[0].timestamp):
                break
            packets.append(packet)
            if packet.marker:
                self.remove(count + 1)
                return JitterFrame(b"".join(p._data for p in packets), packets[0].timestamp)
        frame: JitterFrame | None = super()._remove_frame(sequence_number)
        return frame


def complete_frames_at_marker(pc: RTCPeerConnection) -> None:
    """Give the video receivers of ``pc`` a :class:`_MarkerJitterBuffer` (a private
    attribute of aiortc's: if it is not there, its own buffer stays)."""
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        if transceiver.kind == "video" and hasattr(receiver, "_RTCRtpReceiver__jitter_buffer"):
            receiver._RTCRtpReceiver__jitter_buffer = _MarkerJitterBuffer(
                capacity=512, is_video=True
            )


class OutputTrack(MediaStreamTrack):
    """The processed video: each result once, the newest first (latest wins)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._slot: LatestSlot[tuple[VideoFrame, float]] = LatestSlot()
        self.sent = 0
        self._sending = False  # a frame went to the sender, which has not asked for more
        self._asked = anyio.Event()

    def build(self, rgb: np.ndarray) -> VideoFrame:
        """The video frame of a result, in the encoder's format (yuv420p), converted with one
        thread: called in the stream's worker thread, so neither the conversion nor the
        freeing of the RGB frame (and of a converter's threads) happens on the event loop,
        and the encoder has nothing left to convert."""
        return VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p", threads=1)

    def push(self, picture: VideoFrame, seq: int, pts: float) -> None:
        """Queue a result built by :meth:`build` (``pts`` in seconds, the input frame's);
        replaces an unsent one. On the event loop; never blocks."""
        with contextlib.suppress(StreamClosedError):
            self._slot.put_nowait((picture, pts))

    async def recv(self) -> VideoFrame:
        # the sender asks for a frame once the previous one is encoded and sent
        self._sending = False
        self._asked.set()
        self._asked = anyio.Event()
        try:
            frame, pts = await self._slot.get()
        except StreamClosedError:
            raise MediaStreamError from None
        frame.pts = round(pts * VIDEO_CLOCK_RATE)
        frame.time_base = _TIME_BASE
        self.sent += 1
        self._sending = True
        return frame

    async def flush(self, within: float) -> None:
        """Wait (at most ``within`` seconds) until the sender has sent every result pushed: the
        last result of a stream must not be cut off by closing the peer."""
        with anyio.move_on_after(within):
            while self._sending or self._result_waits():
                await self._asked.wait()

    def _result_waits(self) -> bool:
        """Whether a result waits in the slot for the sender."""
        counts = self._slot.statistics()
        return counts.put > counts.taken + counts.dropped

    def stop(self) -> None:
        self._slot.close()
        super().stop()

    @property
    def dropped(self) -> int:
        return self._slot.statistics().dropped


class MirroredFrame:
    """A decoded video frame whose pixels come out flipped left to right: converted like
    the frame itself (in the stream's worker thread, never on the loop), plus one copy."""

    __slots__ = ("frame",)

    def __init__(self, frame: VideoFrame) -> None:
        self.frame = frame

    def to_ndarray(self, *args: Any, **kwargs: Any) -> Any:
        pixels = self.frame.to_ndarray(*args, **kwargs)
        return np.ascontiguousarray(pixels[:, ::-1])


class StreamPeer:
    """One stream job carried by one peer connection, from offer to close.

    :meth:`accept` opens the job and answers the offer; :meth:`run` drains the incoming
    track and watches the connection until the job ends, then closes the peer. A peer
    that is not connected within ``connect_timeout`` seconds, or whose connection fails,
    cancels its job (freeing its concurrency slot at once). With ``mirror``, every frame is
    flipped left to right (in the stream's worker, when it is converted) before the fn.
    """

    def __init__(
        self,
        session: ClientSession,
        configuration: RTCConfiguration,
        connect_timeout: float = 15.0,
        *,
        mirror: bool = False,
    ) -> None:
        self._session = session
        self._mirror = mirror
        self.pc = RTCPeerConnection(configuration)
        self.output = OutputTrack()
        self.job: str | None = None
        self.channel: RTCDataChannel | None = None
        self._connect_timeout = connect_timeout
        self._ended = anyio.Event()
        self._incoming: MediaStreamTrack | None = None
        self._ignored: list[MediaStreamTrack] = []  # other tracks: drained and dropped
        self._connected = anyio.Event()
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)

    async def accept(
        self, offer_sdp: str, api_name: str | int, data: list[Any] | None, ref: str
    ) -> tuple[str, str]:
        """Open the stream job and answer the offer: returns ``(job id, answer sdp)``.

        Raises what ``ClientSession.open_stream`` raises, and ``ValueError`` for an offer
        aiortc cannot read or one without a video track.
        """
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError and others for bad SDP
            raise InvalidInputError(f"the WebRTC offer cannot be used: {exc}") from None
        if self._incoming is None:
            raise InvalidInputError("the WebRTC offer has no video track to stream")
        complete_frames_at_marker(self.pc)
        self.pc.addTrack(self.output)
        self.job = await self._session.open_stream(
            api_name, data, ref=ref, frame_sink=self.output, on_end=self._ended.set
        )
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.job, self.pc.localDescription.sdp

    async def run(self) -> None:
        """Drain the incoming track until the job ends, then close the peer."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._drain)
                for track in self._ignored:
                    tasks.start_soon(self._discard, track)
                tasks.start_soon(self._watch_connect)
                await self._ended.wait()
                tasks.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def close(self) -> None:
        """Close the peer: once its job has ended, the output track's last result is sent
        first (if connected); then the track ends and the connection closes. Idempotent."""
        job_ended = self._ended.is_set()  # rather than the client going away
        self._ended.set()
        if job_ended and self.pc.connectionState == "connected":
            await self.output.flush(FLUSH_TIMEOUT)
        self.output.stop()
        await self.pc.close()

    def cancel_job(self) -> None:
        if self.job is not None and self._session.has_job(self.job):
            self._session.cancel(self.job)

    def channel_open(self) -> bool:
        return self.channel is not None and self.channel.readyState == "open"

    async def _drain(self) -> None:
        track, job = self._incoming, self.job
        assert track is not None
        assert job is not None
        seq = 0
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, VideoFrame):
                continue
            pts = float(frame.time) if frame.time is not None else 0.0
            picture: VideoFrame | MirroredFrame = MirroredFrame(frame) if self._mirror else frame
            try:
                self._session.send_frame(job, Frame(picture, pts=pts, seq=seq))
            except (StreamClosedError, UnknownJobError):
                return
            seq += 1

    @staticmethod
    async def _discard(track: MediaStreamTrack) -> None:
        """Drop what a track we do not use brings (an offer's audio, a second video):
        aiortc would otherwise queue its decoded frames without bound."""
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()

    async def _watch_connect(self) -> None:
        with anyio.move_on_after(self._connect_timeout):
            await self._connected.wait()
        if self._connected.is_set():  # also when it connected while the loop was busy
            return
        log.info("WebRTC peer of job %s did not connect in %s s", self.job, self._connect_timeout)
        self.cancel_job()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self._incoming is None:
            self._incoming = track
        else:
            self._ignored.append(track)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self.channel = channel

    async def _on_connection_state(self) -> None:
        if self.pc.connectionState == "connected":
            self._connected.set()
        elif self.pc.connectionState in ("failed", "closed"):
            self.cancel_job()
