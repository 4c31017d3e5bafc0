"""The client logic both clients share: jobs, streams, value conversion, sync use.

A client speaks to an app through a :class:`Channel`: in process
(:class:`streamcore.testing.AsyncTestClient`) or over a WebSocket
(:class:`transports.client.AsyncClient`). :class:`BaseAsyncClient` does the rest: it
routes the channel's messages to jobs, turns client-side values into payloads and back,
and feeds streams with at most ``max_in_flight`` frames awaiting their output.
:class:`SyncClient` gives any of them a synchronous face (its event loop runs in a
background thread), as ``gradio_client`` and Starlette's ``TestClient`` do.
"""

from __future__ import annotations

import collections
import contextlib
import tempfile
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
)
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar

import anyio
import anyio.abc
import anyio.from_thread
import anyio.to_thread

from .client_values import from_payload, to_payload
from .encoding import decode, parse_data_url
from .errors import Error
from .frames import Frame
from .messages import Accepted, Completed, Estimation, FrameError, Message, Output, Started
from .operators import aiterate

__all__ = [
    "AsyncJob",
    "BaseAsyncClient",
    "Channel",
    "Endpoint",
    "FrameStream",
    "InFlightWindow",
    "Job",
    "SyncClient",
    "ValidationError",
    "raise_for_completion",
]


class ValidationError(Error):
    """The event's validator refused the inputs; ``messages`` maps parameter to message."""

    def __init__(self, report: list[dict[str, Any]]) -> None:
        self.report = report
        self.messages = {r["parameter_name"]: r["message"] for r in report if not r["is_valid"]}
        text = "; ".join(f"{name}: {message}" for name, message in self.messages.items())
        super().__init__(f"the inputs were refused: {text}", title="Validation error")


def raise_for_completion(completed: Completed) -> None:
    """Raise the client-side error a failed completion stands for."""
    if completed.validation is not None:
        raise ValidationError(completed.validation)
    if not completed.success:
        error = completed.error or {}
        raise Error(
            str(error.get("message") or "the event failed"), title=error.get("title", "Error")
        )


@dataclass(frozen=True)
class Endpoint:
    """What a client needs to know of one event: its name and its components' types."""

    api_name: str
    input_types: list[str]
    output_types: list[str]
    is_stream: bool


class Channel(Protocol):
    """A connection to one client session of an app."""

    async def submit(self, api_name: str | int, data: list[Any], event_data: Any) -> str: ...

    async def open_stream(self, api_name: str | int, data: list[Any] | None) -> str: ...

    async def send_frame(self, job: str, frame: Frame) -> None: ...

    async def update_inputs(self, job: str, data: list[Any]) -> None: ...

    async def close_stream(self, job: str) -> None: ...

    async def cancel(self, job: str) -> None: ...

    async def receive(self) -> Message: ...

    async def upload(self, data: bytes, name: str) -> str: ...

    async def resolve_path(self, path: str) -> str: ...


class _JobInbox:
    """The messages of one job, as the dispatcher routes them (client memory only)."""

    def __init__(self) -> None:
        self.items: collections.deque[Message] = collections.deque()
        self.completed: Completed | None = None
        self.status: Message | None = None
        self.changed = anyio.Event()

    def put(self, message: Message) -> None:
        if isinstance(message, Completed):
            self.completed = message
        if isinstance(message, Estimation | Started | Completed):
            self.status = message
        if isinstance(message, Output | FrameError | Completed):
            self.items.append(message)
        self.changed.set()
        self.changed = anyio.Event()

    async def next(self) -> Message:
        while not self.items:
            await self.changed.wait()
        return self.items.popleft()


