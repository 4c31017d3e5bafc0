"""``GET /metrics`` (``transports/metrics.py``) on live servers, with real clients."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

import anyio
import httpx
import numpy as np
import pytest
from live_support import serving_script
from prometheus_client.parser import text_string_to_metric_families

import streamcore as gr
from transports import AsyncClient, serve

pytestmark = pytest.mark.anyio

IMAGE = np.tile(np.arange(64, dtype=np.uint8)[None, :, None], (48, 1, 3))


def demo() -> gr.Blocks:
    def fail(text: str) -> str:
        raise gr.Error(f"no: {text}")

    with gr.Blocks() as app:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
        text = gr.Textbox()
        gr.Button().click(lambda t: t.upper(), text, text, api_name="upper")
        gr.Button().click(fail, text, text, api_name="fail")
    return app


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition ``text`` (which must parse), by name and labels."""
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def scrape(url: str, **kwargs: object) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.get(url + "metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_a_stream_counts_its_frames_outputs_and_latencies() -> None:
    frames = 7
    async with serve(demo()) as server, AsyncClient(server.local_url) as client:
        outputs = [o async for o in await client.stream([IMAGE] * frames, api_name="/invert")]
        assert len(outputs) == frames
        text = await scrape(server.local_url)
    event = {"api_name": "invert", "transport": "websocket"}
    assert value(text, "streamcore_frames_received_total", **event) == frames
    assert value(text, "streamcore_frames_processed_total", **event) == frames
    assert value(text, "streamcore_outputs_total", **event) == frames
    assert value(text, "streamcore_frame_latency_seconds_count", **event) == frames
    assert value(text, "streamcore_frame_latency_seconds_sum", **event) > 0
    assert value(text, "streamcore_calls_started_total", **event) == 1
    assert value(text, "streamcore_calls_completed_total", **event, reason="closed") == 1
    assert value(text, "streamcore_active_streams", **event) == 0
    assert value(text, "streamcore_queue_waiting", group="<lambda>") == 0
    assert ("streamcore_event_loop_lag_seconds", frozenset()) in samples(text)


async def test_calls_errors_and_active_sessions() -> None:
    async with serve(demo()) as server:
        async with AsyncClient(server.local_url) as client:
            assert await client.predict("a", api_name="/upper") == "A"
            with pytest.raises(gr.Error):
                await client.predict("b", api_name="/fail")
            text = await scrape(server.local_url)
            assert value(text, "streamcore_active_sessions", transport="websocket") == 1
        upper = {"api_name": "upper", "transport": "websocket"}
        fail = {"api_name": "fail", "transport": "websocket"}
        assert value(text, "streamcore_calls_completed_total", **upper, reason="done") == 1
        assert value(text, "streamcore_calls_completed_total", **fail, reason="error") == 1
        assert value(text, "streamcore_errors_total", **fail, kind="call") == 1
        assert value(text, "streamcore_errors_total", **upper, kind="call") == 0
        with anyio.fail_after(5):
            while True:  # the server sees the disconnect a moment later
                text = await scrape(server.local_url)
                if value(text, "streamcore_active_sessions", transport="websocket") == 0:
                    break
                await anyio.sleep(0.02)


async def test_servers_in_one_process_keep_their_own_figures() -> None:
    async with serve(demo()) as first, serve(demo()) as second:
        async with AsyncClient(first.local_url) as client:
            await client.predict("a", api_name="/upper")
        done = {"api_name": "upper", "transport": "websocket", "reason": "done"}
        assert value(await scrape(first.local_url), "streamcore_calls_completed_total", **done)
        assert not value(await scrape(second.local_url), "streamcore_calls_completed_total", **done)


async def test_the_process_cpu_is_there_for_streamcore_bench() -> None:
    async with serve(demo()) as server:
        assert value(await scrape(server.local_url), "process_cpu_seconds_total") > 0


async def test_metrics_sit_behind_the_login_when_auth_is_on() -> None:
    async with serve(demo(), auth=("ada", "lovelace")) as server:
        async with httpx.AsyncClient(base_url=server.local_url) as http:
            assert (await http.get("metrics")).status_code == 401
            login = await http.post("login", data={"username": "ada", "password": "lovelace"})
            assert login.status_code < 400
            response = await http.get("metrics")
        assert response.status_code == 200
        assert samples(response.text)


# -- several workers ------------------------------------------------------------------------

APP = """
import os

import streamcore as gr

with gr.Blocks() as demo:
    camera = gr.Image(sources="webcam", streaming=True)
    out = gr.Image(streaming=True)
    camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    pid = gr.Number()
    gr.Button().click(lambda: os.getpid(), None, pid, api_name="pid")
"""


def serving(tmp_path: Path, *args: str) -> AbstractContextManager[str]:
    """The command serving :data:`APP` (:func:`live_support.serving_script`)."""
    return serving_script(tmp_path, APP, *args)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
def test_workers_figures_are_summed(tmp_path: Path, anyio_backend: str) -> None:
    async def session(url: str) -> int:
        async with AsyncClient(url) as client:
            pid = int(await client.predict(api_name="/pid"))
            outputs = [o async for o in await client.stream([IMAGE] * 3, api_name="/invert")]
            assert len(outputs) == 3
            return pid

    async def run(url: str) -> tuple[int, str]:
        pids: set[int] = set()
        calls = 0
        with anyio.fail_after(60):
            while len(pids) < 2 or calls < 4:  # which worker accepts is the kernel's choice
                async with anyio.create_task_group() as tasks:
                    for _ in range(4):

                        async def one() -> None:
                            pids.add(await session(url))

                        tasks.start_soon(one)
                calls += 4
                assert calls <= 80, f"one process served every session: {pids}"
            return calls, await scrape(url)

    before = set(os.listdir(os.environ.get("TMPDIR", "/tmp")))
    with serving(tmp_path, "--workers", "2") as url:
        calls, text = anyio.run(run, url)
    done = {"api_name": "pid", "transport": "websocket", "reason": "done"}
    assert value(text, "streamcore_calls_completed_total", **done) == calls
    stream = {"api_name": "invert", "transport": "websocket"}
    assert value(text, "streamcore_frames_processed_total", **stream) == 3 * calls
    left = set(os.listdir(os.environ.get("TMPDIR", "/tmp"))) - before
    assert not [name for name in left if name.startswith("streamcore-metrics-")]


async def test_gradio_api_calls_count_under_their_transport() -> None:
    async with serve(demo()) as server:
        async with httpx.AsyncClient(base_url=server.local_url, timeout=10) as http:
            posted = await http.post("gradio_api/call/upper", json={"data": ["a"]})
            event_id = posted.json()["event_id"]
            result = await http.get(f"gradio_api/call/upper/{event_id}")
            assert '"A"' in result.text
        text = await scrape(server.local_url)
    done = {"api_name": "upper", "transport": "gradio_api", "reason": "done"}
    assert value(text, "streamcore_calls_completed_total", **done) == 1
