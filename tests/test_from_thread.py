"""Calling back into the event loop from a worker thread, on asyncio and on trio."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
import pytest

from streamcore.engine._from_thread import current_async_library, loop_caller

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


async def test_the_running_library_is_named(anyio_backend: str) -> None:
    assert current_async_library() == anyio_backend


async def test_a_worker_thread_schedules_a_call_on_the_loop_without_waiting() -> None:
    call_on_loop = loop_caller()
    loop_thread = threading.get_ident()
    # on_loop waits for the worker to pass the call: a caller that waited for on_loop to
    # finish would leave the gate shut until on_loop gave up (and recorded False)
    gate = threading.Event()
    seen: list[tuple[int, int, bool]] = []
    arrived = anyio.Event()

    def on_loop(value: int) -> None:
        seen.append((value, threading.get_ident(), gate.wait(5)))
        arrived.set()

    def in_worker() -> None:
        call_on_loop(on_loop, 42)
        gate.set()

    await anyio.to_thread.run_sync(in_worker)
    with anyio.fail_after(10):
        await arrived.wait()
    assert seen == [(42, loop_thread, True)]


def test_outside_an_event_loop_there_is_no_caller() -> None:
    with pytest.raises(RuntimeError, match="running asyncio or trio event loop"):
        loop_caller()
