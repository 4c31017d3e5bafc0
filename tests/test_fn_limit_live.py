"""The fair limit on stream fn calls, live: WebSocket streams on a real server."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import numpy as np
import pytest
from live_support import stream_demo

from transports import AsyncClient, serve

pytestmark = pytest.mark.anyio


class Recorder:
    """A slow sync fn that records how many of its calls run at once."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.running = 0
        self.most = 0
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)  # releases the GIL: nothing but the limit holds others back
        with self._lock:
            self.running -= 1
        return frame


async def run_streams(server: Any, count: int, frames: int) -> dict[int, int]:
    outputs: dict[int, int] = {}

    async def use(index: int) -> None:
        images = [np.full((32, 32, 3), index * 40, np.uint8)] * frames
        async with AsyncClient(server.local_url) as client:
            stream = await client.stream(images, api_name="sepia")
            outputs[index] = len([o async for o in stream])

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tasks:
            for index in range(count):
                tasks.start_soon(use, index)
    return outputs


@pytest.mark.parametrize("stream_every", [0, 0.01])
async def test_four_streams_limit_two_at_most_two_fn_calls(stream_every: float) -> None:
    fn = Recorder()
    demo = stream_demo(fn, concurrency_limit=4, stream_every=stream_every)
    async with serve(demo, max_concurrent_fns=2) as server:
        outputs = await run_streams(server, 4, 6)
        assert server.runtime.fn_turns.peak <= 2
    assert fn.most == 2  # the limit, and it was reached
    assert sorted(outputs) == [0, 1, 2, 3]
    assert all(count > 0 for count in outputs.values()), outputs


async def test_an_event_limit_of_its_own_overrides_the_app_limit() -> None:
    fn = Recorder(0.02)
    demo = stream_demo(fn, concurrency_limit=3, max_concurrent_fns=1)
    async with serve(demo, max_concurrent_fns=None) as server:
        outputs = await run_streams(server, 3, 4)
        assert server.runtime.fn_turns.peak == 0  # the app's limit was never used
    assert fn.most == 1
    assert all(count > 0 for count in outputs.values()), outputs