class AsyncJob:
    """One submitted call: iterate its outputs, await its result, or cancel it."""

    def __init__(self, client: BaseAsyncClient, job_id: str, endpoint: Endpoint) -> None:
        self._client = client
        self.id = job_id
        self.endpoint = endpoint
        self._inbox = client._inbox(job_id)
        self.outputs: list[Any] = []

    async def __aiter__(self) -> AsyncIterator[Any]:
        """Each output in order (a generator's yields), ending at completion."""
        while True:
            message = await self._inbox.next()
            if isinstance(message, Output):
                value = await self._client._convert_outputs(self.endpoint, message.data)
                self.outputs.append(value)
                yield value
            elif isinstance(message, Completed):
                raise_for_completion(message)
                return

    async def completion(self) -> Completed:
        """The job's completion message, once it came."""
        while self._inbox.completed is None:
            await self._inbox.changed.wait()
        return self._inbox.completed

    async def result(self) -> Any:
        """The final output (a generator's last yield). Raises if the call failed."""
        completed = await self.completion()
        raise_for_completion(completed)
        if completed.data is None:
            return None
        return await self._client._convert_outputs(self.endpoint, completed.data)

    def status(self) -> Message | None:
        """The last status message: queue estimation, start or completion."""
        return self._inbox.status

    def done(self) -> bool:
        return self._inbox.completed is not None

    async def cancel(self) -> None:
        """Cancel the job if it has not ended (its completion then says ``cancelled``)."""
        if not self.done():
            await self._client.channel.cancel(self.id)


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


class FrameStream:
    """The outputs of one stream, as an async iterator; ``completion`` once it ended.

    Frames are sent by a task of the client while the outputs are iterated; at most
    ``max_in_flight`` frames await their output at a time. When the frames run out, the
    stream is closed once the last output is in.
    """

    def __init__(
        self,
        client: BaseAsyncClient,
        job_id: str,
        endpoint: Endpoint,
        frames: Iterable[Any] | AsyncIterable[Any],
        max_in_flight: int,
    ) -> None:
        self._window = InFlightWindow(max_in_flight)
        self._client = client
        self.id = job_id
        self.endpoint = endpoint
        self._frames = frames
        self._inbox = client._inbox(job_id)
        self.sent = 0
        self.received = 0
        self.frame_errors: list[dict[str, Any]] = []
        self.completion: Completed | None = None
        self._sender = anyio.CancelScope()
        client._tasks.start_soon(self._send_frames)

    async def __aiter__(self) -> AsyncGenerator[Any, None]:
        try:
            while True:
                message = await self._inbox.next()
                if isinstance(message, Completed):
                    self.completion = message
                    raise_for_completion(message)
                    return
                if isinstance(message, FrameError):
                    self._window.answered(message.seq)
                    self.frame_errors.append(message.error)
                elif isinstance(message, Output):
                    self._window.answered(message.seq)
                    self.received += 1
                    yield await anyio.to_thread.run_sync(
                        self._client._convert_frame_outputs, self.endpoint, message
                    )
        finally:
            self._sender.cancel()

    async def update_inputs(self, *inputs: Any) -> None:
        """New values for the stream's other inputs (the frame input's position is ignored)."""
        data = await self._client._payloads(self.endpoint, inputs)
        await self._client.channel.update_inputs(self.id, data)

    async def close(self) -> None:
        """Stop the stream: the frame in flight is answered, then it completes as ``closed``."""
        self._sender.cancel()
        if self._inbox.completed is None:
            await self._client.channel.close_stream(self.id)

    async def _send_frames(self) -> None:
        channel = self._client.channel
        with self._sender:
            async for frame in aiterate(self._frames):
                await self._window.reserve()
                if self._inbox.completed is not None:
                    return
                if not isinstance(frame, Frame):
                    frame = Frame(frame, seq=self.sent)
                self._window.sent(frame.seq)
                await channel.send_frame(self.id, frame)
                self.sent += 1
            await self._window.drained()  # every frame sent is answered before closing
            if self._inbox.completed is None:
                await channel.close_stream(self.id)


