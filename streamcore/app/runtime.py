"""Running an app's events for its clients: jobs, the queue, streams and messages.

:class:`AppRuntime` holds what is shared by every client of one app (the scheduler,
the worker-thread limiter, the file access policy). Each client connection gets a
:class:`ClientSession` (``async with runtime.session() as session``) through which it
submits calls and streams, and from which it receives :mod:`~streamcore.messages`.
Leaving the ``async with`` (a disconnect) cancels every job of the session at once and
frees their concurrency slots.

Client-side values go in and come out: a job waits for its slot holding the values as the
client sent them, preprocesses them once it holds it (:mod:`.preprocessing`), runs the fn
(off the loop when sync), postprocesses each result and sends it. The per-session message channel
is bounded; a stream's outputs are latest-wins before it, so a slow client slows down
nothing but itself and never grows server memory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..engine.clock import Clock, Deadline, MonotonicClock
from ..engine.frames import Frame
from ..engine.functions import call_once, iterate_fn, last_result
from ..engine.operators import stop_when
from ..engine.turns import FnTurns, default_fn_limit
from ..errors import (
    Error,
    EventKindError,
    FetchError,
    InvalidInputError,
    MissingFileError,
    PathNotAllowedError,
    QueueFullError,
    StreamcoreError,
    TooManyJobsError,
    UnknownEventError,
    UnknownJobError,
)
from ..events import Dependency
from ..media.files import (
    FileAccess,
    cache_writes_told_to,
    current_file_access,
    use_file_access,
)
from ..media.output_mode import stream_outputs_as_files
from ..media.upload_ledger import UploadLedger, remove_uploads
from ..messages import Accepted, Completed, Estimation, Message, Output, Started
from .event_values import (
    SessionValues,
    error_payload,
    finish_outputs,
    has_later,
    validation_failures,
)
from .notices import JobNotices, notices_for
from .observer import SessionObserver
from .preprocessing import DEFAULT_PREQUEUE_THREADS, InputPreprocessor
from .progress import tracking_tqdm
from .request import Request
from .scheduler import Scheduler, Ticket
from .special_args import arg_plan
from .stream_job import FrameSink, StreamJob, StreamSettings, frame_input_index

__all__ = [
    "DEFAULT_MAX_JOBS_PER_SESSION",
    "App",
    "AppRuntime",
    "ClientSession",
    "Job",
]

log = logging.getLogger("streamcore")
_COMPLETING = 2
"""How many yields of one generator job are encoded at once (see ``_read_ahead``): the one
being waited for and the next, so a generator whose encoding costs more than its step
keeps two cores busy, and no more."""
_job_order = itertools.count()

DEFAULT_MAX_JOBS_PER_SESSION = 64
"""The jobs (calls and streams, waiting or running) one client session may have open."""


@dataclass(eq=False)
class Job:
    """One call (or one stream) of one client session."""

    id: str
    dependency: Dependency
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    stream: StreamJob | None = None
    frame_index: int | None = None
    """For a stream: which input receives the frames (``None`` for a call, including a
    stream event called once with a single frame)."""
    started: bool = False
    cancelled: bool = False
    order: int = field(default_factory=lambda: next(_job_order))
    """When it was triggered, app-wide: its place in the queue (FIFO by trigger time)."""
    frame_sink: FrameSink | None = None
    """For a stream whose image output goes to a video track: gets each output image."""
    on_end: Callable[[], None] | None = None
    """Called once when the job has ended (after its completion message is queued)."""
    data: list[Any] = field(default_factory=list)
    """Its inputs as the client sent them (a stream's latest ``inputs`` while it waits):
    what it holds in the queue; preprocessed once it holds its slot."""
    inputs_lock: anyio.Lock = field(default_factory=anyio.Lock)
    """Orders the preprocessing of a stream's starting values and of its ``inputs``."""
    inputs_ready: bool = False
    """The inputs have been preprocessed in the slot (later ``inputs`` are, at once)."""
    request: Request | None = None
    """The client's request that triggered it, for a fn that takes a ``gr.Request``."""


def _ended(job: Job) -> None:
    """Tell whoever waits for ``job`` (a WebRTC peer) that it has ended."""
    if job.on_end is not None:
        job.on_end()


class App(Protocol):
    """What running an app needs of it (a :class:`~streamcore.app.blocks.Blocks` is one)."""

    dependencies: list[Dependency]
    max_size: int | None
    allowed_paths: tuple[Path, ...]
    blocked_paths: tuple[Path, ...]
    server: Any
    """The server started by ``launch()``, if any."""

    def dependency(self, api_name: str | int) -> Dependency:
        """The event named ``api_name`` or at that index; ``KeyError`` naming the valid ones."""
        ...

    def concurrency_limit_of(self, dependency: Dependency) -> int | None: ...

    def get_config_file(self) -> dict[str, Any]:
        """The JSON description of the app that clients render and call."""
        ...


class AppRuntime:
    """What every client of one app shares."""

    def __init__(
        self,
        blocks: App,
        *,
        max_threads: int = 40,
        idle_timeout: float | None = 30.0,
        clock: Clock | None = None,
        file_access: FileAccess | None = None,
        input_access: FileAccess | None = None,
        message_buffer: int = 4,
        show_error: bool = True,
        uploads: UploadLedger | None = None,
        prequeue_threads: int = DEFAULT_PREQUEUE_THREADS,
        max_jobs_per_session: int | None = DEFAULT_MAX_JOBS_PER_SESSION,
        max_concurrent_fns: int | Literal["auto"] | None = "auto",
    ) -> None:
        if max_jobs_per_session is not None and max_jobs_per_session < 1:
            raise ValueError(
                f"max_jobs_per_session must be a positive int or None, not {max_jobs_per_session!r}"
            )
        self.blocks = blocks
        self.clock = clock or MonotonicClock()
        self.limiter = anyio.CapacityLimiter(max_threads)
        self.idle_timeout = idle_timeout
        self.message_buffer = message_buffer
        base = file_access or current_file_access.get()
        self.file_access = dataclasses.replace(  # every other limit of ``base`` is kept
            base,
            allowed_paths=(*base.allowed_paths, *blocks.allowed_paths),
            blocked_paths=(*base.blocked_paths, *blocks.blocked_paths),
        )
        self.input_access = self.file_access if input_access is None else input_access
        """The policy for the paths a client names in its values (the server passes one
        without the working directory: only the cache and ``allowed_paths``); the fn's own
        files go by :attr:`file_access`."""
        fns = default_fn_limit() if max_concurrent_fns == "auto" else max_concurrent_fns
        self.fn_turns = FnTurns(fns)
        """The fair limit on the stream fn calls running at once (``max_concurrent_fns``,
        default: the CPUs of the process), shared by the streams of every event that has no
        limit of its own."""
        self.stream_settings = StreamSettings(
            self.clock,
            self.limiter,
            idle_timeout,
            self.file_access.max_pixels,
            show_error,
            fn_turns=self.fn_turns,
            event_fn_turns={
                d.id: FnTurns(d.max_concurrent_fns)
                for d in blocks.dependencies
                if d.is_stream and d.max_concurrent_fns != "app"
            },
        )
        """What every stream of the app shares."""
        self.uploads = UploadLedger() if uploads is None else uploads
        """The clients' uploads: each session's are deleted when it ends (no quota by
        default; the server sets its own)."""
        self.preprocessor = InputPreprocessor(self.limiter, self.input_access, prequeue_threads)
        """Preprocesses the clients' values: in a job's slot, or (validators, early
        ``inputs`` checks) in a pool of ``prequeue_threads`` threads."""
        self.max_jobs_per_session = max_jobs_per_session
        """The jobs one session may have open at once (``None``: no bound); past it a
        trigger is refused with :class:`~streamcore.errors.TooManyJobsError`."""
        self.scheduler = Scheduler(blocks.max_size, clock=self.clock)
        for dependency in blocks.dependencies:
            self.scheduler.register(dependency.group_id, blocks.concurrency_limit_of(dependency))

    async def refusals(
        self, dependency: Dependency, data: list[Any]
    ) -> list[dict[str, Any]] | None:
        """What ``dependency``'s validator refuses in client-side ``data``, before any job:
        ``{"parameter_name", "is_valid", "message"}`` per input as ``Completed.validation``
        has them, or ``None`` when it accepts them or there is no validator. Preprocessing
        runs in the pre-queue pool (:meth:`InputPreprocessor.before_slot`) and the
        validator off the loop; nothing is kept (the job runs them again). Raises what the
        input components or the validator raise."""
        if dependency.validator is None:
            return None
        values = SessionValues()  # no session yet: a State input gets its initial value
        inputs = await self.preprocessor.before_slot(values, dependency, data)
        with use_file_access(self.input_access):
            results = await last_result(
                iterate_fn(dependency.validator, tuple(inputs), limiter=self.limiter)
            )
        return validation_failures(dependency, results)

    @asynccontextmanager
    async def session(
        self,
        *,
        binary_frames: bool = False,
        values: SessionValues | None = None,
        owner: str | None = None,
        observer: SessionObserver | None = None,
        request: Request | None = None,
    ) -> AsyncIterator[ClientSession]:
        """A client session for the body of the ``async with``; leaving it cancels its jobs.

        ``values`` carries ``State`` values over from an earlier session of the same client
        (the HTTP API's ``session_hash``); by default the session starts with none. Files
        the server stores in the cache for the session (in the body, and in the tasks and
        threads it starts) are recorded in :attr:`uploads` as ``owner``'s; with no
        ``owner``, the session's own ``id``, whose files (uploads included) are deleted when
        it ends. A given ``owner`` outlives the session: its caller ends it. An ``observer``
        (:mod:`streamcore.app.observer`) sees the session's jobs, frames and messages, and is
        told when the session has ended. ``request`` (a :class:`~.request.Request`) is what
        a fn that takes a ``gr.Request`` receives, unless a trigger brings its own."""
        send, receive = anyio.create_memory_object_stream[Message](self.message_buffer)
        ended = ""
        try:
            with send:  # closed even when the body fails (a connection handler that raised)
                async with anyio.create_task_group() as tasks:
                    session = ClientSession(self, tasks, send, receive, binary_frames=binary_frames)
                    session.observer = observer
                    session.request = request
                    ended = "" if owner is not None else session.id
                    if values is not None:
                        session.values = values
                    written = partial(self.uploads.record_written, owner or session.id)
                    try:
                        with cache_writes_told_to(written):
                            yield session
                    finally:
                        session.closed = True
                        receive.close()  # the client is gone: wakes a send waiting for room
                        tasks.cancel_scope.cancel()
        finally:
            if observer is not None:
                observer.closed()
            if ended:
                await self.forget_uploads(ended)

    async def forget_uploads(self, owner: str | None = None) -> None:
        """``owner`` (a session) has ended: delete the uploads nobody else owns; with no
        ``owner``, every session has (the server stops): delete every upload. In a worker
        thread; done even when the caller is being cancelled."""
        freed = self.uploads.release_all() if owner is None else self.uploads.release(owner)
        if freed:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(remove_uploads, freed)


class ClientSession:
    """One client's calls and streams, and the messages about them.

    All methods are called from the event loop. ``submit`` and ``open_stream`` return the
    new job's id at once; what happens next arrives as messages from :meth:`receive`.
    Errors the client caused in a call are delivered as a ``Completed`` message with
    ``reason="error"``; only a request that names no valid job or event raises.
    """

    def __init__(
        self,
        runtime: AppRuntime,
        tasks: TaskGroup,
        send: MemoryObjectSendStream[Message],
        receive: MemoryObjectReceiveStream[Message],
        *,
        binary_frames: bool,
    ) -> None:
        self.runtime = runtime
        self.id = uuid.uuid4().hex
        self.binary_frames = binary_frames
        self.closed = False
        self._tasks = tasks
        self._send = send
        self._receive = receive
        self._jobs: dict[str, Job] = {}
        self._opening = 0
        """Jobs admitted by :meth:`_admit_job` and not yet in :attr:`_jobs` (or dropped)."""
        self._pending_rerun: dict[int, tuple[Job, list[Any], Any]] = {}
        self._late_positions: dict[str, Estimation] = {}
        """Queue positions the client was too far behind to take, the newest per job (at
        most one per open job)."""
        self._sending_positions = False
        self.values = SessionValues()
        """The session's value conversion and ``State`` values."""
        self.observer: SessionObserver | None = None
        """Sees the session's jobs, frames and messages (:mod:`streamcore.app.observer`)."""
        self.request: Request | None = None
        """The client's request (its connection), for fns that take a ``gr.Request``."""

    # -- what a client can do ----------------------------------------------------------

    async def submit(
        self,
        api_name: str | int,
        data: list[Any],
        event_data: Any = None,
        *,
        ref: str | None = None,
        trigger_mode: str | None = None,
        request: Request | None = None,
    ) -> str:
        """Trigger the event ``api_name`` with client-side ``data`` (one value per input).

        Returns the job id. With ``ref``, an :class:`Accepted` message naming the job is
        sent before any other message of the job. ``trigger_mode`` overrides the event's
        own for this trigger (Gradio's HTTP API runs every call: ``"multiple"``);
        ``request`` replaces the session's :attr:`request` for this call. A stream
        event submitted so runs once, as a call, on the single frame in ``data`` (as
        Gradio's API does). Raises ``KeyError``
        for an unknown or private api name and ``ValueError`` when ``data`` has the wrong
        number of values.
        Waits only if the client is behind reading its messages.
        """
        dependency = self._callable_dependency(api_name)
        job = Job(uuid.uuid4().hex, dependency, request=request or self.request)
        self._check_arity(dependency, data)
        with self._admit_job():
            await self._trigger(job, data, event_data, ref, trigger_mode)
        return job.id

    async def open_stream(
        self,
        api_name: str | int,
        data: list[Any] | None = None,
        *,
        ref: str | None = None,
        frame_sink: FrameSink | None = None,
        on_end: Callable[[], None] | None = None,
    ) -> str:
        """Start the stream event ``api_name``; frames then go to :meth:`send_frame`.

        ``data`` holds the starting values of the inputs (the frame input's may be
        ``None``). With ``frame_sink`` (a video track's feeder), the streaming image output
        goes to it instead of into the ``Output`` message (converted by its ``build`` in
        the worker thread, handed to its ``push`` on the loop); ``on_end`` is
        called once the job has ended. Raises like :meth:`submit`.
        """
        dependency = self._callable_dependency(api_name)
        if not dependency.is_stream:
            raise EventKindError(f"{dependency.api_name!r} is not a stream event: use submit()")
        data = data if data is not None else [None] * len(dependency.inputs)
        self._check_arity(dependency, data)
        job = Job(
            uuid.uuid4().hex,
            dependency,
            frame_index=frame_input_index(dependency),
            frame_sink=frame_sink,
            on_end=on_end,
            request=self.request,
        )
        with self._admit_job():
            await self._trigger(job, data, None, ref)
        return job.id

    def send_frame(self, job_id: str, frame: Frame | bytes | Any) -> bool:
        """Offer a frame (encoded image bytes, an array or a :class:`Frame`) to a stream.

        Returns ``True`` if it replaced a frame the fn had not taken (a drop). Frames sent
        while the stream still waits in the queue replace each other the same way. Raises
        :class:`UnknownJobError` or :class:`StreamClosedError` if the stream has ended.
        """
        job = self._job(job_id)
        if job.stream is None:
            raise EventKindError(_not_a_stream(job_id))
        if isinstance(frame, bytes | bytearray | memoryview):
            frame = Frame(bytes(frame))
        replaced = job.stream.send_nowait(frame)
        if self.observer is not None:
            self.observer.frame(job_id, replaced)
        return replaced

    async def update_inputs(self, job_id: str, data: list[Any]) -> None:
        """Replace the values of a stream's other inputs; the next frame uses them.

        Preprocessed in a worker thread, in the order of the calls. A stream that still
        waits for its slot keeps ``data`` as sent (preprocessed when it starts), after a
        look in the pre-queue pool so that a refused value is refused now. Raises
        :class:`InvalidInputError` (or the component's own error) for a refused value; the
        stream goes on with its previous values."""
        job = self._job(job_id)
        stream = job.stream
        if stream is None:
            raise EventKindError(_not_a_stream(job_id))
        self._check_arity(job.dependency, data)
        preprocessor = self.runtime.preprocessor
        async with job.inputs_lock:
            try:
                if job.inputs_ready:
                    stream.extra_inputs = await preprocessor.in_slot(
                        self.values, job.dependency, data, job.frame_index
                    )
                else:
                    await preprocessor.before_slot(
                        self.values, job.dependency, data, job.frame_index
                    )
                    job.data = data
            except StreamcoreError:
                raise
            except Exception as exc:  # a component refusing the client's value
                raise InvalidInputError(str(exc)) from exc

    def close_stream(self, job_id: str) -> None:
        """The client stops a stream: the call in flight finishes and is the final output."""
        job = self._job(job_id)
        if job.stream is None:
            raise EventKindError(_not_a_stream(job_id))
        job.stream.close()

    def cancel(self, job_id: str) -> None:
        """Cancel a job, queued or running (a running sync call finishes, its result is dropped),
        or waiting to rerun (``always_last``)."""
        for dependency_id in list(self._pending_rerun):
            if self._drop_pending_rerun(dependency_id, job_id):
                return
        self._cancel_job(self._job(job_id))

    async def receive(self) -> Message:
        """The next message for this client. Raises ``anyio.EndOfStream`` once closed."""
        return await self._receive.receive()

    def has_job(self, job_id: str) -> bool:
        return job_id in self._jobs

    @property
    def open_jobs(self) -> int:
        """Jobs of this session waiting or running (a finished job is forgotten at once)."""
        return len(self._jobs)

    # -- the session's cap on open jobs ---------------------------------------------------

    @contextlib.contextmanager
    def _admit_job(self) -> Iterator[None]:
        """Count a job being triggered for the body; refuse it when the session already has
        ``max_jobs_per_session`` open (:class:`TooManyJobsError`, naming the cap)."""
        cap = self.runtime.max_jobs_per_session
        if cap is not None and len(self._jobs) + self._opening >= cap:
            raise TooManyJobsError(
                f"this session already has {cap} calls and streams waiting or running, the "
                f"most one session may have (max_jobs_per_session={cap}): wait for some to "
                "complete, or cancel or close some, before starting another"
            )
        self._opening += 1
        try:
            yield
        finally:
            self._opening -= 1

    # -- triggering ------------------------------------------------------------------------

    def _callable_dependency(self, api_name: str | int) -> Dependency:
        dependency = self.runtime.blocks.dependency(api_name)
        # An event with no fn (Gradio's ``stop.click(None, cancels=[...])`` idiom) is private
        # for API listings but must stay triggerable, or its ``cancels`` could never run.
        if dependency.api_visibility == "private" and dependency.fn is not None:
            raise UnknownEventError(
                f"the event {dependency.api_name!r} is private: clients cannot call it"
            )
        return dependency

    @staticmethod
    def _check_arity(dependency: Dependency, data: list[Any]) -> None:
        if not isinstance(data, list) or len(data) != len(dependency.inputs):
            count = len(data) if isinstance(data, list) else type(data).__name__
            raise InvalidInputError(
                f"{dependency.api_name!r} takes {len(dependency.inputs)} input value(s) "
                f"as a list, got {count}"
            )

    def _active_jobs(self, dependency: Dependency) -> list[Job]:
        return [job for job in self._jobs.values() if job.dependency is dependency]

    async def _trigger(
        self,
        job: Job,
        data: list[Any],
        event_data: Any,
        ref: str | None,
        trigger_mode: str | None = None,
    ) -> None:
        dependency = job.dependency
        mode = trigger_mode or dependency.trigger_mode
        if self.observer is not None:
            self.observer.job(
                job.id,
                dependency.api_name,
                stream=job.frame_index is not None,
                video=job.frame_sink is not None,
            )
        if ref is not None:
            await self._post(Accepted(job.id, ref))
        for cancelled in dependency.cancels:
            self._drop_pending_rerun(cancelled.id)
            for other in self._active_jobs(cancelled):
                self._cancel_job(other)
        running = self._active_jobs(dependency)
        if running and mode == "once":
            await self._post(Completed(job.id, "skipped", success=True))
            _ended(job)
            return
        if running and mode == "always_last":
            previous = self._pending_rerun.get(dependency.id)
            if previous is not None:
                await self._post(Completed(previous[0].id, "superseded", success=True))
                _ended(previous[0])
            self._pending_rerun[dependency.id] = (job, data, event_data)
            return
        self._start(job, data, event_data)

    def _start(self, job: Job, data: list[Any], event_data: Any) -> None:
        self._jobs[job.id] = job
        if job.frame_index is not None:
            job.stream = self._stream_job(job)
        self._tasks.start_soon(self._run_job, job, data, event_data, name=f"job {job.id}")

    def _drop_pending_rerun(self, dependency_id: int, job_id: str | None = None) -> bool:
        """Drop the rerun waiting for ``dependency_id`` (only if it is ``job_id``, if given)."""
        pending = self._pending_rerun.get(dependency_id)
        if pending is None or (job_id is not None and pending[0].id != job_id):
            return False
        del self._pending_rerun[dependency_id]
        self._post_nowait(Completed(pending[0].id, "cancelled", success=True))
        _ended(pending[0])
        return True

    def _cancel_job(self, job: Job) -> None:
        job.cancelled = True
        if job.stream is not None:
            job.stream.cancel()
        job.scope.cancel()

    def _job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise UnknownJobError(
                f"there is no running job {job_id!r} in this session (it may have ended)"
            ) from None

    # -- running a job ---------------------------------------------------------------------

    async def _run_job(self, job: Job, data: list[Any], event_data: Any) -> None:
        dependency = job.dependency
        final: Completed | None = None
        with use_file_access(self.runtime.file_access):
            try:
                with job.scope:
                    final = await self._run_checked(job, data, event_data)
                if final is None or (job.cancelled and job.stream is None):
                    # a sync call cancelled in its thread returns normally: its result is
                    # discarded all the same
                    final = Completed(job.id, "cancelled", success=True)
            except Exception as exc:
                show = self.runtime.stream_settings.show_error
                final = Completed(
                    job.id, "error", success=False, error=error_payload(exc, show_error=show)
                )
                if not isinstance(
                    exc,
                    Error
                    | InvalidInputError
                    | QueueFullError
                    | PathNotAllowedError
                    | MissingFileError
                    | FetchError,
                ):
                    log.exception("event %r failed", dependency.api_name)
            finally:
                self._jobs.pop(job.id, None)
                with anyio.CancelScope(shield=True):
                    if final is None:
                        final = Completed(job.id, "cancelled", success=True)
                    await self._post(final)
                    self._rerun_pending(dependency)
                _ended(job)

    def _rerun_pending(self, dependency: Dependency) -> None:
        pending = self._pending_rerun.pop(dependency.id, None)
        if pending is not None and not self.closed:
            job, data, event_data = pending
            self._start(job, data, event_data)

    async def _run_checked(self, job: Job, data: list[Any], event_data: Any) -> Completed:
        dependency = job.dependency
        if dependency.fn is None:
            return Completed(job.id, "done", data=[])
        job.data = data  # what the job holds while it waits: the values as sent
        if dependency.validator is not None:
            refused = await self._validate(job)
            if refused is not None:
                return Completed(job.id, "validation", success=False, validation=refused)
        if not dependency.queue:
            if dependency.batch:  # a batch of one, outside the queue
                alone = Ticket(payload=job)
                alone.batch = [alone]
                return await self._execute_batch(alone, event_data)
            return await self._execute(job, [await self._inputs_in_slot(job)], event_data)
        ticket = Ticket(
            batch_key=dependency.id if dependency.batch else None,
            max_batch_size=dependency.max_batch_size if dependency.batch else 1,
            on_position=lambda rank, size: self._tell_position(job, rank, size),
            payload=job,
            order=job.order,
        )
        async with self.runtime.scheduler.slot(dependency.group_id, ticket):
            if ticket.leader is not None:
                return await _wait_for_batch_result(ticket)
            if dependency.batch:
                return await self._execute_batch(ticket, event_data)
            return await self._execute(job, [await self._inputs_in_slot(job)], event_data)

    async def _inputs_in_slot(self, job: Job) -> list[Any]:
        """The job's inputs, preprocessed now that it holds its slot (a stream's become its
        ``extra_inputs``, which later ``inputs`` replace)."""
        async with job.inputs_lock:
            inputs = await self.runtime.preprocessor.in_slot(
                self.values, job.dependency, job.data, job.frame_index
            )
            if job.stream is not None:
                job.stream.extra_inputs = inputs
            job.inputs_ready = True
        return inputs

    async def _validate(self, job: Job) -> list[dict[str, Any]] | None:
        """The validator's refusals of the job's values, before the queue (as Gradio);
        the values it saw are dropped (the job preprocesses them again in its slot)."""
        dependency = job.dependency
        assert dependency.validator is not None
        inputs = await self.runtime.preprocessor.before_slot(
            self.values, dependency, job.data, job.frame_index
        )
        results = await last_result(
            iterate_fn(dependency.validator, tuple(inputs), limiter=self.runtime.limiter)
        )
        return validation_failures(dependency, results)

    async def _execute(self, job: Job, inputs: list[list[Any]], event_data: Any) -> Completed:
        dependency = job.dependency
        plan = arg_plan(dependency.fn)
        args = tuple(plan.arguments(inputs[0], event_data=event_data, request=job.request))
        if job.stream is not None:  # its inputs are its extra_inputs (see _inputs_in_slot)
            job.started = True
            return await job.stream.run()
        kind = dependency.kind
        assert kind is not None
        job.started = True
        await self._post(Started(job.id, dependency.time_limit))
        # no task group here: it would wrap the fn's exception in an ExceptionGroup
        time_limit = dependency.time_limit if kind.is_generator else None
        deadline = Deadline(self.runtime.clock, time_limit)
        notices = JobNotices(job.id, self._post, self._post_nowait, self._tasks, self.runtime.clock)
        with (
            notices_for(notices),
            tracking_tqdm(plan.progress),
            # a stream event called once answers with files, as Gradio's API does
            stream_outputs_as_files(dependency.is_stream),
        ):
            return await self._run_fn(job, args, kind, deadline)

    async def _run_fn(
        self, job: Job, args: tuple[Any, ...], kind: Any, deadline: Deadline
    ) -> Completed:
        """Run a call's fn (``gr.Info`` and ``gr.Progress`` report to the current notices)."""
        dependency = job.dependency
        last: list[Any] | None = None
        results = iterate_fn(
            dependency.fn,  # type: ignore[arg-type]
            args,
            limiter=self.runtime.limiter,
            kind=kind,
            # a generator's yields are encoded after it carried on (see _read_ahead)
            then=(
                (lambda value: self.values.postprocess_later(dependency, value))
                if kind.is_generator
                else (lambda value: self.values.postprocess(dependency, value))
            ),
        )
        # closed here (stop_when then closes ``results``), not by the garbage collector: a
        # generator stopped by time_limit or a cancel has run its ``finally`` before the
        # completion is sent, and the fn's generator is never closed twice at once
        limited = cast(AsyncGenerator[list[Any], None], stop_when(results, deadline.passed))
        if kind.is_generator:  # make the next item while this one is being sent
            limited = self._read_ahead(limited)
        async with contextlib.aclosing(limited):
            async for outputs in limited:
                if kind.is_generator:
                    await self._post(Output(job.id, outputs))
                last = outputs
        reason = "time_limit" if deadline.passed() else "done"
        return Completed(job.id, reason, data=last)

    async def _read_ahead(
        self, source: AsyncGenerator[list[Any], None]
    ) -> AsyncGenerator[list[Any], None]:
        """``source``'s items, with the next one produced while the caller sends this one,
        each completed (:func:`finish_outputs`) before it is yielded.

        A task of the session pulls from ``source`` one item ahead (a one-item buffer, so
        a client that reads slowly still holds the generator back: at most three items
        are pulled and not yet taken). An item holding :class:`Later` outputs (an image
        still to encode) is completed in a worker thread started as soon as it is pulled,
        at most :data:`_COMPLETING` at once (the first one alone, so that the first
        output is not slowed down by the next), so the encoding of a yield runs on
        another core while the generator makes the next one and the previous one is
        encoded or sent; items come out in ``source``'s order. The source's exception, or a
        completion's, is raised here, unchanged, after the items before it. When this
        generator is closed, the task is cancelled and has closed ``source`` (its
        ``finally`` has run) and waited for the completions it started before this
        returns.
        """
        send, receive = anyio.create_memory_object_stream[_Ahead](1)
        stop = anyio.CancelScope()
        finished = anyio.Event()
        limiter = self.runtime.limiter
        slots = anyio.Semaphore(_COMPLETING)

        async def produce() -> None:
            first: anyio.Event | None = None  # set once the first completion is done
            try:
                with stop, send:
                    async with anyio.create_task_group() as completing:
                        try:
                            async with contextlib.aclosing(source):
                                async for item in source:
                                    ahead = _Ahead(item)
                                    if has_later(item):
                                        if first is not None:  # the first output goes alone
                                            await first.wait()
                                        await slots.acquire()
                                        completing.start_soon(ahead.complete, limiter, slots)
                                        if first is None:
                                            first = ahead.done
                                    else:
                                        ahead.done.set()
                                    await send.send(ahead)
                        except Exception as exc:  # handed to the consumer, which raises it
                            with contextlib.suppress(anyio.BrokenResourceError):
                                await send.send(_Ahead.failed(exc))
            finally:
                finished.set()

        self._tasks.start_soon(produce)
        try:
            with receive:
                async for ahead in receive:
                    await ahead.done.wait()
                    if ahead.error is not None:
                        raise ahead.error
                    yield ahead.item
        finally:
            stop.cancel()
            with anyio.CancelScope(shield=True):
                await finished.wait()

    async def _execute_batch(self, ticket: Ticket, event_data: Any) -> Completed:
        """Run the batch ``ticket`` leads: each member's inputs are preprocessed now (a
        member whose inputs are refused gets its own error and leaves the batch), then one
        call of the fn for the rest; each rider gets its row of the result."""
        leader_job: Job = ticket.payload
        dependency = leader_job.dependency
        riders = ticket.batch[1:]
        try:
            members, rows, leader_error = await self._batch_inputs(ticket)
            columns = [list(col) for col in zip(*rows, strict=True)]
            if not dependency.inputs:
                columns = []
            for member in members:
                member.payload.started = True
                await self._post(Started(member.payload.id))
            per_member: list[list[Any]] = []
            if members:
                result = await call_once(
                    dependency.fn,  # type: ignore[arg-type]
                    tuple(columns),
                    self.runtime.limiter,
                )
                per_member = await anyio.to_thread.run_sync(
                    self.values.postprocess_batch,
                    dependency,
                    result,
                    len(members),
                    limiter=self.runtime.limiter,
                )
        except BaseException as exc:
            for rider in riders:
                if not rider.done.is_set():
                    rider.outcome = exc
                    rider.done.set()
            raise
        leader_outputs: list[Any] | None = None
        for member, outputs in zip(members, per_member, strict=True):
            if member is ticket:
                leader_outputs = outputs
            else:
                member.outcome = outputs
                member.done.set()
        if leader_error is not None:
            raise leader_error
        return Completed(leader_job.id, "done", data=leader_outputs)

    async def _batch_inputs(
        self, ticket: Ticket
    ) -> tuple[list[Ticket], list[list[Any]], Exception | None]:
        """The batch's members whose inputs were accepted, their preprocessed inputs, and
        the leader's own refusal (a refused rider is told at once)."""
        members: list[Ticket] = []
        rows: list[list[Any]] = []
        leader_error: Exception | None = None
        for member in ticket.batch:
            try:
                rows.append(await self._inputs_in_slot(member.payload))
            except Exception as exc:
                if member is ticket:
                    leader_error = exc
                else:
                    member.outcome = exc
                    member.done.set()
                continue
            members.append(member)
        return members, rows, leader_error

    def _stream_job(self, job: Job) -> StreamJob:
        assert job.frame_index is not None
        return StreamJob(
            job.id,
            job.dependency,
            job.frame_index,
            values=self.values,
            settings=self.runtime.stream_settings,
            post=self._post,
            binary=self.binary_frames,
            frame_sink=job.frame_sink,
            request=job.request,
        )

    # -- messages ------------------------------------------------------------------------

    async def post(self, message: Any) -> None:
        """Queue a transport's own reply (e.g. a protocol error) among the job messages,
        in order. Waits while the client is behind. The observer sees it only if it is a
        :class:`~streamcore.messages.Message`."""
        if isinstance(message, Message):
            await self._post(message)
        else:
            await self._deliver(message)

    async def _post(self, message: Message) -> None:
        if self.observer is not None:
            self.observer.message(message)
        await self._deliver(message)

    async def _deliver(self, message: Message) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await self._send.send(message)  # a closed channel: the client is gone

    def _post_nowait(self, message: Message) -> bool:
        """Send a message that may be dropped when the client is behind; whether it was
        queued (a completion is never dropped: it is sent later)."""
        if self.observer is not None:
            self.observer.message(message)
        try:
            self._send.send_nowait(message)
        except (anyio.WouldBlock, anyio.BrokenResourceError, anyio.ClosedResourceError):
            if isinstance(message, Completed):  # never drop a completion
                self._tasks.start_soon(self._deliver, message)
                return True
            return False
        return True

    # -- queue positions -------------------------------------------------------------------

    def _tell_position(self, job: Job, rank: int, queue_size: int) -> None:
        """The scheduler's news for a waiting ``job`` (it must not block): sent at once when
        the client keeps up, else kept, the newest per job, until it can take them."""
        message = Estimation(job.id, rank, queue_size)
        if not self._late_positions and self._post_nowait(message):
            return
        self._late_positions[job.id] = message  # replaces an older one not yet sent
        if not self._sending_positions:
            self._sending_positions = True
            self._tasks.start_soon(self._send_late_positions)

    async def _send_late_positions(self) -> None:
        """Send the kept positions in order; one of a job that has left the queue since
        (started, cancelled or ended) is dropped, so it never follows the job's start."""
        try:
            while self._late_positions:
                job_id = next(iter(self._late_positions))
                message = self._late_positions.pop(job_id)
                job = self._jobs.get(job_id)
                if job is not None and not job.started and not job.cancelled:
                    await self._post(message)
        finally:
            self._sending_positions = False


# -- helpers ------------------------------------------------------------------------------


async def _wait_for_batch_result(ticket: Ticket) -> Completed:
    """A rider's result: the outputs its leader's batch call left for it (or its error)."""
    job: Job = ticket.payload
    await ticket.done.wait()
    if isinstance(ticket.outcome, BaseException):
        if isinstance(ticket.outcome, Exception):
            raise ticket.outcome
        return Completed(job.id, "cancelled", success=True)
    return Completed(job.id, "done", data=ticket.outcome)


def _not_a_stream(job_id: str) -> str:
    return (
        f"job {job_id!r} is a call, not a stream: frames, inputs and close_stream are for streams"
    )


class _Ahead:
    """One item of :meth:`ClientSession._read_ahead`: its outputs, complete once ``done``
    is set (or the ``error`` that stopped them)."""

    __slots__ = ("done", "error", "item")

    def __init__(self, item: list[Any]) -> None:
        self.item = item
        self.error: Exception | None = None
        self.done = anyio.Event()

    @classmethod
    def failed(cls, error: Exception) -> _Ahead:
        ahead = cls([])
        ahead.error = error
        ahead.done.set()
        return ahead

    async def complete(self, limiter: anyio.CapacityLimiter, slots: anyio.Semaphore) -> None:
        """Finish the item's :class:`Later` outputs in a worker thread, then release one
        of ``slots`` (acquired by the caller)."""
        try:
            self.item = await anyio.to_thread.run_sync(finish_outputs, self.item, limiter=limiter)
        except Exception as exc:  # raised by the consumer, in the items' order
            self.error = exc
        finally:
            slots.release()
            self.done.set()
