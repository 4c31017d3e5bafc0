"""Running a user fn of any kind (``streamcore/engine/functions.py``): its kind, its
results, where it runs, and that a generator is always closed."""

from __future__ import annotations

import functools
import threading
from collections.abc import AsyncIterator, Iterator

import anyio
import anyio.to_thread
import pytest

from streamcore.engine.functions import (
    FnKind,
    call_in_worker,
    call_once,
    call_to_end,
    fn_kind,
    iterate_fn,
    last_result,
)

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


def double(x: int) -> int:
    return 2 * x


async def double_async(x: int) -> int:
    return 2 * x


def count_to(n: int) -> Iterator[int]:
    yield from range(1, n + 1)


async def count_to_async(n: int) -> AsyncIterator[int]:
    for i in range(1, n + 1):
        yield i


class Doubler:
    async def __call__(self, x: int) -> int:
        return 2 * x


def test_the_kind_is_seen_through_partials_and_callable_objects() -> None:
    assert fn_kind(double) is FnKind.SYNC
    assert fn_kind(double_async) is FnKind.ASYNC
    assert fn_kind(count_to) is FnKind.SYNC_GENERATOR
    assert fn_kind(count_to_async) is FnKind.ASYNC_GENERATOR
    assert fn_kind(functools.partial(count_to_async, 3)) is FnKind.ASYNC_GENERATOR
    assert fn_kind(Doubler()) is FnKind.ASYNC
    assert [k for k in FnKind if k.is_async] == [FnKind.ASYNC, FnKind.ASYNC_GENERATOR]
    assert [k for k in FnKind if k.is_generator] == [
        FnKind.SYNC_GENERATOR,
        FnKind.ASYNC_GENERATOR,
    ]


@pytest.mark.parametrize(
    ("fn", "expected"),
    [(double, [6]), (double_async, [6]), (count_to, [1, 2, 3]), (count_to_async, [1, 2, 3])],
)
async def test_iterate_fn_yields_one_result_or_one_per_yield(
    fn: object, expected: list[int]
) -> None:
    results = [item async for item in iterate_fn(fn, (3,), then=lambda v: v * 10)]
    assert results == [10 * v for v in expected]


async def test_a_generator_is_closed_when_its_consumer_stops_early() -> None:
    closed: list[str] = []

    def sync_gen() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            closed.append("sync")

    async def async_gen() -> AsyncIterator[int]:
        try:
            for i in range(100):
                yield i
        finally:
            closed.append("async")

    for fn in (sync_gen, async_gen):
        results = iterate_fn(fn, ())
        assert await anext(results) == 0
        await results.aclose()
    assert closed == ["sync", "async"]


async def test_call_once_returns_a_generators_last_yield() -> None:
    assert await call_once(count_to, (4,)) == 4
    assert await call_once(count_to_async, (4,)) == 4
    assert await call_once(double, (4,)) == 8
    assert await last_result(count_to_async(0)) is None


async def test_call_in_worker_runs_sync_fns_in_the_calling_thread() -> None:
    def where(x: int) -> int:
        return threading.get_ident()

    loop_thread = threading.get_ident()
    worker = await anyio.to_thread.run_sync(call_in_worker, where, FnKind.SYNC, [1])
    assert worker != loop_thread
    assert await anyio.to_thread.run_sync(call_in_worker, count_to, FnKind.SYNC_GENERATOR, [5]) == 5
    with pytest.raises(TypeError, match="call_to_end"):
        call_in_worker(double_async, FnKind.ASYNC, [1])


async def test_call_to_end_awaits_async_fns_on_the_loop() -> None:
    seen: list[int] = []

    async def where() -> int:
        seen.append(threading.get_ident())
        return 1

    assert await call_to_end(where, FnKind.ASYNC, []) == 1
    assert seen == [threading.get_ident()]
    assert await call_to_end(count_to_async, FnKind.ASYNC_GENERATOR, [3]) == 3
    with pytest.raises(TypeError, match="call_in_worker"):
        await call_to_end(double, FnKind.SYNC, [1])
