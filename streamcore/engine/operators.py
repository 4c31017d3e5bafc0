"""Async-generator operators over frames.

Each operator is an async generator: cancelling the consumer cancels it, and none of them
buffers more than the one item of a :class:`~streamcore.engine.slots.LatestSlot`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from typing import TypeVar

import anyio

from ..errors import StreamClosedError
from .clock import Clock
from .slots import LatestSlot

__all__ = ["aiterate", "stop_when", "throttle"]

T = TypeVar("T")


async def throttle(slot: LatestSlot[T], every: float, clock: Clock) -> AsyncGenerator[T, None]:
    """Yield the newest item of ``slot`` at most once per ``every`` seconds.

    The spacing is counted between the moments items are taken, so a consumer slower than
    ``every`` gets the newest item as soon as it asks again. Items put in between replace
    each other in the slot (the slot counts the drops). ``every == 0`` takes every item the
    consumer can keep up with. Ends when the slot is closed and empty.
    """
    if every < 0:
        raise ValueError(f"stream_every must be >= 0 seconds, not {every}")
    next_allowed = float("-inf")
    while True:
        if every > 0:
            await clock.sleep_until(next_allowed)
        try:
            item = await slot.get()
        except StreamClosedError:
            return
        next_allowed = clock.now() + every
        yield item


async def stop_when(source: AsyncIterable[T], should_stop: Callable[[], bool]) -> AsyncIterator[T]:
    """Pass items of ``source`` through until ``should_stop()`` is true before the next one.

    The check runs before each item is requested, so an item already being produced when
    the condition turns true is still delivered (this is how ``time_limit`` delivers the
    in-flight result as the final output). The source is closed when this ends.
    """
    iterator = aiter(source)
    try:
        while not should_stop():
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:  # close the source now, not when it is garbage-collected
            await aclose()


async def aiterate(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """Iterate a sync or async iterable asynchronously (a sync one with a checkpoint per item)."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            await anyio.lowlevel.checkpoint()
            yield item