class BaseAsyncClient:
    """A client of one app over ``channel``; use it with ``async with``.

    Subclasses set :attr:`channel` in ``_connect`` (called on entry) and implement
    :meth:`endpoint`.
    """

    channel: Channel

    def __init__(self, *, download_dir: str | Path | None = None) -> None:
        self.download_dir = Path(download_dir or tempfile.mkdtemp(prefix="streamcore-client-"))
        self._inboxes: dict[str, _JobInbox] = {}
        self._early: dict[str, list[Message]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._tasks: anyio.abc.TaskGroup

    def endpoint(self, api_name: str | int) -> Endpoint:
        """The event named ``api_name``. Raises ``KeyError`` if there is none."""
        raise NotImplementedError

    async def _connect(self, stack: contextlib.AsyncExitStack) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> BaseAsyncClient:
        await self._connect(self._stack)
        self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
        self._stack.callback(self._tasks.cancel_scope.cancel)
        self._tasks.start_soon(self._dispatch)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def aclose(self) -> None:
        await self._stack.aclose()

    async def _dispatch(self) -> None:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
            while True:
                message = await self.channel.receive()
                if isinstance(message, Accepted):
                    continue
                inbox = self._inboxes.get(message.job)
                if inbox is not None:
                    inbox.put(message)
                    if isinstance(message, Completed):  # its job holds the inbox from here on
                        del self._inboxes[message.job]
                else:  # it came before submit() returned (e.g. "skipped")
                    self._early.setdefault(message.job, []).append(message)
        self._end_unfinished_jobs()

    def _end_unfinished_jobs(self) -> None:
        """The channel closed (the server stopped or the connection dropped): every job
        still waiting ends with an error instead of waiting forever."""
        error = {
            "type": "ConnectionClosed",
            "message": "the connection to the server closed before the job ended",
            "title": "Error",
        }
        for job_id, inbox in self._inboxes.items():
            if inbox.completed is None:
                inbox.put(Completed(job_id, "error", success=False, error=error))

    def _inbox(self, job_id: str) -> _JobInbox:
        inbox = self._inboxes.get(job_id)
        if inbox is None:
            inbox = _JobInbox()
            for message in self._early.pop(job_id, []):
                inbox.put(message)
            if inbox.completed is None:  # a completed job's inbox is not routed to any more
                self._inboxes[job_id] = inbox
        return inbox

    # -- calls --------------------------------------------------------------------------

    async def submit(
        self, *inputs: Any, api_name: str | int = "/predict", event_data: Any = None
    ) -> AsyncJob:
        """Trigger an event with client-side values; returns its job at once."""
        endpoint = self.endpoint(api_name)
        data = await self._payloads(endpoint, inputs)
        job_id = await self.channel.submit(api_name, data, event_data)
        return AsyncJob(self, job_id, endpoint)

    async def predict(self, *inputs: Any, api_name: str | int = "/predict") -> Any:
        """Run an event and return its final output; raises :class:`Error` if it failed."""
        return await (await self.submit(*inputs, api_name=api_name)).result()

    async def stream(
        self,
        frames: Iterable[Any] | AsyncIterable[Any],
        *inputs: Any,
        api_name: str | int = "/predict",
        max_in_flight: int = 1,
    ) -> FrameStream:
        """Open a stream event and feed it ``frames`` (numpy arrays), at most
        ``max_in_flight`` awaiting their output. ``inputs`` are the values of the event's
        inputs (``None`` at the frame input). Iterate the result for the outputs: image
        outputs come as numpy arrays."""
        endpoint = self.endpoint(api_name)
        data = await self._payloads(endpoint, inputs) if inputs else None
        job_id = await self.channel.open_stream(api_name, data)
        return FrameStream(self, job_id, endpoint, frames, max_in_flight)

    # -- values ---------------------------------------------------------------------------

    async def _payloads(self, endpoint: Endpoint, inputs: tuple[Any, ...]) -> list[Any]:
        if len(inputs) > len(endpoint.input_types):
            raise ValueError(
                f"{endpoint.api_name!r} takes {len(endpoint.input_types)} inputs, got {len(inputs)}"
            )
        values = list(inputs) + [None] * (len(endpoint.input_types) - len(inputs))
        return [
            await to_payload(kind, value, self.channel.upload)
            for kind, value in zip(endpoint.input_types, values, strict=True)
        ]

    async def _convert_outputs(self, endpoint: Endpoint, data: list[Any]) -> Any:
        values = []
        for kind, payload in zip(endpoint.output_types, data, strict=False):
            if (
                kind == "image"
                and isinstance(payload, dict)
                and isinstance(payload.get("path"), str)
            ):
                payload = {**payload, "path": await self.channel.resolve_path(payload["path"])}
            values.append(from_payload(kind, payload, self.download_dir, str))
        return values[0] if len(values) == 1 else tuple(values)

    def _convert_frame_outputs(self, endpoint: Endpoint, message: Output) -> Any:
        values: list[Any] = []
        for index, (kind, payload) in enumerate(
            zip(endpoint.output_types, message.data, strict=False)
        ):
            if kind != "image":
                values.append(payload)
            elif message.frame is not None and payload is None and _is_frame_index(message, index):
                values.append(decode(message.frame))
            elif isinstance(payload, dict) and str(payload.get("url", "")).startswith("data:"):
                values.append(decode(parse_data_url(payload["url"])[1]))
            else:
                values.append(payload)
        return values[0] if len(values) == 1 else tuple(values)


def _is_frame_index(message: Output, index: int) -> bool:
    first_none = next((i for i, v in enumerate(message.data) if v is None), 0)
    return index == first_none


class Job:
    """The synchronous face of :class:`AsyncJob`."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, job: AsyncJob) -> None:
        self._portal = portal
        self._job = job

    @property
    def id(self) -> str:
        return self._job.id

    def __iter__(self) -> Iterator[Any]:
        iterator = self._job.__aiter__()
        while True:
            try:
                yield self._portal.call(anext, iterator)
            except StopAsyncIteration:
                return

    def result(self) -> Any:
        return self._portal.call(self._job.result)

    def status(self) -> Message | None:
        return self._job.status()

    def done(self) -> bool:
        return self._job.done()

    def cancel(self) -> None:
        self._portal.call(self._job.cancel)

    @property
    def outputs(self) -> list[Any]:
        return self._job.outputs


_Client = TypeVar("_Client", bound="SyncClient")


class SyncClient:
    """Runs an async client's loop in a background thread for synchronous code.

    Use as ``with ...:`` or call :meth:`close`. ``make_client`` builds the async client
    inside that loop.
    """

    def __init__(self, make_client: Callable[[], BaseAsyncClient], *, connect: bool = True) -> None:
        self._make_client = make_client
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._client: BaseAsyncClient | None = None
        if connect:
            self._open()

    def _open(self) -> None:
        try:
            self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            self._client = self._stack.enter_context(
                self._portal.wrap_async_context_manager(_entered(self._make_client))
            )
        except BaseException:
            self.close()
            raise

    def __enter__(self: _Client) -> _Client:
        if self._client is None:
            self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect and stop the background loop. Idempotent."""
        self._stack.close()
        self._portal = self._client = None

    @property
    def _parts(self) -> tuple[anyio.from_thread.BlockingPortal, BaseAsyncClient]:
        if self._portal is None or self._client is None:
            raise RuntimeError("use the client inside `with` (or before close())")
        return self._portal, self._client

    @property
    def async_client(self) -> BaseAsyncClient:
        return self._parts[1]

    def predict(self, *inputs: Any, api_name: str | int = "/predict") -> Any:
        """Run an event and return its final output; raises :class:`Error` if it failed."""
        portal, client = self._parts
        return portal.call(lambda: client.predict(*inputs, api_name=api_name))

    def submit(self, *inputs: Any, api_name: str | int = "/predict", event_data: Any = None) -> Job:
        """Trigger an event; iterate the returned job for its outputs, or call ``result()``."""
        portal, client = self._parts
        job = portal.call(lambda: client.submit(*inputs, api_name=api_name, event_data=event_data))
        return Job(portal, job)

    def stream(
        self,
        frames: Iterable[Any],
        *inputs: Any,
        api_name: str | int = "/predict",
        max_in_flight: int = 1,
        **options: Any,
    ) -> Iterator[Any]:
        """Feed ``frames`` to a stream event and yield its outputs (see the async client;
        ``options`` go to its ``stream``, e.g. ``transport="webrtc"``)."""
        portal, client = self._parts
        stream = portal.call(
            lambda: client.stream(
                frames, *inputs, api_name=api_name, max_in_flight=max_in_flight, **options
            )
        )
        iterator = stream.__aiter__()
        try:
            while True:
                try:
                    yield portal.call(anext, iterator)
                except StopAsyncIteration:
                    return
        finally:
            portal.call(iterator.aclose)


@contextlib.asynccontextmanager
async def _entered(make_client: Callable[[], BaseAsyncClient]) -> AsyncIterator[BaseAsyncClient]:
    async with make_client() as client:
        yield client
