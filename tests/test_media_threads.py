"""WebRTC's codec threads run as ``SCHED_BATCH`` (``transports/media_threads.py``): the
decoder threads of a served WebRTC stream are marked, the app's fn threads, the program's
own threads and the loops' are not; ``normal`` turns it off; a bad value is named."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import numpy as np
import pytest

import streamcore as gr
from transports import AsyncClient, serve
from transports.media_threads import (
    MEDIA_THREADS_ENV,
    MediaThreads,
    batch_media_threads_from_env,
    mark_media_threads_from_now,
)
from transports.process_setup import prepare_process

pytestmark = pytest.mark.skipif(
    not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's scheduling class"
)

IMAGE = np.full((48, 64, 3), 90, dtype=np.uint8)


def policy(thread: threading.Thread) -> int:
    assert thread.native_id is not None
    return os.sched_getscheduler(thread.native_id)


@pytest.fixture
def parked() -> Iterator[dict[str, threading.Thread]]:
    """Threads waiting on an event, named as a decoder thread, an executor thread, a fn's
    worker thread and a program's own thread; they end after the test."""
    release = threading.Event()
    names = ("video-decoder", "asyncio_0", "AnyIO worker thread", "camera-grabber")
    threads = {name: threading.Thread(target=release.wait, name=name) for name in names}
    for thread in threads.values():
        thread.start()
    yield threads
    release.set()
    for thread in threads.values():
        thread.join()


def test_a_sweep_marks_the_codec_threads_once_and_leaves_the_rest(
    parked: dict[str, threading.Thread],
) -> None:
    media = MediaThreads(enabled=True)
    assert media.sweep() >= 2
    assert policy(parked["video-decoder"]) == os.SCHED_BATCH
    assert policy(parked["asyncio_0"]) == os.SCHED_BATCH
    assert policy(parked["AnyIO worker thread"]) == os.SCHED_OTHER  # the app's fns
    assert policy(parked["camera-grabber"]) == os.SCHED_OTHER
    assert policy(threading.main_thread()) == os.SCHED_OTHER
    assert media.sweep() == 0  # each thread once


def test_normal_leaves_every_thread_alone(
    monkeypatch: pytest.MonkeyPatch, parked: dict[str, threading.Thread]
) -> None:
    monkeypatch.setenv(MEDIA_THREADS_ENV, "normal")
    media = MediaThreads()
    assert not media.enabled
    assert media.sweep() == 0
    assert not mark_media_threads_from_now()
    assert policy(parked["video-decoder"]) == os.SCHED_OTHER


@pytest.mark.parametrize("raw", ["fast", "idle", "1"])
def test_a_bad_value_is_named_before_the_server_starts(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(MEDIA_THREADS_ENV, raw)
    with pytest.raises(ValueError, match=rf"STREAMCORE_MEDIA_THREADS='{raw}'"):
        batch_media_threads_from_env()
    with pytest.raises(ValueError, match="STREAMCORE_MEDIA_THREADS"):
        prepare_process()


def policy_demo(fn_policies: list[int]) -> gr.Blocks:
    def record(image: Any) -> Any:
        fn_policies.append(os.sched_getscheduler(0))
        return image

    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(record, camera, out, stream_every=0, api_name="record")
    return demo


def decoders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "video-decoder"]


@pytest.mark.anyio
async def test_a_webrtc_streams_decoder_threads_are_marked_and_its_fn_thread_is_not() -> None:
    """Within a few sweeps of a WebRTC stream starting, aiortc's decoder threads (the
    server's, and this process's client's) run as ``SCHED_BATCH``; the fn does not."""
    fn_policies: list[int] = []
    async with serve(policy_demo(fn_policies)) as server, AsyncClient(server.local_url) as client:
        stream = await client.stream(
            itertools.repeat(IMAGE), api_name="/record", transport="webrtc"
        )
        with anyio.fail_after(10):
            async for _ in stream:
                running = decoders()
                if running and all(policy(t) == os.SCHED_BATCH for t in running):
                    break  # leaving the loop ends the stream
    assert fn_policies
    assert set(fn_policies) == {os.SCHED_OTHER}


def test_a_launched_script_marks_codec_threads_and_exits() -> None:
    """A user's script: ``launch()`` starts the sweeping thread (a daemon: the script still
    ends by itself), which marks a thread named as a decoder thread within a sweep."""
    script = textwrap.dedent(
        """
        import os, threading, time
        import streamcore as gr

        release = threading.Event()
        decoder = threading.Thread(target=release.wait, name="video-decoder")
        decoder.start()
        with gr.Blocks() as demo:
            gr.Textbox()
        demo.launch(prevent_thread_lock=True, quiet=True)
        deadline = time.monotonic() + 10
        while os.sched_getscheduler(decoder.native_id) != os.SCHED_BATCH:
            assert time.monotonic() < deadline, "the decoder thread was never marked"
            time.sleep(0.1)
        demo.close()
        release.set()
        print("batch")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != MEDIA_THREADS_ENV}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "batch"
