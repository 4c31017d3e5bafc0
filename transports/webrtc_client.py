"""The Python client's WebRTC streams: frames out on a video track, results back on one.

``AsyncClient.stream(frames, api_name=..., transport="webrtc")`` builds an
:class:`RtcFrameStream`: an aiortc peer whose outgoing track plays ``frames`` (at most
``max_in_flight`` awaiting their result, as over the WebSocket) and whose incoming track
brings the processed frames, yielded as numpy arrays. Signalling and the job's messages
ride the client's WebSocket; the per-frame messages come on the data channel.
"""

from __future__ import annotations

import contextlib
import fractions
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from typing import Any, Protocol

import anyio
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from av import Packet, VideoFrame

from streamcore.client import (
    Channel,
    ClientStream,
    Endpoint,
    InFlightWindow,
    StreamHost,
    raise_for_completion,
)
from streamcore.engine.frames import Pixels
from streamcore.media.encoding import decode
from streamcore.messages import Completed, FrameError, Output

from .protocol import parse_event
from .webrtc import VIDEO_CLOCK_RATE, complete_frames_at_marker, rtc_configuration


class RtcChannel(Channel, Protocol):
    """A channel that also signals WebRTC (the client's WebSocket)."""

    async def rtc_offer(
        self, api_name: str | int, data: list[Any] | None, sdp: str
    ) -> tuple[str, str]: ...


class RtcHost(StreamHost, Protocol):
    """What a WebRTC stream needs of its client: a signalling channel and the app's
    ``config`` (its ``rtc_configuration``)."""

    config: dict[str, Any]

    @property
    def channel(self) -> RtcChannel: ...


__all__ = ["DRAIN_AFTER", "LOST_AFTER", "RtcChannel", "RtcFrameStream", "RtcHost"]

_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)
_TICKS_PER_FRAME = VIDEO_CLOCK_RATE // 30

LOST_AFTER = 0.5
"""Seconds after which a frame still unanswered is taken as lost on the media path."""

DRAIN_AFTER = 3.0
"""At a stream's end, how long the video frames its messages announced are waited for
(they lag behind the messages on a busy machine; one that never comes was lost)."""


class _FrameSource(MediaStreamTrack):
    """Plays the client's frames, each once, when there is room for one more in flight.

    A frame may also be an encoded ``av.Packet`` of the negotiated codec: it is sent as it
    is, without encoding (the benchmarks replay pre-encoded VP8 so that the client's
    encoders are not what bounds a run)."""

    kind = "video"

    def __init__(
        self,
        frames: AsyncIterator[Pixels | bytes | Packet[Any]],
        window: InFlightWindow,
        fail: Callable[[BaseException], Awaitable[None]],
        sent: Callable[[], int],
    ) -> None:
        super().__init__()
        self.frames = frames
        self._window = window
        self._fail = fail
        self._sent = sent
        """Counts one more frame played and returns how many were before it."""
        self.exhausted = anyio.Event()

    @property
    def lost(self) -> int:
        return self._window.lost

    async def recv(self) -> VideoFrame | Packet[Any]:
        # Media can be lost (the first frames before the path is up, a lost packet that
        # leaves the decoder waiting for a key frame): a frame unanswered after
        # LOST_AFTER seconds is counted lost and the next one goes out anyway.
        await self._window.reserve(LOST_AFTER)
        try:
            item = await anext(self.frames)
            if isinstance(item, Packet):
                return self._played(item)
            pixels = decode(item) if isinstance(item, bytes) else item
        except StopAsyncIteration:
            self._window.unreserve()
            self.exhausted.set()
            raise MediaStreamError from None
        except Exception as exc:  # the caller's frames: raised where they iterate
            self._window.unreserve()
            await self._fail(exc)
            raise MediaStreamError from None
        return self._played(VideoFrame.from_ndarray(pixels, format="rgb24"))

    def _played(self, frame: VideoFrame | Packet[Any]) -> VideoFrame | Packet[Any]:
        number = self._sent()
        frame.pts = number * _TICKS_PER_FRAME
        frame.time_base = _TIME_BASE
        self._window.sent(number)
        return frame


