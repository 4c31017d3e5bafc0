"""The worker id (``transports/worker_id.py``) and where it goes: the ``welcome`` message, the
benchmark driver's ``StreamRun.worker`` and ``worker_counts``. Two workers of
``streamcore serve`` are told apart in ``tests/test_cli.py``."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import anyio
import numpy as np

import streamcore as gr
from transports import AsyncClient, serve
from transports.bench import StreamRun, served_by, worker_counts
from transports.protocol import Welcome, parse_event
from transports.worker_id import worker_id


def test_the_id_is_eight_hex_digits_and_the_same_on_every_call() -> None:
    first = worker_id()
    assert re.fullmatch("[0-9a-f]{8}", first)
    assert worker_id() == first


def test_another_process_draws_another_id() -> None:
    other = subprocess.run(
        [sys.executable, "-c", "from transports.worker_id import worker_id; print(worker_id())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert re.fullmatch("[0-9a-f]{8}", other)
    assert other != worker_id()


def test_a_welcome_without_a_worker_parses_as_none() -> None:
    old_server = json.dumps({"type": "welcome", "session": "s", "protocol": 1, "limits": {}})
    assert parse_event(old_server) == Welcome("s", 1, {}, None)
    odd = json.dumps({"type": "welcome", "session": "s", "protocol": 1, "worker": 7})
    assert parse_event(odd) == Welcome("s", 1, {}, None)


def test_a_live_session_is_welcomed_with_this_processes_id() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(lambda image: image, camera, gr.Image(streaming=True), stream_every=0)
    image = np.zeros((16, 16, 3), np.uint8)

    async def main() -> tuple[str | None, list[object]]:
        async with serve(demo, port=0) as server, AsyncClient(server.local_url) as client:
            outputs = [o async for o in await client.stream([image] * 3)]
            return served_by(client), outputs

    worker, outputs = anyio.run(main)
    assert outputs
    assert worker == worker_id()


def test_worker_counts_busiest_first_unknown_as_question_mark() -> None:
    runs = [StreamRun(worker=w) for w in ("b", "a", "b", None, "a", "b")]
    assert list(worker_counts(runs).items()) == [("b", 3), ("a", 2), ("?", 1)]
    assert worker_counts([]) == {}
