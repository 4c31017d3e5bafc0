"""No video-frame work on the event loop: conversions in workers with one thread, decoded
frames freed in the worker that used them (issue 16)."""

from __future__ import annotations

import threading

import anyio
import numpy as np
import pytest
from av import VideoFrame

from streamcore.app.stream_job import _pixels_of
from streamcore.engine.frames import Frame
from streamcore.engine.session import StreamSession
from transports.webrtc import OutputTrack

pytestmark = pytest.mark.anyio


class Pixels:
    """Stands for a decoded video frame: records the thread that frees it."""

    freed_in: list[int] = []  # noqa: RUF012 (a test's record)

    def __del__(self) -> None:
        Pixels.freed_in.append(threading.get_ident())


async def test_a_handled_frame_is_freed_in_the_worker_not_on_the_loop() -> None:
    Pixels.freed_in.clear()
    loop_thread = threading.get_ident()
    handled: list[int] = []

    def handler(frame: Frame) -> int:
        handled.append(frame.seq)
        threading.Event().wait(0.01)  # the next frame is waiting when this one is done
        return frame.seq

    async def read(session: StreamSession, into: list[int]) -> None:
        async for output in session:
            into.append(output.value)

    session = StreamSession(handler, stream_every=0)
    outputs: list[int] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.run)
        tg.start_soon(read, session, outputs)
        for seq in range(20):
            session.send_nowait(Frame(Pixels(), 0.0, seq, 0.0))  # type: ignore[arg-type]
            await anyio.sleep(0.004)
        session.close()
    del session
    assert handled
    assert len(Pixels.freed_in) == 20
    freed_on_loop = Pixels.freed_in.count(loop_thread)
    # the frames replaced in the slot (never handled) are freed on the loop, those handled
    # in the worker
    assert freed_on_loop == 20 - len(handled), (freed_on_loop, len(handled))


def test_a_decoded_frame_converts_with_one_thread() -> None:
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:, :, 0] = 200
    decoded = VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p", threads=1)
    pixels = _pixels_of(decoded, 10_000)
    assert pixels.shape == (48, 64, 3)
    assert abs(int(pixels[..., 0].mean()) - 200) < 8


def test_the_output_track_builds_encoder_ready_frames() -> None:
    track = OutputTrack()
    frame = track.build(np.full((48, 64, 3), 128, np.uint8))
    assert isinstance(frame, VideoFrame)
    assert frame.format.name == "yuv420p"  # the encoder converts nothing on the loop
    assert (frame.width, frame.height) == (64, 48)
    track.stop()
