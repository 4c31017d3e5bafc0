"""Drive an app in process, without sockets: the model for tests (Starlette's TestClient).

:class:`AsyncTestClient` opens one client session on the app's runtime and offers the
network client's calls (``predict``, ``submit``, ``stream``) with client-side values.
:class:`TestClient` is the same for synchronous code: it runs the app's event loop in a
background thread. The network :class:`transports.client.Client` has the same surface.
"""

from __future__ import annotations

import collections
import contextlib
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import anyio.from_thread
import numpy as np

from .blocks import Blocks
from .client_values import from_payload, to_payload
from .encoding import decode, parse_data_url
from .errors import Error
from .events import Dependency
from .files import current_file_access, save_bytes_to_cache
from .frames import Frame
from .messages import Completed, Estimation, FrameError, Message, Output, Started
from .operators import aiterate
from .runtime import AppRuntime, ClientSession, UnknownJobError

__all__ = ["AsyncJob", "AsyncTestClient", "FrameStream", "Job", "TestClient", "ValidationError"]


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


class _JobInbox:
    """The messages of one job, as the dispatcher routes them."""

    def __init__(self, latest_only: bool) -> None:
        self.items: collections.deque[Message] = collections.deque(
            maxlen=2 if latest_only else None
        )
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

    def __init__(self, client: AsyncTestClient, job_id: str, dependency: Dependency) -> None:
        self._client = client
        self.id = job_id
        self.dependency = dependency
        self._inbox = client._inboxes[job_id]
        self.outputs: list[Any] = []

    async def __aiter__(self) -> AsyncIterator[Any]:
        """Each output in order (a generator's yields), ending at completion."""
        while True:
            message = await self._inbox.next()
            if isinstance(message, Output):
                value = self._client._convert_outputs(self.dependency, message.data)
                self.outputs.append(value)
                yield value
            elif isinstance(message, Completed):
                raise_for_completion(message)
                return

    async def completion(self) -> Completed:
        while self._inbox.completed is None:
            await self._inbox.changed.wait()
        return self._inbox.completed

    async def result(self) -> Any:
        """The final output (a generator's last yield). Raises if the call failed."""
        completed = await self.completion()
        raise_for_completion(completed)
        if completed.data is None:
            return None
        return self._client._convert_outputs(self.dependency, completed.data)

    def status(self) -> Message | None:
        """The last status message: queue estimation, start or completion."""
        return self._inbox.status

    def cancel(self) -> None:
        """Cancel the job if it has not ended (its completion then says ``cancelled``)."""
        if self._inbox.completed is None:
            with contextlib.suppress(UnknownJobError):  # it ended; the completion is on its way
                self._client.session.cancel(self.id)


class FrameStream:
    """The outputs of one stream as an async iterator; ``completion`` once it ended."""

    def __init__(
        self,
        client: AsyncTestClient,
        job_id: str,
        dependency: Dependency,
        frames: Iterable[Any] | AsyncIterable[Any],
        max_in_flight: int,
    ) -> None:
        self._client = client
        self.id = job_id
        self.dependency = dependency
        self._frames = frames
        self._inbox = client._inboxes[job_id]
        self._room = anyio.Semaphore(max_in_flight)
        self.sent = 0
        self.received = 0
        self.frame_errors: list[dict[str, Any]] = []
        self.completion: Completed | None = None
        self._sender = anyio.CancelScope()
        client._tasks.start_soon(self._send_frames)

    async def __aiter__(self) -> AsyncIterator[Any]:
        try:
            while True:
                message = await self._inbox.next()
                if isinstance(message, Completed):
                    self.completion = message
                    raise_for_completion(message)
                    return
                self._room.release()
                if isinstance(message, FrameError):
                    self.frame_errors.append(message.error)
                elif isinstance(message, Output):
                    self.received += 1
                    yield self._client._convert_frame_outputs(self.dependency, message)
        finally:
            self._sender.cancel()

    async def _send_frames(self) -> None:
        """Feed the frames, at most ``max_in_flight`` awaiting output; then close the stream."""
        session = self._client.session
        with self._sender:
            async for frame in aiterate(self._frames):
                await self._room.acquire()
                if not session.has_job(self.id):
                    return
                session.send_frame(self.id, frame if isinstance(frame, Frame) else Frame(frame))
                self.sent += 1
            async with self._room:  # the last frame's output is in: nothing is left in flight
                pass
            if session.has_job(self.id):
                session.close_stream(self.id)


