"""One stream event's run: the per-frame path in one place.

A :class:`StreamJob` is built once when a stream job starts. It decides, once, which input
receives the frames and which output carries the image, and builds the frame handler::

    frame bytes -> decode -> preprocess -> fn -> postprocess -> encode (or RGB pixels)

which runs as one worker-thread call per frame for a sync fn (an async fn runs on the
event loop between a worker-thread call that decodes and one that encodes), paced by a
:class:`~streamcore.engine.session.StreamSession` (latest frame wins, ``stream_every``,
``time_limit``, idle timeout). :meth:`StreamJob.run` turns the session's outputs into the
job's messages and returns its completion. *When* a frame is handled is the session's
business; *what* is done with it is this module's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import anyio.to_thread

from ..engine.clock import Clock
from ..engine.frames import Frame, Pixels
from ..engine.functions import call_in_worker, call_to_end
from ..engine.session import EndReason, StreamSession
from ..engine.turns import FnTurns
from ..errors import Error, FrameRejected, InvalidInputError
from ..events import Dependency
from ..media.encoding import decode
from ..media.formats import FRAME_FORMATS
from ..messages import Completed, FrameError, Message, Output, Started
from .event_values import SessionValues, error_payload
from .request import Request
from .special_args import arg_plan

__all__ = [
    "FrameSink",
    "StreamJob",
    "StreamSettings",
    "frame_input_index",
    "image_output_index",
]

log = logging.getLogger("streamcore")


class FrameSink(Protocol):
    """Receives a stream's image outputs as pictures (a video track's feeder).

    :meth:`build` runs in the worker thread that made the output, so that the transport's
    conversion (an RGB array into a video frame) never runs on the event loop; :meth:`push`
    takes what it built on the loop and must not block.
    """

    def build(self, rgb: Pixels) -> Any:
        """Turn an output (uint8 RGB, HxWx3) into what :meth:`push` takes; in a worker."""
        ...

    def push(self, picture: Any, seq: int, pts: float) -> None:
        """Queue ``picture`` (from :meth:`build`) for frame ``seq``; on the event loop."""
        ...


@dataclass(frozen=True)
class StreamSettings:
    """What every stream of an app shares: its clock, worker limiter and limits."""

    clock: Clock
    limiter: anyio.CapacityLimiter
    idle_timeout: float | None
    max_pixels: int
    show_error: bool = True
    """Send an unexpected exception's text to the client (see ``error_payload``)."""
    fn_turns: FnTurns | None = None
    """The app's fair limit on stream fn calls running at once (``None``: no limit)."""
    event_fn_turns: dict[int, FnTurns | None] = field(default_factory=dict)
    """The limits of the events that have their own ``max_concurrent_fns``, by
    dependency id."""

    def fn_turns_for(self, dependency: Dependency) -> FnTurns | None:
        """The limit ``dependency``'s streams take their turns at."""
        if dependency.id in self.event_fn_turns:
            return self.event_fn_turns[dependency.id]
        return self.fn_turns


def frame_input_index(dependency: Dependency) -> int:
    """The position of the input that receives a stream's frames (the first that declares
    :meth:`~streamcore.contract.Block.frame_input`). Raises
    :class:`~streamcore.errors.InvalidInputError` if there is none."""
    for index, component in enumerate(dependency.inputs):
        if component.frame_input() is not None:
            return index
    raise InvalidInputError(
        f"the stream event {dependency.api_name!r} has no Image input to receive frames"
    )


def image_output_index(dependency: Dependency) -> int | None:
    """The position of the output that carries a stream's image as bytes or pixels (the
    first that declares :meth:`~streamcore.contract.Block.frame_output`), if any."""
    for index, component in enumerate(dependency.outputs):
        if component.frame_output() is not None:
            return index
    return None


