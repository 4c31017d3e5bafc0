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

__all__ = ["FnKind", "fn_kind", "iterate_fn", "run_sync_in_worker"]


class FnKind(enum.Enum):
    """How a user fn produces its results."""

    SYNC = "sync"
    ASYNC = "async"
    SYNC_GENERATOR = "sync_generator"
    ASYNC_GENERATOR = "async_generator"

    @property
    def is_generator(self) -> bool:
        return self in (FnKind.SYNC_GENERATOR, FnKind.ASYNC_GENERATOR)


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
) -> AsyncIterator[Any]:
    """Yield the results of ``fn(*args)``: one for a function, one per yield for a generator.

    The generator is closed (``close()`` in a worker thread, or ``aclose()``) when the
    iteration ends for any reason: exhaustion, an exception, the consumer breaking out, or
    cancellation. Exceptions raised by ``fn`` propagate unchanged.
    """
    kind = kind or fn_kind(fn)
    if kind is FnKind.SYNC:
        yield await run_sync_in_worker(fn, *args, limiter=limiter)
    elif kind is FnKind.ASYNC:
        yield await fn(*args)
    elif kind is FnKind.SYNC_GENERATOR:
        iterator = await run_sync_in_worker(fn, *args, limiter=limiter)
        try:
            while (
                item := await run_sync_in_worker(_next_or_exhausted, iterator, limiter=limiter)
            ) is not _EXHAUSTED:
                yield item
        finally:
            with anyio.CancelScope(shield=True):
                await run_sync_in_worker(iterator.close)
    else:
        agen = fn(*args)
        try:
            async for item in agen:
                yield item
        finally:
            with anyio.CancelScope(shield=True):
                await agen.aclose()
