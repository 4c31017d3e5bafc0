"""A client's open streams: frames out, outputs back, at most ``max_in_flight`` unanswered.

:class:`ClientStream` is what every stream shares, whatever carries its frames: the job,
the in-flight window, the counters, the frame errors the server reported, and ``close``,
``cancel``, ``update_inputs``. :class:`FrameStream` sends its frames over the client's
channel (the WebSocket, or in process); the WebRTC stream of
:mod:`transports.webrtc_client` sends them on a video track.

A stream owns its sending task: it starts when the outputs are first iterated and stops
when that iteration ends (or the stream is closed), so a stream nobody iterates holds no
task. A frame that cannot be sent (see :func:`~.values.frame_pixels`) or an exception of
the caller's frame iterable is raised from the iteration at once, and the stream is
cancelled on the server.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable
from types import TracebackType
from typing import Any, Protocol

import anyio
import numpy as np

from ..engine.frames import Frame, Pixels
from ..engine.operators import aiterate
from ..messages import Completed, FrameError, Output
from .channel import Channel
from .endpoints import Endpoint
from .jobs import JobInbox, raise_for_completion
from .status import Status, StatusUpdate
from .values import frame_pixels

__all__ = ["ClientStream", "FrameStream", "InFlightWindow", "StreamHost"]


class StreamHost(Protocol):
    """What a stream needs of its client (the public surface a transport's stream uses)."""

    @property
    def channel(self) -> Channel: ...

    @property
    def max_pixels(self) -> int | None: ...

    def inbox(self, job_id: str) -> JobInbox: ...

    def start_soon(self, task: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``task`` in the client's task group (it is cancelled when the client closes)."""

    async def payloads(self, endpoint: Endpoint, inputs: tuple[Any, ...]) -> list[Any]: ...

    async def frame_outputs(self, endpoint: Endpoint, message: Output) -> Any: ...


class InFlightWindow:
    """The frames a client stream has sent and not yet seen answered, at most ``size``.

    :meth:`reserve` waits for room before a frame goes out and :meth:`sent` records it;
    :meth:`answered` frees room when a result (or a frame error) comes. A result for frame
    ``seq`` answers it and every older frame still waiting, because the server answers in
    order and replaces frames it had no time for (latest wins); without a ``seq`` (media
    paths that renumber frames) a result answers the oldest frame. :meth:`drained` waits
    until nothing is in flight.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {size}")
        self._room = anyio.Semaphore(size)
        self._waiting: collections.deque[int] = collections.deque()
        self._empty = anyio.Event()
        self._empty.set()
        self.lost = 0
        """Frames given up on by :meth:`reserve` after its ``lose_after``."""

    async def reserve(self, lose_after: float | None = None) -> None:
        """Wait for room for one more frame. After ``lose_after`` seconds the oldest frame
        still waiting is counted lost and its room goes to this reservation."""
        with anyio.move_on_after(lose_after) as waited:
            await self._room.acquire()
        if waited.cancelled_caught and self._waiting:
            self.lost += 1
            self._waiting.popleft()
            if not self._waiting:
                self._empty.set()

    def unreserve(self) -> None:
        """Give back a reservation no frame was sent for."""
        self._room.release()

    def sent(self, seq: int) -> None:
        self._waiting.append(seq)
        if self._empty.is_set():
            self._empty = anyio.Event()

    def answered(self, seq: int | None = None) -> None:
        while self._waiting and (seq is None or self._waiting[0] <= seq):
            self._waiting.popleft()
            self._room.release()
            if seq is None:
                break
        if not self._waiting:
            self._empty.set()

    async def drained(self) -> None:
        """Return once every frame sent has been answered (or counted lost)."""
        while self._waiting:
            await self._empty.wait()


class ClientStream:
    """One stream event a client opened; iterate it for the outputs.

    ``sent`` and ``received`` count frames; ``frame_errors`` lists the server's reports
    of frames it refused (the stream goes on); ``completion`` is the job's last message
    once it ended. Use ``async with`` to be sure it is cancelled if the block leaves early.
    """

    def __init__(
        self,
        host: StreamHost,
        endpoint: Endpoint,
        frames: Iterable[Any] | AsyncIterable[Any],
        max_in_flight: int,
    ) -> None:
        self._host = host
        self.endpoint = endpoint
        self.id = ""
        self._frames = frames
        self._window = InFlightWindow(max_in_flight)
        self.sent = 0
        self.received = 0
        self.frame_errors: list[dict[str, Any]] = []
        self.completion: Completed | None = None
        self._job_inbox: JobInbox | None = None

    def __aiter__(self) -> AsyncIterator[Any]:
        raise NotImplementedError

    async def __aenter__(self) -> ClientStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with anyio.CancelScope(shield=True):
            await self.cancel()

    @property
    def _inbox(self) -> JobInbox:
        """The job's inbox, taken once the job has its id (it outlives the routing)."""
        if self._job_inbox is None:
            if not self.id:
                raise RuntimeError("the stream has no job yet")
            self._job_inbox = self._host.inbox(self.id)
        return self._job_inbox

    def status(self) -> StatusUpdate:
        """The stream job's status (queued, processing, finished...)."""
        if not self.id:
            return StatusUpdate(Status.STARTING)
        return self._inbox.status()

    async def update_inputs(self, *inputs: Any) -> None:
        """New values for the stream's other inputs (the frame input's position is ignored)."""
        data = await self._host.payloads(self.endpoint, inputs)
        await self._host.channel.update_inputs(self.id, data)

    async def close(self) -> None:
        """Stop the stream: the frame in flight is answered, then it completes as ``closed``."""
        if self.id and self._inbox.completed is None:
            await self._host.channel.close_stream(self.id)

    async def cancel(self) -> None:
        """Cancel the stream now: it completes as ``cancelled``, the frame in flight dropped."""
        if self.id and self._inbox.completed is None:
            await self._host.channel.cancel(self.id)

    def _sent_as_is(self, value: Any) -> bool:
        """Whether the transport sends ``value`` unconverted (an encoded video packet on
        WebRTC, say); no frame here."""
        return False

    async def _frame_values(self) -> AsyncIterator[Pixels | bytes]:
        """The caller's frames, each converted for sending (see :func:`frame_pixels`)."""
        max_pixels = self._host.max_pixels
        number = 0
        async for value in aiterate(self._frames):
            if self._sent_as_is(value):
                yield value
            elif _is_ready(value):
                yield frame_pixels(value, number, max_pixels)
            else:
                yield await anyio.to_thread.run_sync(frame_pixels, value, number, max_pixels)
            number += 1

    async def _fail(self, failure: BaseException) -> None:
        """The stream cannot go on because of the caller's frames: tell the iteration and
        cancel the job on the server."""
        self._inbox.fail(failure)
        with anyio.CancelScope(shield=True):
            await self.cancel()


def _is_ready(value: Any) -> bool:
    """True for frames that need no conversion nor copy (contiguous uint8 RGB arrays,
    encoded bytes): checked on the loop; the others are converted in a worker thread."""
    if isinstance(value, Frame):
        value = value.pixels
    if isinstance(value, bytes):
        return True
    return (
        isinstance(value, np.ndarray)
        and value.dtype == np.uint8
        and value.ndim == 3
        and value.shape[2] == 3
        and value.flags.c_contiguous
    )


class FrameStream(ClientStream):
    """A stream whose frames go over the client's channel (JPEG on the WebSocket)."""

    def __init__(
        self,
        host: StreamHost,
        job_id: str,
        endpoint: Endpoint,
        frames: Iterable[Any] | AsyncIterable[Any],
        max_in_flight: int,
    ) -> None:
        super().__init__(host, endpoint, frames, max_in_flight)
        self.id = job_id
        self._job_inbox = host.inbox(job_id)
        self._sender: anyio.CancelScope | None = None

    async def __aiter__(self) -> AsyncIterator[Any]:
        inbox = self._inbox
        if self._sender is None:
            self._sender = anyio.CancelScope()
            self._host.start_soon(self._send_frames)
        try:
            while True:
                message = await inbox.next()
                if isinstance(message, Completed):
                    self.completion = message
                    raise_for_completion(message, self.endpoint.api_name, stream=True)
                    return
                if isinstance(message, FrameError):
                    self._window.answered(message.seq)
                    self.frame_errors.append(message.error)
                else:
                    self._window.answered(message.seq)
                    self.received += 1
                    yield await self._host.frame_outputs(self.endpoint, message)
        finally:  # also when the caller stops iterating early: the stream is cancelled
            self._sender.cancel()
            if inbox.completed is None:
                with anyio.CancelScope(shield=True):
                    await self.cancel()

    async def _send_frames(self) -> None:
        assert self._sender is not None
        channel = self._host.channel
        with self._sender:
            try:
                async for pixels in self._frame_values():
                    await self._window.reserve()
                    if self._inbox.completed is not None:
                        return
                    self._window.sent(self.sent)
                    await channel.send_frame(self.id, Frame(pixels, seq=self.sent))
                    self.sent += 1
            except Exception as exc:  # the caller's frames: raised where they iterate
                await self._fail(exc)
                return
            await self._window.drained()  # every frame sent is answered before closing
            if self._inbox.completed is None:
                await channel.close_stream(self.id)
