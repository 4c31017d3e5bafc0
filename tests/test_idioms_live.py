"""The idioms over the wire, with the unmodified ``gradio_client`` against a live server:
``gr.Progress`` becomes ``job.status().progress_data``, ``gr.Info`` / ``gr.Warning`` its
``log``, ``gr.update`` Gradio's update dict, ``gr.Request`` the HTTP request of the call;
and over streamcore's WebSocket protocol, ``progress`` and ``log`` messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from gradio_client import Client
from gradio_client.utils import StatusUpdate
from live_support import TIMEOUT, http_get, raw_client

import streamcore as gr
from streamcore.media.static_paths import clear_static_paths, static_paths
from transports import AsyncClient, Server, serve


def idioms_demo() -> gr.Blocks:
    def slow(n: float, progress: gr.Progress = gr.Progress()) -> float:  # noqa: B008 - Gradio's idiom
        gr.Info("starting", duration=5)
        progress(0.0, desc="Warming up")
        time.sleep(0.15)
        for _ in progress.tqdm(range(4), desc="Steps"):
            time.sleep(0.15)
        gr.Warning("almost there", title="Careful")
        time.sleep(0.15)
        return n * 2

    def relabel(text: str) -> Any:
        return gr.update(label=f"Label {text}", value=text.upper())

    def whoami(text: str, request: gr.Request) -> str:
        agent = request.headers.get("x-probe", "?")
        return f"{text}|{agent}|{request.client.host}|{request.session_hash}"

    with gr.Blocks() as demo:
        number = gr.Number(label="N")
        box = gr.Textbox(label="Text")
        number.submit(slow, number, number, api_name="slow")
        box.submit(relabel, box, box, api_name="relabel")
        box.change(whoami, box, box, api_name="whoami")
    return demo


@pytest.fixture
def server() -> Iterator[Server]:
    demo = idioms_demo()
    launched: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield launched
    finally:
        demo.close()


@pytest.fixture
def client(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    made = Client(
        server.local_url,
        verbose=False,
        headers={"X-Probe": "probe-42"},
        httpx_kwargs={"timeout": TIMEOUT},
    )
    try:
        yield made
    finally:
        made.close()


def statuses(job: Any) -> list[StatusUpdate]:
    """Every status update the client received for ``job`` (it has finished)."""
    updates = []
    queue = job.communicator.updates
    while not queue.empty():
        update = queue.get_nowait()
        if isinstance(update, StatusUpdate):
            updates.append(update)
    return updates


def test_gradio_client_sees_progress_data_and_the_logs(client: Client) -> None:
    job = client.submit(3, api_name="/slow")
    assert job.result(timeout=TIMEOUT) == 6
    updates = statuses(job)
    progress = [u.progress_data for u in updates if u.progress_data]
    assert progress, "no progress_data reached gradio_client"
    assert progress[0][0].desc == "Warming up"
    assert progress[0][0].progress == 0.0
    steps = [data[0] for data in progress if data[0].desc == "Steps"]
    assert [unit.index for unit in steps] == [0, 1, 2, 3]
    assert {(unit.length, unit.unit) for unit in steps} == {(4, "steps")}
    logs = [u.log for u in updates if u.log]
    assert logs == [("starting", "info"), ("almost there", "warning")]


def test_gradio_client_receives_an_update_dict(client: Client) -> None:
    result = client.predict("abc", api_name="/relabel")
    assert result == {"__type__": "update", "label": "Label abc", "value": "ABC"}


def test_a_request_parameter_sees_the_http_request_of_the_call(client: Client) -> None:
    text, agent, host, session_hash = client.predict("me", api_name="/whoami").split("|")
    assert (text, agent, host) == ("me", "probe-42", "127.0.0.1")
    assert session_hash == client.session_hash


@pytest.mark.anyio
async def test_over_the_websocket_the_request_is_the_handshake(server: Server) -> None:
    async with raw_client(server, additional_headers={"X-Probe": "ws-probe"}) as raw:
        job = await raw.submit("whoami", ["me"])
        done = await raw.until("completed", job=job)
    assert done["data"] == [f"me|ws-probe|127.0.0.1|{raw.welcome['session']}"]


@pytest.mark.anyio
async def test_the_websocket_protocol_carries_progress_and_log_messages(server: Server) -> None:
    async with raw_client(server) as raw:
        job = await raw.submit("slow", [1])
        kinds: list[dict[str, Any]] = []
        while True:
            message = await raw.recv()
            assert message.get("job") == job
            if message["type"] in ("progress", "log", "completed"):
                kinds.append(message)
            if message["type"] == "completed":
                break
    logs = [(m["level"], m["log"], m["title"]) for m in kinds if m["type"] == "log"]
    assert logs == [("info", "starting", "Info"), ("warning", "almost there", "Careful")]
    progress = [m["progress_data"] for m in kinds if m["type"] == "progress"]
    assert progress[0][0]["desc"] == "Warming up"
    assert {p[0]["desc"] for p in progress[1:]} == {"Steps"}
    assert kinds[-1]["data"] == [2]


def test_set_static_paths_serves_the_files_under_them_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "logo.txt").write_text("logo")
    (folder / ".env").write_text("KEY=1")
    (tmp_path / "secret.txt").write_text("secret")
    with gr.Blocks() as demo:
        gr.Textbox()
    gr.set_static_paths(str(folder))
    try:
        server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
        try:
            status, _, body = http_get(server, f"/file={folder / 'logo.txt'}")
            assert (status, body) == (200, b"logo")
            status, _, body = http_get(server, f"/gradio_api/file={folder / 'logo.txt'}")
            assert (status, body) == (200, b"logo")
            assert http_get(server, f"/file={tmp_path / 'secret.txt'}")[0] == 403
            assert http_get(server, f"/file={folder / '.env'}")[0] == 403
        finally:
            demo.close()
    finally:
        clear_static_paths()
    assert static_paths() == ()


@pytest.mark.anyio
async def test_streamcores_own_client_reads_progress_and_logs() -> None:
    async with serve(idioms_demo()) as running, AsyncClient(running.local_url) as client:
        job = await client.submit(5, api_name="slow")
        progress: list[Any] = []
        while not job.done():
            status = job.status()
            if status.progress_data and status.progress_data not in progress:
                progress.append(status.progress_data)
            await anyio.sleep(0.01)
        assert await job.result() == 10
    assert [(log.level, log.log) for log in job.logs] == [
        ("info", "starting"),
        ("warning", "almost there"),
    ]
    assert {data[0]["desc"] for data in progress} <= {"Warming up", "Steps"}
    assert any(data[0]["desc"] == "Steps" for data in progress)
