"""The per-frame path: which input takes the frames, which output carries the image, and
one frame's trip through the handler."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.lowlevel
import numpy as np
import pytest

import streamcore as gr
from streamcore.app.event_values import SessionValues
from streamcore.app.stream_job import (
    StreamJob,
    StreamSettings,
    frame_input_index,
    image_output_index,
)
from streamcore.engine.clock import FakeClock
from streamcore.engine.frames import Frame
from streamcore.errors import InvalidInputError
from streamcore.media.encoding import encode
from streamcore.messages import Completed, FrameError, Message, Output, Started

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


def dependency(fn: Any, outputs: list[Any]) -> Any:
    with gr.Blocks() as demo:
        number = gr.Number()
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(fn, [number, camera], outputs, stream_every=0)
    return demo.dependencies[0]


def test_the_frame_input_and_the_image_output_are_found_by_declaration() -> None:
    with gr.Blocks():
        outputs = [gr.Number(), gr.Image(streaming=True)]
    found = dependency(lambda n, frame: (n, frame), outputs)
    assert (frame_input_index(found), image_output_index(found)) == (1, 1)
    with gr.Blocks():
        numbers_only = dependency(lambda n, frame: n, gr.Number())
    assert image_output_index(numbers_only) is None
    with gr.Blocks() as demo:
        number = gr.Number()
        number.change(abs, number, number)
    with pytest.raises(InvalidInputError, match="no Image input"):
        frame_input_index(demo.dependencies[0])


def counting_job(binary: bool, number: int, messages: list[Message]) -> StreamJob:
    """A stream job of ``(n, image) -> (n + 1, image)`` (a Number and a streaming Image out),
    its Number input at ``number``, posting its messages into ``messages``."""
    with gr.Blocks():
        outputs = [gr.Number(), gr.Image(streaming=True)]
    found = dependency(lambda n, image: (n + 1, image), outputs)

    async def post(message: Message) -> None:
        messages.append(message)

    settings = StreamSettings(FakeClock(), anyio.CapacityLimiter(2), None, 10_000)
    job = StreamJob(
        "j", found, 1, values=SessionValues(), settings=settings, post=post, binary=binary
    )
    job.extra_inputs = [number, None]
    return job


async def run_one_frame(binary: bool, frame: Any) -> list[Message]:
    messages: list[Message] = []
    job = counting_job(binary, 41, messages)

    async def run() -> None:
        messages.append(await job.run())  # the completion is returned, not posted

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        job.send_nowait(Frame(frame, seq=7))
        while not any(isinstance(m, Output | FrameError) for m in messages):
            await anyio.lowlevel.checkpoint()
        job.close()
    return messages


async def test_a_frame_goes_through_decode_fn_and_encode_once() -> None:
    jpeg = encode(np.full((8, 8, 3), 90, np.uint8), "jpeg", 95)
    messages = await run_one_frame(binary=True, frame=jpeg)
    started, output = messages[0], messages[1]
    assert isinstance(started, Started)
    assert isinstance(output, Output)
    assert (output.seq, output.data[0], output.frame_index) == (7, 42, 1)
    assert output.frame is not None
    assert output.frame_mime == "image/jpeg"
    assert isinstance(messages[-1], Completed)


async def test_a_stream_output_carries_the_frames_received_and_replaced_so_far() -> None:
    messages: list[Message] = []
    job = counting_job(True, 0, messages)
    jpeg = encode(np.full((8, 8, 3), 90, np.uint8), "jpeg", 95)
    # three frames before the stream runs: the first two are replaced in its slot
    assert [job.send_nowait(Frame(jpeg, seq=seq)) for seq in range(3)] == [False, True, True]

    async def run() -> None:
        messages.append(await job.run())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        while not any(isinstance(m, Output) for m in messages):
            await anyio.lowlevel.checkpoint()
        job.close()
    output = next(m for m in messages if isinstance(m, Output))
    assert (output.seq, output.received, output.replaced) == (2, 3, 2)
    completed = messages[-1]
    assert isinstance(completed, Completed)
    assert completed.stats is not None
    assert (completed.stats["replaced"], completed.stats["dropped"]) == (2, 2)


async def test_a_frame_too_large_is_refused_and_the_stream_goes_on() -> None:
    big = encode(np.zeros((200, 200, 3), np.uint8), "png")
    messages = await run_one_frame(binary=False, frame=big)
    refused = next(m for m in messages if isinstance(m, FrameError))
    assert refused.seq == 7
    assert refused.error["title"] == "Bad frame"
    completed = messages[-1]
    assert isinstance(completed, Completed)
    assert completed.reason == "closed"


async def test_an_async_fn_runs_on_the_loop_and_holds_no_worker_thread_while_it_waits() -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []
    entered, release = anyio.Event(), anyio.Event()

    async def fn(n: int, image: Any) -> tuple[int, Any]:
        seen.append(threading.get_ident())
        entered.set()
        await release.wait()
        return n + 1, image

    with gr.Blocks():
        outputs = [gr.Number(), gr.Image(streaming=True)]
    found = dependency(fn, outputs)
    messages: list[Message] = []

    async def post(message: Message) -> None:
        messages.append(message)

    limiter = anyio.CapacityLimiter(1)
    settings = StreamSettings(FakeClock(), limiter, None, 10_000)
    job = StreamJob(
        "j", found, 1, values=SessionValues(), settings=settings, post=post, binary=True
    )
    job.extra_inputs = [1, None]
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(job.run)
        job.send_nowait(Frame(encode(np.full((8, 8, 3), 90, np.uint8), "png"), seq=3))
        await entered.wait()
        assert limiter.borrowed_tokens == 0  # no worker thread waits on the fn
        release.set()
        while not any(isinstance(m, Output) for m in messages):
            await anyio.lowlevel.checkpoint()
        job.close()
    assert seen == [loop_thread]
    output = next(m for m in messages if isinstance(m, Output))
    assert (output.seq, output.data[0], output.frame_mime) == (3, 2, "image/jpeg")
