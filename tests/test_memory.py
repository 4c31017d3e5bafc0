"""The malloc policy (``transports/memory.py``): parsing, glibc detection, what ``mallopt`` is
given, that frame-sized buffers are then mmapped, that a trim gives freed memory back, and
that without glibc it all does nothing. Real allocations run in a fresh process each, since
the policy is process-wide and applied once."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import anyio
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

import streamcore as gr
from transports import AsyncClient, memory, serve
from transports.memory import MALLOC_ENV, MallocPolicy, policy_from_env

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's policy not applied yet (restored afterwards)."""
    monkeypatch.setattr(memory, "_applied", None)
    monkeypatch.setattr(memory, "_taken", False)


class FakeLibc:
    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[str, tuple[int, ...]]] = []
        self.answer = answer

    def mallopt(self, *args: int) -> int:
        self.calls.append(("mallopt", args))
        return self.answer

    def malloc_trim(self, *args: int) -> int:
        self.calls.append(("malloc_trim", args))
        return 1


def run_python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# -- the policy ---------------------------------------------------------------------------


def test_unset_or_auto_is_the_default_and_off_is_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MALLOC_ENV, raising=False)
    assert policy_from_env() == memory.DEFAULT_POLICY
    assert policy_from_env(" Auto ") == memory.DEFAULT_POLICY
    assert policy_from_env("off") == MallocPolicy()
    monkeypatch.setenv(MALLOC_ENV, "off")
    assert policy_from_env() == MallocPolicy()


def test_settings_replace_the_defaults_and_zero_turns_one_off() -> None:
    assert MallocPolicy(trim_interval=1.0) == memory.DEFAULT_POLICY
    assert policy_from_env("arena_max=2") == MallocPolicy(arena_max=2, trim_interval=1.0)
    assert policy_from_env("mmap_threshold=262144, trim_interval=0") == MallocPolicy(
        mmap_threshold=262144
    )


@pytest.mark.parametrize(
    "text", ["on", "mmap_threshold", "mmap=1", "arena_max=-1", "mmap_threshold=99999999999"]
)
def test_a_bad_setting_is_refused_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=MALLOC_ENV):
        policy_from_env(text)


# -- applying it ----------------------------------------------------------------------------


def test_glibc_is_found_exactly_where_the_c_library_is_glibc() -> None:
    assert (memory.glibc() is not None) == GLIBC


def test_no_glibc_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.glibc() is None