class StreamJob:
    """One stream job's frames: feed them with :meth:`send_nowait`, run it with :meth:`run`.

    ``binary``: the image output travels as encoded bytes (``Output.frame``, at
    ``Output.frame_index``) rather than inside ``data``; with a ``frame_sink`` (a video
    track) it goes to the sink as RGB pixels. ``extra_inputs`` holds the preprocessed values
    of the other inputs (replaced by ``update_inputs``; the next frame uses them).
    """

    def __init__(
        self,
        job_id: str,
        dependency: Dependency,
        frame_index: int,
        *,
        values: SessionValues,
        settings: StreamSettings,
        post: Callable[[Message], Awaitable[None]],
        binary: bool,
        frame_sink: FrameSink | None = None,
        request: Request | None = None,
    ) -> None:
        self.id = job_id
        self.dependency = dependency
        self.frame_index = frame_index
        self.extra_inputs: list[Any] = []
        self._values = values
        self._post = post
        self._frame_sink = frame_sink
        self._image_index = image_output_index(dependency) if binary or frame_sink else None
        receiver = dependency.inputs[frame_index].frame_input()
        assert receiver is not None  # the index was chosen by frame_input()
        self._receiver = receiver
        assert dependency.fn is not None
        self._fn = dependency.fn
        self._plan = arg_plan(dependency.fn)  # gr.Request / gr.Progress parameters
        self._request = request
        kind = dependency.kind  # decided once, not per frame
        assert kind is not None
        self._kind = kind
        self._max_pixels = settings.max_pixels
        self._show_error = settings.show_error
        self._limiter = settings.limiter
        handler = self._handle_async if self._kind.is_async else self._handle
        self.session = StreamSession(
            handler,
            stream_every=dependency.stream_every,
            time_limit=dependency.time_limit,
            idle_timeout=settings.idle_timeout,
            clock=settings.clock,
            limiter=settings.limiter,
            fn_turns=settings.fn_turns_for(dependency),
        )

    def send_nowait(self, frame: Frame) -> bool:
        """Offer a frame; ``True`` if it replaced one the fn had not taken (a drop)."""
        return self.session.send_nowait(frame)

    def close(self) -> None:
        """Stop taking frames; the call in flight finishes and is the final output."""
        self.session.close()

    def cancel(self) -> None:
        """Stop now; the call in flight is dropped."""
        self.session.cancel()

    def _handle(self, frame: Frame) -> tuple[list[Any], Any, str | None]:
        """The per-frame work of a sync fn, in one worker-thread call: ``(data, image, mime)``."""
        args = self._prepare(frame)
        return self._finish(call_in_worker(self._fn, self._kind, args))

    async def _handle_async(self, frame: Frame) -> tuple[list[Any], Any, str | None]:
        """The per-frame work of an async fn: the fn runs on the event loop, as a task of
        the session; decoding before it and encoding after it run in worker threads."""
        limiter = self._limiter
        args = await anyio.to_thread.run_sync(self._prepare, frame, limiter=limiter)
        result = await call_to_end(self._fn, self._kind, args)
        return await anyio.to_thread.run_sync(self._finish, result, limiter=limiter)

    def _prepare(self, frame: Frame) -> list[Any]:
        """Decode and preprocess the frame into the fn's arguments; a frame that cannot be
        used raises :class:`~streamcore.errors.FrameRejected` (the stream goes on)."""
        try:
            pixels = _pixels_of(frame.pixels, self._max_pixels)
            preprocess = self.dependency.preprocess
            value = self._receiver.preprocess_frame(pixels) if preprocess else pixels
        except InvalidInputError as exc:
            raise FrameRejected(exc) from exc
        args = list(self.extra_inputs)
        args[self.frame_index] = value
        return self._plan.arguments(args, request=self._request)

    def _finish(self, result: Any) -> tuple[list[Any], Any, str | None]:
        """Postprocess the fn's result: ``(data, image, mime)``, the image encoded (or RGB
        pixels for a frame sink) when it travels apart from ``data``."""
        if self._image_index is None:
            return self._values.postprocess(self.dependency, result), None, None
        sink = self._frame_sink
        data, image, mime = self._values.postprocess_frame_result(
            self.dependency, result, self._image_index, raw=sink is not None
        )
        if sink is not None and mime == "raw" and image is not None:
            image = sink.build(image)  # here, in the worker thread, not on the loop
        return data, image, mime

    async def run(self) -> Completed:
        """Run the stream until it ends; every output and refused frame is posted as it
        comes; returns the completion (its ``data`` is the last output)."""
        stream = self.session
        await self._post(Started(self.id, self.dependency.time_limit))
        last: list[Any] | None = None
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(stream.run)
            async for output in stream:
                if output.rejected is not None:
                    error = error_payload(output.rejected.reason, frame_error=True)
                    await self._post(FrameError(self.id, output.seq, error))
                    continue
                data, image, mime = output.value
                last = data
                if mime == "raw" and self._frame_sink is not None:
                    if image is not None:
                        self._frame_sink.push(image, output.seq, output.pts)
                    image = mime = None
                received, replaced = stream.frame_counts()
                await self._post(
                    Output(
                        self.id,
                        data,
                        output.seq,
                        round(output.latency * 1000, 3),
                        image,
                        mime,
                        None if image is None else self._image_index,
                        None if output.waited is None else round(output.waited * 1000, 3),
                        received,
                        replaced,
                    )
                )
        return self._completion(last)

    def _completion(self, last: list[Any] | None) -> Completed:
        end = self.session.end
        assert end is not None
        stats = self.session.statistics().as_dict()
        if end.reason is EndReason.ERROR and end.error is not None:
            if not isinstance(end.error, Error):
                log.error("stream %r failed", self.dependency.api_name, exc_info=end.error)
            error = error_payload(end.error, show_error=self._show_error)
            return Completed(self.id, "error", False, last, error, stats=stats)
        return Completed(self.id, end.reason.value, True, last, stats=stats)


def _pixels_of(source: Any, max_pixels: int) -> Pixels:
    """A frame's pixels: decoded if they are encoded bytes (JPEG, PNG or WebP only),
    converted if they are a decoded video frame (anything with ``to_ndarray``, such as
    PyAV's), else as they are."""
    if isinstance(source, bytes):
        return decode(source, max_pixels=max_pixels, formats=FRAME_FORMATS, what="the frame")
    to_ndarray = getattr(source, "to_ndarray", None)
    if callable(to_ndarray):
        # one conversion thread: PyAV's default (automatic threading) starts 2 OS threads per
        # frame and joins them when the frame is freed, wherever that is (issue 16)
        pixels: Pixels = to_ndarray(format="rgb24", threads=1)
        return pixels
    return source  # type: ignore[no-any-return]
