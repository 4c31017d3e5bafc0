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
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from streamcore.errors import StreamClosedError
from streamcore.frames import Frame
from streamcore.runtime import ClientSession, UnknownJobError
from streamcore.slots import LatestSlot

__all__ = ["VIDEO_CLOCK_RATE", "OutputTrack", "StreamPeer", "rtc_configuration"]

log = logging.getLogger("streamcore.webrtc")

VIDEO_CLOCK_RATE = 90_000
"""RTP's video clock: frame timestamps are in 1/90000 s."""
_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)


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


class OutputTrack(MediaStreamTrack):
    """The processed video: each result once, the newest first (latest wins)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._slot: LatestSlot[tuple[np.ndarray, float]] = LatestSlot()
        self.sent = 0

    def push(self, rgb: np.ndarray, seq: int, pts: float) -> None:
        """Queue a result (``pts`` in seconds, the input frame's); replaces an unsent one."""
        with contextlib.suppress(StreamClosedError):
            self._slot.put_nowait((rgb, pts))

    async def recv(self) -> VideoFrame:
        try:
            rgb, pts = await self._slot.get()
        except StreamClosedError:
            raise MediaStreamError from None
        frame = VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = round(pts * VIDEO_CLOCK_RATE)
        frame.time_base = _TIME_BASE
        self.sent += 1
        return frame

    def stop(self) -> None:
        self._slot.close()
        super().stop()

    @property
    def dropped(self) -> int:
        return self._slot.statistics().dropped


class StreamPeer:
    """One stream job carried by one peer connection, from offer to close.

    :meth:`accept` opens the job and answers the offer; :meth:`run` drains the incoming
    track and watches the connection until the job ends, then closes the peer. A peer
    that is not connected within ``connect_timeout`` seconds, or whose connection fails,
    cancels its job (freeing its concurrency slot at once).
    """

    def __init__(
        self,
        session: ClientSession,
        configuration: RTCConfiguration,
        connect_timeout: float = 15.0,
    ) -> None:
        self._session = session
        self.pc = RTCPeerConnection(configuration)
        self.output = OutputTrack()
        self.job: str | None = None
        self.channel: RTCDataChannel | None = None
        self._connect_timeout = connect_timeout
        self._ended = anyio.Event()
        self._incoming: MediaStreamTrack | None = None
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
            raise ValueError(f"the WebRTC offer cannot be used: {exc}") from None
        if self._incoming is None:
            raise ValueError("the WebRTC offer has no video track to stream")
        self.pc.addTrack(self.output)
        self.job = await self._session.open_stream(
            api_name, data, ref=ref, frame_sink=self.output.push, on_end=self._ended.set
        )
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.job, self.pc.localDescription.sdp

    async def run(self) -> None:
        """Drain the incoming track until the job ends, then close the peer."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._drain)
                tasks.start_soon(self._watch_connect)
                await self._ended.wait()
                tasks.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def close(self) -> None:
        self._ended.set()
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
            try:
                self._session.send_frame(job, Frame(frame, pts=pts, seq=seq))
            except (StreamClosedError, UnknownJobError):
                return
            seq += 1

    async def _watch_connect(self) -> None:
        with anyio.move_on_after(self._connect_timeout):
            await self._connected.wait()
            return
        log.info("WebRTC peer of job %s did not connect in %s s", self.job, self._connect_timeout)
        self.cancel_job()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and self._incoming is None:
            self._incoming = track

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self.channel = channel

    async def _on_connection_state(self) -> None:
        if self.pc.connectionState == "connected":
            self._connected.set()
        elif self.pc.connectionState in ("failed", "closed"):
            self.cancel_job()