class AsyncTestClient:
    """An in-process client of ``blocks``, for ``async with``.

    ``runtime_options`` go to :class:`~streamcore.runtime.AppRuntime` (``clock``,
    ``idle_timeout``, ``max_threads``, ``file_access``...).
    """

    def __init__(
        self,
        blocks: Blocks,
        *,
        binary_frames: bool = False,
        download_dir: str | Path | None = None,
        **runtime_options: Any,
    ) -> None:
        self.blocks = blocks
        self.runtime = AppRuntime(blocks, **runtime_options)
        self.binary_frames = binary_frames
        self.download_dir = Path(download_dir or tempfile.mkdtemp(prefix="streamcore-client-"))
        self._inboxes: dict[str, _JobInbox] = {}
        self._early: dict[str, list[Message]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._session: ClientSession | None = None
        self._tasks: anyio.abc.TaskGroup

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            raise RuntimeError("use the client inside `async with`")
        return self._session

    async def __aenter__(self) -> AsyncTestClient:
        self._session = await self._stack.enter_async_context(
            self.runtime.session(binary_frames=self.binary_frames)
        )
        self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
        self._stack.callback(self._tasks.cancel_scope.cancel)
        self._tasks.start_soon(self._dispatch)
        return self

    async def __aexit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        await self._stack.aclose()

    async def _dispatch(self) -> None:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
            while True:
                message = await self.session.receive()
                inbox = self._inboxes.get(message.job)
                if inbox is not None:
                    inbox.put(message)
                else:  # sent before submit() returned (e.g. "skipped"): kept for _track
                    self._early.setdefault(message.job, []).append(message)

    # -- calls --------------------------------------------------------------------------

    async def submit(
        self, *inputs: Any, api_name: str | int = "/predict", event_data: Any = None
    ) -> AsyncJob:
        dependency = self.blocks.dependency(api_name)
        data = await self._payloads(dependency, inputs)
        return self._track(await self.session.submit(api_name, data, event_data), dependency)

    async def predict(self, *inputs: Any, api_name: str | int = "/predict") -> Any:
        """Run an event and return its final output (raises if it failed)."""
        return await (await self.submit(*inputs, api_name=api_name)).result()

    async def stream(
        self,
        frames: Iterable[Any] | AsyncIterable[Any],
        *inputs: Any,
        api_name: str | int = "/predict",
        max_in_flight: int = 1,
    ) -> FrameStream:
        """Open a stream event and feed it ``frames`` (arrays), at most ``max_in_flight``
        frames awaiting their output at a time. ``inputs`` are the other inputs' values
        (the frame input's position takes ``None``). Iterate the result for the outputs."""
        dependency = self.blocks.dependency(api_name)
        data = await self._payloads(dependency, inputs) if inputs else None
        job_id = await self.session.open_stream(api_name, data)
        self._register_inbox(job_id)
        return FrameStream(self, job_id, dependency, frames, max_in_flight)

    def _track(self, job_id: str, dependency: Dependency) -> AsyncJob:
        self._register_inbox(job_id)
        # a trigger dropped synchronously (trigger_mode) already sent its completion
        return AsyncJob(self, job_id, dependency)

    def _register_inbox(self, job_id: str) -> None:
        inbox = self._inboxes[job_id] = _JobInbox(latest_only=False)
        for message in self._early.pop(job_id, []):
            inbox.put(message)

    async def _payloads(self, dependency: Dependency, inputs: tuple[Any, ...]) -> list[Any]:
        values = list(inputs) + [None] * (len(dependency.inputs) - len(inputs))
        return [
            await to_payload(_type_name(component), value, self._upload)
            for component, value in zip(dependency.inputs, values, strict=False)
        ]

    async def _upload(self, data: bytes, name: str) -> str:
        policy = self.runtime.file_access
        path = await anyio.to_thread.run_sync(save_bytes_to_cache, data, name, policy)
        return str(path)

    def _convert_outputs(self, dependency: Dependency, data: list[Any]) -> Any:
        values = [
            from_payload(_type_name(component), payload, self.download_dir, str)
            for component, payload in zip(dependency.outputs, data, strict=False)
        ]
        return values[0] if len(values) == 1 else tuple(values)

    def _convert_frame_outputs(self, dependency: Dependency, message: Output) -> Any:
        values: list[Any] = []
        max_pixels = current_file_access.get().max_pixels
        for component, payload in zip(dependency.outputs, message.data, strict=False):
            if _type_name(component) == "image":
                if message.frame is not None and payload is None:
                    values.append(decode(message.frame, max_pixels=max_pixels))
                elif isinstance(payload, dict) and str(payload.get("url", "")).startswith("data:"):
                    values.append(decode(parse_data_url(payload["url"])[1], max_pixels=max_pixels))
                else:
                    values.append(from_payload("image", payload, self.download_dir, str))
            else:
                values.append(payload)
        return values[0] if len(values) == 1 else tuple(values)


def _type_name(component: Any) -> str:
    return type(component).__name__.lower()


class Job:
    """The synchronous face of :class:`AsyncJob`."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, job: AsyncJob) -> None:
        self._portal = portal
        self._job = job

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

    def cancel(self) -> None:
        self._portal.call(_run_sync, self._job.cancel)

    @property
    def outputs(self) -> list[Any]:
        return self._job.outputs


async def _run_sync(fn: Any, *args: Any) -> Any:
    return fn(*args)


class TestClient:
    """An in-process client for synchronous code: ``with TestClient(demo) as client:``."""

    __test__ = False  # not a pytest test class

    def __init__(self, blocks: Blocks, **options: Any) -> None:
        self._options = options
        self.blocks = blocks
        self._stack = contextlib.ExitStack()
        self._client: AsyncTestClient | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None

    def __enter__(self) -> TestClient:
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._client = self._stack.enter_context(
            self._portal.wrap_async_context_manager(_make_client(self.blocks, self._options))
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def _parts(self) -> tuple[anyio.from_thread.BlockingPortal, AsyncTestClient]:
        if self._portal is None or self._client is None:
            raise RuntimeError("use the client inside `with`")
        return self._portal, self._client

    def predict(self, *inputs: Any, api_name: str | int = "/predict") -> Any:
        portal, client = self._parts
        return portal.call(lambda: client.predict(*inputs, api_name=api_name))

    def submit(self, *inputs: Any, api_name: str | int = "/predict", event_data: Any = None) -> Job:
        portal, client = self._parts
        job = portal.call(lambda: client.submit(*inputs, api_name=api_name, event_data=event_data))
        return Job(portal, job)

    def stream(
        self, frames: Iterable[np.ndarray], *inputs: Any, api_name: str | int = "/predict"
    ) -> Iterator[Any]:
        portal, client = self._parts
        stream = portal.call(lambda: client.stream(frames, *inputs, api_name=api_name))
        iterator = stream.__aiter__()
        while True:
            try:
                yield portal.call(anext, iterator)
            except StopAsyncIteration:
                return


@contextlib.asynccontextmanager
async def _make_client(blocks: Blocks, options: dict[str, Any]) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(blocks, **options) as client:
        yield client
