"""The synchronous face of any client: :class:`SyncClient`, :class:`Job`, :class:`SyncStream`.

The async client runs on an event loop in a daemon thread of its own (one per client), as
``gradio_client`` and Starlette's ``TestClient`` do. Nothing here keeps the interpreter
alive: a script ends when its last line has run, whether or not it closed its clients.

Lifetime: ``with Client(...) as client:`` closes at the end of the block; :meth:`close`
closes at once; a client nobody references any more is closed by the garbage collector;
and when the interpreter exits, every client still open is closed first (within
:data:`CLOSE_TIMEOUT` seconds each, before Python waits for its threads). A :class:`Job` or
a stream being iterated keeps its client open.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.from_thread
from anyio.from_thread import BlockingPortal

from ..messages import Completed
from .base import BaseAsyncClient
from .jobs import AsyncJob, JobCancelledError
from .status import StatusUpdate
from .streams import ClientStream

__all__ = ["CLOSE_TIMEOUT", "Job", "SyncClient", "SyncStream"]

CLOSE_TIMEOUT = 5.0
"""Seconds a client may take to close (disconnect, end its tasks) before it is dropped."""

_open_runners: weakref.WeakSet[_Runner] = weakref.WeakSet()


class _Runner:
    """An event loop in a daemon thread with an async client open on it.

    Holds no reference to the :class:`SyncClient` it serves, so that client can be
    garbage-collected (and then closes this runner).
    """

    def __init__(self, make_client: Callable[[], BaseAsyncClient]) -> None:
        self._make_client = make_client
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self.portal: BlockingPortal | None = None
        self.client: BaseAsyncClient | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=anyio.run, args=(self._serve,), name="streamcore-client", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure
        _open_runners.add(self)

    async def _serve(self) -> None:
        """The loop's main task: enters the client, serves calls until the portal stops,
        then closes the client. The client is entered outside the portal, so stopping the
        portal (which cancels the calls still running) never cancels the client's closing."""
        try:
            async with self._make_client() as client, BlockingPortal() as portal:
                self.portal, self.client = portal, client
                self._ready.set()
                await portal.sleep_until_stopped()
        except BaseException as exc:
            if not self._ready.is_set():
                self._failure = exc
            else:
                raise
        finally:
            self._ready.set()

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        portal = self.portal
        if portal is None:
            raise RuntimeError("the client is closed")
        return portal.call(fn, *args)

    def close(self) -> None:
        """Close the client and stop the loop (within :data:`CLOSE_TIMEOUT`). Idempotent;
        from the loop's own thread (a garbage collection there) it closes in the background."""
        if threading.current_thread() is self._thread:
            threading.Thread(target=self.close, daemon=True).start()
            return
        with self._lock:
            portal, self.portal = self.portal, None
        _open_runners.discard(self)
        if portal is None:
            return
        with contextlib.suppress(Exception):  # the loop may be gone already
            portal.call(portal.stop, True)
        self._thread.join(CLOSE_TIMEOUT)  # a daemon: if it hangs, the process still ends


def _close_open_clients() -> None:
    """Close every client still open: runs when the interpreter exits, before it waits for
    non-daemon threads (worker threads of a client's loop would otherwise keep it alive)."""
    for runner in list(_open_runners):
        runner.close()


_register_exit = getattr(threading, "_register_atexit", None)
if _register_exit is not None:  # CPython >= 3.9: before threads are joined
    _register_exit(_close_open_clients)
else:  # pragma: no cover - other interpreters
    import atexit

    atexit.register(_close_open_clients)

_Client = TypeVar("_Client", bound="SyncClient")


class SyncClient:
    """Runs an async client on a loop of its own, for synchronous code.

    ``make_client`` builds the async client inside that loop. With ``connect=False`` it
    connects on entering ``with`` instead of at once.
    """

    def __init__(self, make_client: Callable[[], BaseAsyncClient], *, connect: bool = True) -> None:
        self._make_client = make_client
        self._runner: _Runner | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        if connect:
            self._open()

    def _open(self) -> None:
        runner = _Runner(self._make_client)
        self._runner = runner
        self._finalizer = weakref.finalize(self, runner.close)

    def __enter__(self: _Client) -> _Client:
        if self._runner is None:
            self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect and stop the background loop (removes a download folder the client
        made). Idempotent."""
        if self._finalizer is not None:
            self._finalizer()
        self._runner = None

    @property
    def _live(self) -> _Runner:
        if self._runner is None:
            raise RuntimeError("the client is closed: use it inside `with` (or before close())")
        return self._runner

    @property
    def async_client(self) -> BaseAsyncClient:
        client = self._live.client
        assert client is not None
        return client

    @property
    def config(self) -> dict[str, Any]:
        """The app's description, as the server sent it."""
        return self.async_client.config

    def view_api(
        self, print_info: bool = True, return_format: str | None = None
    ) -> dict[str, Any] | str | None:
        """Print (and return, as ``"dict"`` or ``"str"``) how to call each public event."""
        return self.async_client.view_api(print_info, return_format)

    def predict(
        self, *inputs: Any, api_name: str | int | None = None, fn_index: int | None = None
    ) -> Any:
        """Run an event and return its final output (``gradio_client``'s ``predict``)."""
        return self.submit(*inputs, api_name=api_name, fn_index=fn_index).result()

    def submit(
        self,
        *inputs: Any,
        api_name: str | int | None = None,
        fn_index: int | None = None,
        event_data: Any = None,
    ) -> Job:
        """Trigger an event and return its :class:`Job` at once (a ``Future``)."""
        runner = self._live
        client = self.async_client

        async def submit() -> AsyncJob:
            return await client.submit(
                *inputs, api_name=api_name, fn_index=fn_index, event_data=event_data
            )

        job = Job(self, runner, runner.call(submit))
        runner.call(_start_watching, client, job)
        return job

    def stream(
        self,
        frames: Iterable[Any],
        *inputs: Any,
        api_name: str | int | None = None,
        fn_index: int | None = None,
        max_in_flight: int = 1,
        **options: Any,
    ) -> SyncStream:
        """Feed ``frames`` to a stream event; iterate the result for its outputs (see the
        async client's ``stream``; ``options`` go to it, e.g. ``transport="webrtc"``)."""
        runner = self._live
        client = self.async_client

        async def open_stream() -> ClientStream:
            return await client.stream(
                frames,
                *inputs,
                api_name=api_name,
                fn_index=fn_index,
                max_in_flight=max_in_flight,
                **options,
            )

        return SyncStream(self, runner, runner.call(open_stream))


