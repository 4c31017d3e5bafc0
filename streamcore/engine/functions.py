"""Running a user fn of any kind without blocking the event loop.

A user fn is a plain function, a coroutine function, a generator function or an async
generator function. :func:`iterate_fn` runs any of them as an async iterator of results
(one result for a plain function, one per yield for a generator): sync code runs in a
worker thread behind a capacity limiter, async code runs on the loop.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import anyio.to_thread

__all__ = [
    "FnKind",
    "call_in_worker",
    "call_once",
    "call_to_end",
    "fn_kind",
    "iterate_fn",
    "last_result",
    "run_sync_in_worker",
]


class FnKind(enum.Enum):
    """How a user fn produces its results."""

    SYNC = "sync"
    ASYNC = "async"
    SYNC_GENERATOR = "sync_generator"
    ASYNC_GENERATOR = "async_generator"

    @property
    def is_generator(self) -> bool:
        return self in (FnKind.SYNC_GENERATOR, FnKind.ASYNC_GENERATOR)

    @property
    def is_async(self) -> bool:
        """Runs on the event loop (a coroutine or async generator function)."""
        return self in (FnKind.ASYNC, FnKind.ASYNC_GENERATOR)


def fn_kind(fn: Callable[..., Any]) -> FnKind:
    """Tell the kind of ``fn``, looking through ``functools.partial`` and ``__call__``."""
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and callable(target):
        target = target.__call__
    if inspect.isasyncgenfunction(target):
        return FnKind.ASYNC_GENERATOR
    if inspect.iscoroutinefunction(target):
        return FnKind.ASYNC
    if inspect.isgeneratorfunction(target):
        return FnKind.SYNC_GENERATOR
    return FnKind.SYNC


async def run_sync_in_worker(
    fn: Callable[..., Any], *args: Any, limiter: anyio.CapacityLimiter | None = None
) -> Any:
    """Run ``fn(*args)`` in a worker thread and return its result.

    If the caller is cancelled while ``fn`` runs, the thread finishes ``fn`` (threads
    cannot be interrupted) and its result is discarded; the cancellation is then raised.
    """
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)


_EXHAUSTED = object()


def _next_or_exhausted(iterator: Iterator[Any]) -> Any:
    return next(iterator, _EXHAUSTED)


async def iterate_fn(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    limiter: anyio.CapacityLimiter | None = None,
    kind: FnKind | None = None,
    then: Callable[[Any], Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield the results of ``fn(*args)``: one for a function, one per yield for a generator.

    ``then`` (sync, e.g. postprocessing and encoding) is applied to each result in a worker
    thread: in the same thread call as ``fn`` or the generator step for sync kinds, so
    each result costs one thread hand-off. The generator is closed (``close()`` in a worker
    thread, or ``aclose()``) when the iteration ends for any reason: exhaustion, an
    exception, the consumer breaking out, or cancellation. Exceptions raised by ``fn`` or
    ``then`` propagate unchanged.
    """
    kind = kind or fn_kind(fn)
    if kind is FnKind.SYNC:
        call = fn if then is None else _compose(then, fn)
        yield await run_sync_in_worker(call, *args, limiter=limiter)
    elif kind is FnKind.ASYNC:
        result = await fn(*args)
        yield result if then is None else await run_sync_in_worker(then, result, limiter=limiter)
    elif kind is FnKind.SYNC_GENERATOR:
        iterator = await run_sync_in_worker(fn, *args, limiter=limiter)
        step = _next_or_exhausted if then is None else _compose_step(then)
        try:
            while (item := await run_sync_in_worker(step, iterator, limiter=limiter)) is not (
                _EXHAUSTED
            ):
                yield item
        finally:
            with anyio.CancelScope(shield=True):
                await run_sync_in_worker(iterator.close)
    else:
        agen = fn(*args)
        try:
            async for item in agen:
                yield (
                    item if then is None else await run_sync_in_worker(then, item, limiter=limiter)
                )
        finally:
            with anyio.CancelScope(shield=True):
                await agen.aclose()


def _compose(then: Callable[[Any], Any], fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return then(fn(*args))

    return call


def _compose_step(then: Callable[[Any], Any]) -> Callable[[Iterator[Any]], Any]:
    def step(iterator: Iterator[Any]) -> Any:
        item = next(iterator, _EXHAUSTED)
        return item if item is _EXHAUSTED else then(item)

    return step


async def last_result(results: AsyncIterator[Any]) -> Any:
    """The last item of ``results`` (``None`` if there is none): a generator's final yield."""
    last = None
    async for item in results:
        last = item
    return last


async def call_once(
    fn: Callable[..., Any], args: tuple[Any, ...], limiter: anyio.CapacityLimiter | None = None
) -> Any:
    """Run ``fn`` (of any kind) to its end; its result, or a generator's last yield."""
    return await last_result(iterate_fn(fn, args, limiter=limiter))


def call_in_worker(fn: Callable[..., Any], kind: FnKind | None, args: list[Any]) -> Any:
    """Run a sync ``fn`` to its end in the calling worker thread (a stream's frame handler);
    a sync generator's last yield is its result. Async fns go to :func:`call_to_end`."""
    if kind is not None and kind.is_async:
        raise TypeError("call_in_worker runs sync fns; await call_to_end() for async ones")
    if kind is FnKind.SYNC_GENERATOR:
        result = None
        for item in fn(*args):
            result = item
        return result
    return fn(*args)


async def call_to_end(fn: Callable[..., Any], kind: FnKind | None, args: list[Any]) -> Any:
    """Await an async ``fn`` on the event loop to its end; an async generator's last yield
    is its result. Sync fns go to :func:`call_in_worker` (or :func:`call_once`)."""
    if kind is FnKind.ASYNC:
        return await fn(*args)
    if kind is FnKind.ASYNC_GENERATOR:
        return await last_result(fn(*args))
    raise TypeError("call_to_end awaits async fns; run sync ones with call_in_worker")
