"""The client logic every client shares: :class:`BaseAsyncClient`.

A client speaks to an app through a :class:`~.channel.Channel`: in process
(:class:`streamcore.app.testing.AsyncTestClient`) or over a WebSocket
(:class:`transports.client.AsyncClient`). This class does the rest: it routes the
channel's messages to jobs and streams, turns client-side values into payloads and back,
and owns the download folder.

Files the client downloads go to ``download_dir``. When the caller gives none, the client
makes a temporary folder on first use and removes it when it closes (or, if it is never
closed, when the interpreter exits): copy what you want to keep, or pass a folder of yours,
which is never removed.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import weakref
from collections.abc import AsyncIterable, Callable, Coroutine, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import anyio.abc

from ..media.encoding import decode, parse_data_url
from ..messages import Accepted, Completed, Message, Output
from .channel import Channel
from .endpoints import Endpoint, api_info, find_endpoint, render_api_info
from .jobs import AsyncJob, JobInbox
from .streams import ClientStream, FrameStream
from .values import from_payload, to_payload

__all__ = ["BaseAsyncClient"]


class BaseAsyncClient:
    """A client of one app over ``channel``; use it with ``async with`` (or :meth:`aclose`).

    Subclasses set :attr:`channel` and :attr:`config` (the app's description) in
    ``_connect``, which is called on entry.
    """

    channel: Channel
    config: dict[str, Any]

    def __init__(self, *, download_dir: str | Path | None = None) -> None:
        self._download_dir = None if download_dir is None else Path(download_dir)
        self._remove_download_dir: weakref.finalize[Any, Any] | None = None
        self._inboxes: dict[str, JobInbox] = {}
        self._early: dict[str, list[Message]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._tasks: anyio.abc.TaskGroup | None = None
        self.config = {}

    # -- lifecycle -----------------------------------------------------------------------

    async def _connect(self, stack: contextlib.AsyncExitStack) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> BaseAsyncClient:
        try:
            await self._connect(self._stack)
            self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
            self._stack.callback(self._tasks.cancel_scope.cancel)
            self._tasks.start_soon(self._dispatch)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Disconnect, stop every job's and stream's task, remove the download folder the
        client made. Idempotent."""
        try:
            await self._stack.aclose()
        finally:
            self._tasks = None
            if self._remove_download_dir is not None:
                self._remove_download_dir()

    @property
    def download_dir(self) -> Path:
        """Where downloaded outputs go (made on first use when the caller gave none)."""
        if self._download_dir is None:
            self._download_dir = Path(tempfile.mkdtemp(prefix="streamcore-client-"))
            self._remove_download_dir = weakref.finalize(
                self, shutil.rmtree, self._download_dir, ignore_errors=True
            )
        return self._download_dir

    def start_soon(self, task: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``task`` in the client's task group (cancelled when the client closes)."""
        if self._tasks is None:
            raise RuntimeError("the client is not connected: use it inside `async with`")
        self._tasks.start_soon(task)

    # -- messages ------------------------------------------------------------------------

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

    def inbox(self, job_id: str) -> JobInbox:
        """The inbox the messages of ``job_id`` are routed to (made on first use)."""
        inbox = self._inboxes.get(job_id)
        if inbox is None:
            inbox = JobInbox()
            for message in self._early.pop(job_id, []):
                inbox.put(message)
            if inbox.completed is None:  # a completed job's inbox is not routed to any more
                self._inboxes[job_id] = inbox
        return inbox

    # -- the app -------------------------------------------------------------------------

    def endpoint(self, api_name: str | int | None = None, fn_index: int | None = None) -> Endpoint:
        """The event to call (see :func:`~.endpoints.find_endpoint`); raises
        :class:`~.endpoints.UnknownEventError` naming the valid api names."""
        return find_endpoint(self.config, api_name, fn_index)

    def view_api(
        self, print_info: bool = True, return_format: str | None = None
    ) -> dict[str, Any] | str | None:
        """Print how to call each public event (``print_info``); return the description as
        a dict (``return_format="dict"``) or the printed text (``"str"``)."""
        info = api_info(self.config)
        text = render_api_info(info)
        if print_info:
            print(text)
        if return_format == "dict":
            return info
        return text if return_format == "str" else None

    @property
    def max_pixels(self) -> int | None:
        """The server's limit on a frame's pixels, if it said one."""
        limit = self.config.get("limits", {}).get("max_pixels")
        return limit if isinstance(limit, int) else None

    # -- calls ---------------------------------------------------------------------------

    async def submit(
        self,
        *inputs: Any,
        api_name: str | int | None = None,
        fn_index: int | None = None,
        event_data: Any = None,
    ) -> AsyncJob:
        """Trigger an event with client-side values; returns its job at once.

        A stream event called so runs once on the single frame given (as Gradio's API
        does). Raises :class:`~.endpoints.UnknownEventError` and ``ValueError`` for
        inputs that do not fit the event.
        """
        endpoint = self.endpoint(api_name, fn_index)
        data = await self.payloads(endpoint, inputs)
        job_id = await self.channel.submit(endpoint.fn_index, data, event_data)
        return AsyncJob(
            job_id,
            endpoint.api_name,
            self.inbox(job_id),
            lambda payloads: self.outputs(endpoint, payloads),
            lambda: self.channel.cancel(job_id),
        )

    async def predict(
        self, *inputs: Any, api_name: str | int | None = None, fn_index: int | None = None
    ) -> Any:
        """Run an event and return its final output; raises what :meth:`AsyncJob.result`
        raises if it did not succeed."""
        job = await self.submit(*inputs, api_name=api_name, fn_index=fn_index)
        return await job.result()

    async def stream(
        self,
        frames: Iterable[Any] | AsyncIterable[Any],
        *inputs: Any,
        api_name: str | int | None = None,
        fn_index: int | None = None,
        max_in_flight: int = 1,
    ) -> ClientStream:
        """Open a stream event and feed it ``frames``, at most ``max_in_flight`` awaiting
        their output. ``inputs`` are the values of the event's inputs (``None`` at the frame
        input). Iterate the result for the outputs: image outputs come as numpy arrays.

        Frames may be arrays of any numeric dtype, PIL images, paths or encoded bytes (see
        :func:`~.values.frame_pixels`); one that cannot be sent raises from the iteration.
        """
        endpoint = self.endpoint(api_name, fn_index)
        data = await self.payloads(endpoint, inputs) if inputs else None
        job_id = await self.channel.open_stream(endpoint.fn_index, data)
        return FrameStream(self, job_id, endpoint, frames, max_in_flight)

    # -- values ---------------------------------------------------------------------------

    async def payloads(self, endpoint: Endpoint, inputs: tuple[Any, ...]) -> list[Any]:
        """The payloads to send for ``inputs`` (missing trailing inputs are ``None``)."""
        if len(inputs) > len(endpoint.input_types):
            raise ValueError(
                f"'/{endpoint.api_name}' takes {len(endpoint.input_types)} inputs, "
                f"got {len(inputs)}"
            )
        values = list(inputs) + [None] * (len(endpoint.input_types) - len(inputs))
        return [
            await to_payload(kind, value, self.channel.upload)
            for kind, value in zip(endpoint.input_types, values, strict=True)
        ]

    async def outputs(self, endpoint: Endpoint, data: list[Any]) -> Any:
        """The client-side value of one message's outputs: one value, or a tuple of them."""
        values = [
            await from_payload(kind, payload, self.download_dir, self.channel.resolve_path)
            for kind, payload in zip(endpoint.output_types, data, strict=False)
        ]
        return values[0] if len(values) == 1 else tuple(values)

    async def frame_outputs(self, endpoint: Endpoint, message: Output) -> Any:
        """A stream output's values: images as numpy arrays (decoded off the loop)."""
        return await anyio.to_thread.run_sync(_frame_outputs, endpoint, message)


def _frame_outputs(endpoint: Endpoint, message: Output) -> Any:
    values: list[Any] = []
    for index, (kind, payload) in enumerate(zip(endpoint.output_types, message.data, strict=False)):
        if index == message.frame_index and message.frame is not None:
            values.append(decode(message.frame))
        elif kind == "image" and isinstance(payload, dict):
            url = str(payload.get("url", ""))
            values.append(decode(parse_data_url(url)[1]) if url.startswith("data:") else payload)
        else:
            values.append(payload)
    return values[0] if len(values) == 1 else tuple(values)