async def _start_watching(client: BaseAsyncClient, job: Job) -> None:
    client.start_soon(job._watch)


class Job(concurrent.futures.Future[Any]):
    """A submitted call, as ``gradio_client``'s ``Job``: a ``concurrent.futures.Future``.

    ``result(timeout=None)`` waits for the final output and raises what the call raised
    (``CancelledError`` once it was cancelled, :class:`~.jobs.JobSkippedError` if the server
    skipped it); ``done()``, ``cancel()``, ``status()``, ``outputs()``; iterating yields each
    output as it arrives and then stops (raising the call's error, if it failed and was
    not cancelled). ``concurrent.futures.wait`` and ``as_completed`` work on jobs.
    """

    def __init__(self, owner: SyncClient, runner: _Runner, job: AsyncJob) -> None:
        super().__init__()
        self._owner = owner  # a job keeps its client open
        self._runner = runner
        self._job = job
        self._seen = 0
        self._new_output = threading.Condition()

    @property
    def id(self) -> str:
        return self._job.id

    async def _watch(self) -> None:
        """Read the job to its end in the client's loop, then settle the future."""
        try:
            async for _ in self._job:
                with self._new_output:
                    self._new_output.notify_all()
            value = await self._job.result()
        except JobCancelledError:
            super().cancel()
        except Exception as exc:
            self.set_exception(exc)
        else:
            self.set_result(value)
        finally:
            with self._new_output:
                self._new_output.notify_all()

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        with self._new_output:
            self._new_output.wait_for(lambda: self._seen < self._job.output_count or self.done())
            if self._seen < self._job.output_count:
                self._seen += 1
                return self._job.output(self._seen - 1)
        exception = None if self.cancelled() else self.exception()
        if exception is not None:
            raise exception
        raise StopIteration

    def outputs(self) -> list[Any]:
        """Every output so far, in order (a generator's yields; a call's result once done)."""
        return self._job.outputs()

    def status(self) -> StatusUpdate:
        """Where the job stands (see :mod:`streamcore.client.status`)."""
        return self._job.status()

    def cancel(self) -> bool:
        """Ask the server to cancel the job; ``False`` if it had already ended. ``result()``
        then raises ``CancelledError`` (unless the call finished first)."""
        if self.done():
            return False
        return bool(self._runner.call(self._job.cancel))


class SyncStream:
    """A stream for synchronous code: an iterator of its outputs.

    ``sent``, ``received``, ``frame_errors`` (the frames the server refused) and
    ``completion`` are the async stream's. :meth:`close` ends the stream gracefully (the
    frame in flight is answered), :meth:`cancel` at once; so does leaving a ``with`` block,
    or dropping the stream before it ended. A stream keeps its client open.
    """

    def __init__(self, owner: SyncClient, runner: _Runner, stream: ClientStream) -> None:
        self._owner = owner
        self._runner = runner
        self.stream = stream
        """The async stream underneath."""
        self._iterator: AsyncIterator[Any] | None = None

    @property
    def id(self) -> str:
        return self.stream.id

    @property
    def sent(self) -> int:
        return self.stream.sent

    @property
    def received(self) -> int:
        return self.stream.received

    @property
    def frame_errors(self) -> list[dict[str, Any]]:
        return self.stream.frame_errors

    @property
    def completion(self) -> Completed | None:
        return self.stream.completion

    def __enter__(self) -> SyncStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
        self._end_iteration()

    def __iter__(self) -> SyncStream:
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = self.stream.__aiter__()
        try:
            return self._runner.call(anext, self._iterator)
        except StopAsyncIteration:
            raise StopIteration from None
        except BaseException:
            self._end_iteration()
            raise

    def __del__(self) -> None:  # an iteration left early: the stream is cancelled
        if self._iterator is not None:
            self._end_iteration()

    def _end_iteration(self) -> None:
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            with contextlib.suppress(Exception):  # the client closed meanwhile
                self._runner.call(iterator.aclose)  # type: ignore[attr-defined]

    def status(self) -> StatusUpdate:
        return self.stream.status()

    def update_inputs(self, *inputs: Any) -> None:
        self._runner.call(lambda: self.stream.update_inputs(*inputs))

    def close(self) -> None:
        """End the stream: the frame in flight is answered, then it completes ``closed``."""
        self._runner.call(self.stream.close)

    def cancel(self) -> None:
        """Cancel the stream now: a loop over it ends once the server confirms (and
        ``completion`` then says ``cancelled``)."""
        with contextlib.suppress(RuntimeError):
            self._runner.call(self.stream.cancel)
