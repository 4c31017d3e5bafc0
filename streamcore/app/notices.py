"""What a running fn tells its client besides its outputs: progress and notices.

``gr.Info``, ``gr.Warning`` and ``gr.Success`` called inside a fn send a
:class:`~streamcore.messages.LogMessage` to the client that triggered it; ``gr.Progress``
(:mod:`.progress`) sends :class:`~streamcore.messages.ProgressUpdate` messages. The fn may
call them from its worker thread or on the event loop; :class:`JobNotices`, which the runtime
makes current for each call (:func:`current_notices`), carries them to the session.

Outside a call (at build time, in a stream's frame handler) they do what Gradio does
outside its queue: ``Info`` and ``Success`` print the message, ``Warning`` issues a Python
warning, and progress is ignored.
"""

from __future__ import annotations

import contextlib
import math
import threading
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

import anyio
import anyio.from_thread
from anyio.abc import TaskGroup

from ..engine.clock import Clock
from ..messages import LogMessage, Message, ProgressUpdate

__all__ = [
    "PROGRESS_INTERVAL",
    "Info",
    "JobNotices",
    "Success",
    "Warning",
    "current_notices",
    "notices_for",
]

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress messages of one job, at least (the newest one waiting is
sent when the interval has passed)."""

_current: ContextVar[JobNotices | None] = ContextVar("streamcore_job_notices", default=None)


def current_notices() -> JobNotices | None:
    """The notices of the job whose fn is running in this context, if any."""
    return _current.get()


@contextlib.contextmanager
def notices_for(notices: JobNotices) -> Iterator[None]:
    """Make ``notices`` current for the body (and the tasks and worker threads it starts);
    they are closed when it ends."""
    token = _current.set(notices)
    try:
        yield
    finally:
        _current.reset(token)
        notices.close()


class JobNotices:
    """Carries one job's progress and log messages from its fn to its session.

    Made on the event loop. :meth:`log` and :meth:`progress` may be called on it or from a
    worker thread anyio started (where a fn runs); from another thread they do nothing.
    A log message from a worker thread waits until it is queued (so it reaches the client
    before the outputs that follow it); on the loop it is queued at once, or by a task when
    the client is behind. Progress is rate-limited to one message per ``interval``
    seconds, the newest wins, and is dropped when the client is behind. Nothing is sent
    once :meth:`close` has been called (the job has ended).
    """

    def __init__(
        self,
        job_id: str,
        post: Callable[[Message], Awaitable[None]],
        post_nowait: Callable[[Message], bool],
        tasks: TaskGroup,
        clock: Clock,
        interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.job_id = job_id
        self._post = post
        self._post_nowait = post_nowait
        self._tasks = tasks
        self._clock = clock
        self._interval = interval
        self._loop_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._pending: ProgressUpdate | None = None
        self._flushing = False
        self._last_sent = -math.inf
        self.closed = False
        self.tracked: list[Any] = []
        """The ``progress.tqdm`` loops running in the fn, outermost first (see
        :mod:`.progress`)."""

    def close(self) -> None:
        """The job has ended: send nothing more."""
        self.closed = True

    # -- from any thread --------------------------------------------------------------

    def log(
        self, message: str, level: str, title: str, duration: float | None, visible: bool
    ) -> None:
        """Send a ``log`` message to the client (``gr.Info`` and its kin)."""
        note = LogMessage(self.job_id, message, level, title, duration, visible)
        if threading.get_ident() == self._loop_thread:
            if not self.closed and not self._post_nowait(note):
                self._start(self._send_log, note)
            return
        with contextlib.suppress(RuntimeError):  # a thread anyio did not start, or no loop
            anyio.from_thread.run(self._send_log, note)

    def progress(self, progress_data: list[dict[str, Any]]) -> None:
        """Report the fn's progress (rate-limited; see the class docstring)."""
        with self._lock:
            self._pending = ProgressUpdate(self.job_id, progress_data)
            if self._flushing or self.closed:
                return
            self._flushing = True
        if threading.get_ident() == self._loop_thread:
            self._start(self._flush)
        else:  # one hop to the loop per interval at most
            with contextlib.suppress(RuntimeError):  # a thread anyio did not start, or no loop
                anyio.from_thread.run(self._start_from_thread, self._flush)

    # -- on the loop -------------------------------------------------------------------

    def _start(self, task: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        if not self.closed:
            with contextlib.suppress(RuntimeError):  # the session has ended
                self._tasks.start_soon(task, *args)

    async def _start_from_thread(self, task: Callable[..., Coroutine[Any, Any, None]]) -> None:
        self._start(task)  # in a task of the loop, as anyio's start_soon needs

    async def _send_log(self, note: LogMessage) -> None:
        if not self.closed:
            await self._post(note)

    async def _flush(self) -> None:
        due = self._last_sent + self._interval
        if self._clock.now() < due:
            await self._clock.sleep_until(due)
        with self._lock:
            message, self._pending, self._flushing = self._pending, None, False
        if message is not None and not self.closed:
            self._last_sent = self._clock.now()
            self._post_nowait(message)


def _log(message: str, level: str, title: str, duration: float | None, visible: bool) -> None:
    notices = current_notices()
    if notices is None:
        if level == "warning":
            warnings.warn(message, UserWarning, stacklevel=3)
        else:
            print(message)
        return
    notices.log(message, level, title, duration, visible)


def Info(
    message: str = "Info issued.",
    duration: float | None = 10,
    visible: bool = True,
    title: str = "Info",
) -> None:
    """``gr.Info``: show ``message`` to the client whose call runs this fn, for
    ``duration`` seconds (``None`` or ``0``: until closed); ``visible=False`` keeps it
    out of the page. Outside a call, prints it."""
    _log(message, "info", title, duration, visible)


def Warning(
    message: str = "Warning issued.",
    duration: float | None = 10,
    visible: bool = True,
    title: str = "Warning",
) -> None:
    """``gr.Warning``: as :func:`Info`, shown as a warning. Outside a call, issues a
    ``UserWarning``."""
    _log(message, "warning", title, duration, visible)


def Success(
    message: str = "Success.",
    duration: float | None = 10,
    visible: bool = True,
    title: str = "Success",
) -> None:
    """``gr.Success``: as :func:`Info`, shown as a success."""
    _log(message, "success", title, duration, visible)