def test_the_policy_goes_to_mallopt_once_per_process(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(memory, "glibc", lambda: libc)
    assert memory.apply_policy(MallocPolicy(mmap_threshold=262144, arena_max=2))
    assert libc.calls == [("mallopt", (-3, 262144)), ("mallopt", (-8, 2))]
    assert memory.apply_policy(MallocPolicy(arena_max=4))  # the first one stays
    assert len(libc.calls) == 2


def test_a_refused_setting_is_reported(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "glibc", lambda: FakeLibc(answer=0))
    assert not memory.apply_policy(MallocPolicy(mmap_threshold=262144))
    assert not memory.apply_policy()  # later calls say what the first did


def test_without_glibc_nothing_is_done(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "glibc", lambda: None)
    trims = memory.trim_statistics()
    assert not memory.apply_policy(MallocPolicy(mmap_threshold=262144, trim_interval=0.01))
    assert memory.trim() == 0
    with memory.media_stream():
        time.sleep(0.05)
    assert memory.trim_statistics() == trims


def test_off_does_not_touch_malloc(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(memory, "glibc", lambda: libc)
    assert not memory.apply_policy(MallocPolicy())
    assert libc.calls == []


MMAPPED_AFTER_A_FREE = """
    import ctypes
    from transports import memory
    memory.apply_policy()
    libc = ctypes.CDLL(None)

    class Info(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc.mallinfo2.restype = Info
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    size = 640 * 480 * 3  # an RGB frame
    libc.free(libc.malloc(size))  # glibc's dynamic threshold rises past it here
    before = libc.mallinfo2().hblks
    frame = libc.malloc(size)
    print(libc.mallinfo2().hblks - before)
    libc.free(frame)
"""


def test_with_a_fixed_mmap_threshold_frame_sized_buffers_stay_mmapped() -> None:
    if not GLIBC:  # the policy is glibc's; elsewhere it does nothing (tested above)
        assert run_python("from transports import memory; print(memory.apply_policy())") == (
            "False"
        )
        return
    assert run_python(MMAPPED_AFTER_A_FREE, **{MALLOC_ENV: "mmap_threshold=262144"}) == "1"
    # without it (the default), glibc's dynamic threshold puts the second frame in an arena
    assert run_python(MMAPPED_AFTER_A_FREE, **{MALLOC_ENV: "auto"}) == "0"


FREED_IN_ANOTHER_THREAD = """
    import threading
    from transports import memory
    memory.apply_policy()  # off: glibc keeps what the thread's arena freed
    chunks = []
    thread = threading.Thread(target=lambda: chunks.extend(bytearray(100_000) for _ in range(400)))
    thread.start()
    thread.join()
    keep = chunks[-1]  # the arena's top stays in use: freeing the rest returns nothing by itself
    del chunks[:]
    print(memory.trim() // 2**20, memory.trim_statistics()[0])
"""


def test_a_trim_gives_back_what_another_thread_freed() -> None:
    if not GLIBC:
        assert run_python("from transports import memory; print(memory.trim())") == "0"
        return
    printed = run_python(FREED_IN_ANOTHER_THREAD, **{MALLOC_ENV: "off"})
    returned_mib, trims = map(int, printed.split())
    assert returned_mib >= 30  # of the 40 MB freed
    assert trims == 1


def test_trims_run_while_media_streams_are_open_and_once_after(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    trimmed: list[float] = []
    monkeypatch.setattr(memory, "trim", lambda: trimmed.append(time.monotonic()) or 0)
    monkeypatch.setattr(memory, "glibc", lambda: FakeLibc())
    memory.apply_policy(MallocPolicy(trim_interval=0.05))
    with memory.media_stream(), memory.media_stream():  # two streams, one thread
        time.sleep(0.275)
        assert sum(t.name == "streamcore-malloc-trim" for t in threading.enumerate()) == 1
        while_open = len(trimmed)
    closed_at = time.monotonic()
    deadline = closed_at + 5
    while any(t.name == "streamcore-malloc-trim" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the trim thread did not end"
        time.sleep(0.01)
    assert 3 <= while_open <= 6  # every 0.05 s for 0.275 s, on a loaded machine
    assert len(trimmed) >= while_open + 1  # and once after the last stream closed
    assert trimmed[-1] >= closed_at


def test_without_a_trim_interval_a_media_stream_starts_no_thread(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "glibc", lambda: FakeLibc())
    memory.apply_policy(MallocPolicy(mmap_threshold=262144))
    with memory.media_stream():
        assert not any(t.name == "streamcore-malloc-trim" for t in threading.enumerate())


def serve_and_stop() -> None:
    """Start a server of a one-Textbox app with :func:`serve`, and stop it."""
    with gr.Blocks() as demo:
        gr.Textbox()

    async def main() -> None:
        async with serve(demo, port=0):
            pass

    anyio.run(main)


def test_a_server_applies_the_policy_as_it_starts(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(memory, "glibc", lambda: libc)
    monkeypatch.setenv(MALLOC_ENV, "mmap_threshold=524288")
    serve_and_stop()
    assert libc.calls == [("mallopt", (-3, 524288))]


def test_launch_applies_it_too(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(memory, "glibc", lambda: libc)
    monkeypatch.setenv(MALLOC_ENV, "arena_max=3")
    with gr.Blocks() as demo:
        gr.Textbox()
    demo.launch(prevent_thread_lock=True, quiet=True, server_port=0)
    demo.close()
    assert libc.calls == [("mallopt", (-8, 3))]


def test_each_worker_of_streamcore_serve_applies_it(
    fresh: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from transports.cli import TARGET_ENV, worker_app

    libc = FakeLibc()
    monkeypatch.setattr(memory, "glibc", lambda: libc)
    monkeypatch.setenv(MALLOC_ENV, "mmap_threshold=131072")
    (tmp_path / "app.py").write_text("import streamcore as gr\ndemo = gr.Blocks()\n")
    monkeypatch.setenv(TARGET_ENV, f"{tmp_path / 'app.py'}:demo")
    assert worker_app() is not None
    assert libc.calls == [("mallopt", (-3, 131072))]


def test_a_bad_setting_stops_the_server_from_starting(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MALLOC_ENV, "mmap_threshold=lots")
    with pytest.raises(ValueError, match=MALLOC_ENV):
        serve_and_stop()


def test_metrics_count_the_trims_made_while_the_server_runs() -> None:
    with gr.Blocks() as demo:
        gr.Textbox()

    async def main() -> str:
        async with serve(demo, port=0) as server:
            memory.trim()
            memory.trim()
            return server.metrics.exposition().decode()

    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(anyio.run(main))
        for sample in family.samples
    }
    assert found["streamcore_malloc_trims_total"] == (2 if GLIBC else 0)
    assert found["streamcore_malloc_trimmed_bytes_total"] >= 0


def test_a_live_webrtc_stream_is_trimmed_and_the_trims_stop_after_it(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    trimmed: list[float] = []
    monkeypatch.setattr(memory, "trim", lambda: trimmed.append(time.monotonic()) or 0)
    monkeypatch.setenv(MALLOC_ENV, "trim_interval=0.05")
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(lambda image: image, camera, gr.Image(streaming=True), stream_every=0)
    frames = [np.full((48, 64, 3), 90, np.uint8)] * 15

    def trimming() -> bool:
        return any(t.name == "streamcore-malloc-trim" for t in threading.enumerate())

    async def main() -> int:
        async with serve(demo, port=0) as server, AsyncClient(server.local_url) as client:
            stream = await client.stream(frames, transport="webrtc")
            outputs = [o async for o in stream]
            return len(outputs)

    assert anyio.run(main) > 0
    deadline = time.monotonic() + 10  # the peer closed, the last trim runs, the thread ends
    while trimming():
        assert time.monotonic() < deadline, "the trim thread outlived the stream"
        time.sleep(0.01)
    assert len(trimmed) >= 2  # at least one while the stream ran and one after it
    settled = len(trimmed)
    time.sleep(0.2)
    assert len(trimmed) == settled  # no stream, no trims
