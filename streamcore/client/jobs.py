"""One submitted call as its client sees it: :class:`AsyncJob`, and the errors it raises.

The client's dispatcher routes each message of a job into its :class:`JobInbox`; the job
reads it from there. A job's outputs are converted to client-side values once, in order,
and kept (:meth:`AsyncJob.outputs`), however many readers iterate it.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

from ..errors import Error, JobCancelledError, JobSkippedError, ValidationError
from ..messages import (
    Completed,
    Estimation,
    FrameError,
    LogMessage,
    Message,
    Output,
    ProgressUpdate,
    Started,
)
from .status import NOT_RUN, Status, StatusUpdate

__all__ = [
    "AsyncJob",
    "JobCancelledError",
    "JobInbox",
    "JobSkippedError",
    "ValidationError",
    "raise_for_completion",
]


def raise_for_completion(completed: Completed, api_name: str = "", *, stream: bool = False) -> None:
    """Raise the client-side error a completion stands for; return if it succeeded.

    Raises :class:`ValidationError`, :class:`JobCancelledError`, :class:`JobSkippedError`
    or :class:`~streamcore.errors.Error` (the server's message and title). For a
    ``stream``, being cancelled or skipped is one of its ordinary ends (as ``closed`` or
    ``time_limit`` are): only a failure raises, and ``completion.reason`` says the rest.
    """
    if completed.validation is not None:
        raise ValidationError(completed.validation)
    if completed.reason == "cancelled" and not stream:
        raise JobCancelledError(f"the call of {api_name!r} was cancelled")
    if completed.reason in NOT_RUN and not stream:
        raise JobSkippedError(api_name, completed.reason)
    if not completed.success:
        error = completed.error or {}
        raise Error(
            str(error.get("message") or "the event failed"), title=error.get("title", "Error")
        )


class JobInbox:
    """The messages of one job as the dispatcher routes them, and what they say of it."""

    def __init__(self) -> None:
        self.items: collections.deque[Output | FrameError | Completed] = collections.deque()
        self.completed: Completed | None = None
        self.failure: BaseException | None = None
        """A client-side failure of the job (a frame that could not be sent)."""
        self._estimation: Estimation | None = None
        self._started = False
        self._iterating = False
        self._progress: list[Any] | None = None
        self._log: tuple[str, str] | None = None
        self.logs: list[LogMessage] = []
        """The ``gr.Info`` / ``gr.Warning`` / ``gr.Success`` messages of the job, in order."""
        self._changed = anyio.Event()

    def put(self, message: Message) -> None:
        if isinstance(message, Completed):
            self.completed = message
        elif isinstance(message, Estimation):
            self._estimation = message
        elif isinstance(message, Started):
            self._started = True
        elif isinstance(message, Output):
            self._iterating = True
        elif isinstance(message, ProgressUpdate):
            self._progress = message.progress_data
        elif isinstance(message, LogMessage):
            self._log = (message.log, message.level)
            self.logs.append(message)
        if isinstance(message, Output | FrameError | Completed):
            self.items.append(message)
        self._wake()

    def fail(self, failure: BaseException) -> None:
        """Make the next read raise ``failure`` (the caller learns of it at once)."""
        self.failure = failure
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def next(self) -> Output | FrameError | Completed:
        """The next message; raises :attr:`failure` once it is set."""
        while not self.items and self.failure is None:
            await self._changed.wait()
        if self.failure is not None:
            raise self.failure
        return self.items.popleft()

    async def wait_completed(self) -> Completed:
        while self.completed is None:
            await self._changed.wait()
        return self.completed

    def status(self) -> StatusUpdate:
        """The job's status from what was heard of it (see :mod:`.status`)."""
        completed = self.completed
        if completed is not None:
            if completed.reason == "cancelled":
                return StatusUpdate(Status.CANCELLED, success=False, reason="cancelled")
            success = completed.success and completed.reason not in NOT_RUN
            return StatusUpdate(Status.FINISHED, success=success, reason=completed.reason)
        if self._iterating:
            return StatusUpdate(Status.ITERATING, progress_data=self._progress, log=self._log)
        if self._started:
            return StatusUpdate(Status.PROCESSING, progress_data=self._progress, log=self._log)
        if self._estimation is not None:
            estimation = self._estimation
            return StatusUpdate(
                Status.IN_QUEUE,
                rank=estimation.rank,
                queue_size=estimation.queue_size,
                eta=estimation.eta,
            )
        return StatusUpdate(Status.JOINING_QUEUE)


ConvertOutputs = Callable[[list[Any]], Awaitable[Any]]
"""Turns one message's output payloads into the client-side value the caller gets."""


class AsyncJob:
    """One submitted call: iterate its outputs, await its result, or cancel it.

    Iterating gives each output as it arrives (a generator's yields), every reader from
    the first; :meth:`result` waits for the end and returns the final output. Both raise
    what :func:`raise_for_completion` raises when the call did not succeed.
    """

    def __init__(
        self,
        job_id: str,
        api_name: str,
        inbox: JobInbox,
        convert: ConvertOutputs,
        cancel: Callable[[], Awaitable[None]],
    ) -> None:
        self.id = job_id
        self.api_name = api_name
        self._inbox = inbox
        self._convert = convert
        self._send_cancel = cancel
        self._outputs: list[Any] = []
        self._final: Completed | None = None
        self._reading = anyio.Lock()

    async def __aiter__(self) -> AsyncIterator[Any]:
        index = 0
        while True:
            if index < len(self._outputs):
                index += 1
                yield self._outputs[index - 1]
            elif not await self._read_one() and index >= len(self._outputs):
                break
        assert self._final is not None
        raise_for_completion(self._final, self.api_name)

    async def _read_one(self) -> bool:
        """Take the next message into the outputs; ``False`` once the job has completed."""
        async with self._reading:
            while self._final is None:
                message = await self._inbox.next()
                if isinstance(message, Output):
                    self._outputs.append(await self._convert(message.data))
                    return True
                if isinstance(message, Completed):
                    if message.success and message.data is not None and not self._outputs:
                        self._outputs.append(await self._convert(message.data))
                    self._final = message
            return False

    async def result(self) -> Any:
        """The final output (a generator's last yield; ``None`` if there was none)."""
        async for _ in self:
            pass
        return self._outputs[-1] if self._outputs else None

    async def completion(self) -> Completed:
        """The job's completion message, once it came (it never raises)."""
        return await self._inbox.wait_completed()

    def outputs(self) -> list[Any]:
        """The outputs read so far, in order (for a call that is not a generator: its result,
        once it ended)."""
        return list(self._outputs)

    @property
    def output_count(self) -> int:
        """How many outputs have been read so far."""
        return len(self._outputs)

    def output(self, index: int) -> Any:
        """The ``index``-th output read (``IndexError`` if not read yet)."""
        return self._outputs[index]

    def status(self) -> StatusUpdate:
        return self._inbox.status()

    @property
    def logs(self) -> list[LogMessage]:
        """The ``gr.Info`` / ``gr.Warning`` / ``gr.Success`` messages heard so far, in
        order."""
        return list(self._inbox.logs)

    def done(self) -> bool:
        return self._inbox.completed is not None

    async def cancel(self) -> bool:
        """Ask the server to cancel the job. Returns ``False`` if it had already ended; its
        completion then says ``cancelled`` (unless it finished first)."""
        if self.done():
            return False
        await self._send_cancel()
        return True