class RtcFrameStream(ClientStream):
    """The outputs of one WebRTC stream as an async iterator; ``completion`` once it ended.

    The peer is closed when the stream completes, when the iteration ends in any way and
    when the client closes. Leaving the loop early (``break``, an exception) cancels the
    stream; ``close()`` ends it gracefully (as ``closed``) instead.
    """

    def __init__(
        self,
        client: RtcHost,
        endpoint: Endpoint,
        frames: Iterable[Any] | AsyncIterable[Any],
        max_in_flight: int,
    ) -> None:
        super().__init__(client, endpoint, frames, max_in_flight)
        self._client = client
        self._source = _FrameSource(
            aiter(self._frame_values()),  # packets pass as they are (_sent_as_is)
            self._window,
            self._fail,
            self._count_sent,
        )
        rtc = client.config.get("rtc_configuration")
        self.pc = RTCPeerConnection(rtc_configuration(rtc))
        self._send: MemoryObjectSendStream[np.ndarray]
        self._received: MemoryObjectReceiveStream[np.ndarray]
        self._send, self._received = anyio.create_memory_object_stream[np.ndarray](
            max_in_flight + 1
        )
        self.channel_outputs = 0
        """``output`` messages that came on the data channel (one per processed frame)."""
        self.websocket_outputs = 0
        """``output`` messages that came on the WebSocket (the data channel was not open)."""
        self._incoming: MediaStreamTrack | None = None
        self._track_arrived = anyio.Event()
        self._video_frames = 0
        self._video_arrived = anyio.Event()
        self._iterated = anyio.Event()

    def _sent_as_is(self, value: Any) -> bool:
        return isinstance(value, Packet)  # pre-encoded: see _FrameSource

    def _count_sent(self) -> int:
        self.sent += 1
        return self.sent - 1

    async def start(self, data: list[Any] | None) -> None:
        """Offer, get the answer, and start the tasks that read the results."""
        self.pc.addTrack(self._source)
        complete_frames_at_marker(self.pc)
        channel = self.pc.createDataChannel("streamcore")
        channel.on("message", self._on_channel_message)
        self.pc.on("track", self._on_track)
        try:
            await self.pc.setLocalDescription(await self.pc.createOffer())
            self.id, answer = await self._client.channel.rtc_offer(
                self.endpoint.fn_index, data, self.pc.localDescription.sdp
            )
            self._job_inbox = self._client.inbox(self.id)
            await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        except BaseException:  # a refused offer, a bad answer, the client closing
            with anyio.CancelScope(shield=True):
                if self.id:
                    await self._cancel_quietly()
                await self._shut_down(outputs_too=True)
            raise
        self._client.start_soon(self._run)

    async def __aiter__(self) -> AsyncGenerator[np.ndarray, None]:
        try:
            while True:
                if self._inbox.failure is not None:
                    raise self._inbox.failure
                try:
                    rgb = await self._received.receive()
                except (anyio.EndOfStream, anyio.ClosedResourceError):  # closed: the client
                    break
                self.received += 1
                yield rgb
            if self._inbox.failure is not None:
                raise self._inbox.failure
            if self.completion is not None:
                raise_for_completion(self.completion, self.endpoint.api_name, stream=True)
        finally:
            # also when the loop breaks out or fails: the job is cancelled (its completion
            # still comes, see _run) and the peer is closed now
            with anyio.CancelScope(shield=True):
                if self.completion is None:
                    await self._cancel_quietly()
                await self._shut_down(outputs_too=True)
            self._iterated.set()

    async def _run(self) -> None:
        """The stream's tasks until it completed, then the peer closes; the outputs already
        in wait to be iterated until the iteration ends or the client closes."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._read_video)
                tasks.start_soon(self._close_when_exhausted)
                await self._watch_job()
                tasks.cancel_scope.cancel()
            with anyio.CancelScope(shield=True):
                await self._shut_down()
            await self._iterated.wait()
        finally:
            with anyio.CancelScope(shield=True):
                await self._shut_down(outputs_too=True)

    async def _cancel_quietly(self) -> None:
        with contextlib.suppress(Exception):  # the connection may be gone: the job ends with it
            await self._client.channel.cancel(self.id)

    async def _shut_down(self, *, outputs_too: bool = False) -> None:
        """Close the peer (which stops the frame source) and the output buffer's sending
        end (``outputs_too``: its receiving end too). Idempotent."""
        await self.pc.close()
        self._send.close()
        if outputs_too:
            self._received.close()
        frames = self._source.frames
        if isinstance(frames, AsyncGenerator):
            with contextlib.suppress(RuntimeError):  # still running: it ends with its task
                await frames.aclose()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._incoming = track
            self._track_arrived.set()

    def _on_channel_message(self, raw: str | bytes) -> None:
        with contextlib.suppress(Exception):  # a malformed message is not ours to fail on
            self._on_frame_result(parse_event(raw), on_channel=True)

    def _on_frame_result(self, message: Any, *, on_channel: bool = False) -> None:
        # the server numbers the frames that reached it, so a result answers the oldest
        # frame in flight rather than a frame number (media may lose frames)
        if isinstance(message, FrameError):
            self.frame_errors.append(message.error)
            self._window.answered()
        elif isinstance(message, Output):
            if on_channel:
                self.channel_outputs += 1
            else:
                self.websocket_outputs += 1
            self._window.answered()

    async def _read_video(self) -> None:
        await self._track_arrived.wait()
        track = self._incoming
        assert track is not None
        with contextlib.suppress(MediaStreamError, anyio.ClosedResourceError):
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame):
                    rgb = await anyio.to_thread.run_sync(_to_rgb, frame)
                    await self._send.send(rgb)
                    self._video_frames += 1
                    self._video_arrived.set()
                    self._video_arrived = anyio.Event()

    async def _watch_job(self) -> None:
        inbox = self._inbox
        while True:
            message = await inbox.next()
            if isinstance(message, Completed):
                self.completion = message
                break
            self._on_frame_result(message)
        # the video path may lag behind the messages: wait for the frames still on it
        with anyio.move_on_after(DRAIN_AFTER):
            while self._video_frames < self.channel_outputs + self.websocket_outputs:
                await self._video_arrived.wait()
        self._send.close()

    async def _fail(self, failure: BaseException) -> None:
        await super()._fail(failure)
        self._send.close()  # the iteration wakes and raises the failure

    async def _close_when_exhausted(self) -> None:
        await self._source.exhausted.wait()
        await self._window.drained()  # every frame in flight has been answered (or lost)
        if self.completion is None:
            await self._client.channel.close_stream(self.id)


def _to_rgb(frame: VideoFrame) -> np.ndarray:
    rgb: np.ndarray = frame.to_ndarray(format="rgb24")
    return rgb
