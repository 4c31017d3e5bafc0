"""Gradio's HTTP API sessions against a live server: heartbeats, ``/call`` for curl users,
and the uploads a session leaves behind (deleted when it ends) within their quotas."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import numpy as np
import PIL.Image
import pytest
from gradio_client import Client, handle_file
from live_support import TIMEOUT, png_file

import streamcore as gr
from streamcore.errors import ClientError
from streamcore.media.files import current_file_access
from streamcore.media.sizes import format_size
from transports import AsyncClient, Server

API = "gradio_api"


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    PIL.Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def noise_png(seed: int) -> bytes:
    """A 200x200 PNG of noise: about 120 KB, whatever the seed."""
    pixels = np.random.default_rng(seed).integers(0, 256, (200, 200, 3), np.uint8)
    out = io.BytesIO()
    PIL.Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def calls_demo() -> gr.Blocks:
    """``greet`` (text), ``grow`` (a generator of a growing text), ``fail`` (raises),
    ``mean`` (an image to its mean colour), ``count`` (a State counter per session)."""

    def greet(name: str) -> str:
        return f"Hello {name}!"

    def grow(n: float) -> Iterator[str]:
        text = ""
        for step in range(int(n)):
            text += str(step)
            yield text

    def fail(name: str) -> str:
        raise gr.Error(f"no greeting for {name}")

    def mean(image: np.ndarray) -> str:
        return ",".join(str(round(v)) for v in image.reshape(-1, 3).mean(axis=0))

    def count(total: int) -> tuple[int, int]:
        return total + 1, total + 1

    with gr.Blocks() as demo:
        name, steps, out = gr.Textbox(), gr.Number(), gr.Textbox()
        image, total = gr.Image(), gr.State(0)
        button = gr.Button()
        button.click(greet, name, out, api_name="greet")
        button.click(grow, steps, out, api_name="grow")
        button.click(fail, name, out, api_name="fail")
        button.click(mean, image, out, api_name="mean")
        button.click(count, total, [total, steps], api_name="count")
    return demo


def launched(demo: gr.Blocks, **options: Any) -> Iterator[Server]:
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, **options)
    try:
        yield server
    finally:
        demo.close()


@pytest.fixture
def server() -> Iterator[Server]:
    yield from launched(calls_demo(), session_grace=0.2, heartbeat_interval=0.2)


def url(server: Server, path: str) -> str:
    return f"{server.local_url}{API}/{path}"


def call_events(server: Server, api_name: str, data: list[Any], **body: Any) -> list[tuple]:
    """What curl users do: POST the call, then read its events; ``(event, data)`` pairs."""
    posted = httpx.post(url(server, f"call/{api_name}"), json={"data": data, **body})
    assert posted.status_code == 200, posted.text
    event_id = posted.json()["event_id"]
    events = []
    with httpx.stream("GET", url(server, f"call/{api_name}/{event_id}"), timeout=TIMEOUT) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


# -- /call: curl's routes ---------------------------------------------------------------------


def test_call_a_fn_then_read_its_result(server: Server) -> None:
    assert call_events(server, "greet", ["Ada"]) == [("complete", ["Hello Ada!"])]


def test_call_a_generator_every_yield_whole(server: Server) -> None:
    assert call_events(server, "grow", [3]) == [
        ("generating", ["0"]),
        ("generating", ["01"]),
        ("generating", ["012"]),
        ("complete", ["012"]),
    ]


def test_call_an_error_is_an_error_event(server: Server) -> None:
    assert call_events(server, "fail", ["Ada"]) == [("error", "no greeting for Ada")]


def test_call_an_image_by_upload(server: Server) -> None:
    uploaded = httpx.post(
        url(server, "upload"), files={"files": ("c.png", png_bytes((9, 80, 200)))}
    )
    (path,) = uploaded.json()
    file_data = {"path": path, "meta": {"_type": "gradio.FileData"}}
    assert call_events(server, "mean", [file_data]) == [("complete", ["9,80,200"])]


def test_call_with_a_session_hash_keeps_its_state(server: Server) -> None:
    for expected in (1, 2, 3):
        assert call_events(server, "count", [], session_hash="curl-user") == [
            ("complete", [None, expected])  # a State output is a placeholder, as Gradio's
        ]
    assert call_events(server, "count", []) == [("complete", [None, 1])]  # a session of its own


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("call/nope", {"data": []}, 404, "no event with api_name 'nope'"),
        ("call/greet", {"data": []}, 400, "takes 1 input value(s), got 0"),
        ("call/greet", {"data": "Ada"}, 400, "'data' must be a list"),
        ("call/greet", ["Ada"], 400, "must be a JSON object"),
        ("call/greet", {"data": ["a"], "session_hash": 5}, 400, "'session_hash' must be"),
    ],
)
def test_bad_calls_get_a_4xx_naming_the_problem(
    server: Server, path: str, body: Any, status: int, words: str
) -> None:
    answer = httpx.post(url(server, path), json=body)
    assert answer.status_code == status
    assert words in answer.json()["detail"]


def test_a_call_body_that_is_not_json_is_400(server: Server) -> None:
    answer = httpx.post(url(server, "call/greet"), content=b"{nope")
    assert (answer.status_code, answer.json()["detail"][:28]) == (
        400,
        "the request body is not JSON",
    )


def test_a_result_read_twice_or_never_posted_is_404(server: Server) -> None:
    event_id = httpx.post(url(server, "call/greet"), json={"data": ["x"]}).json()["event_id"]
    first = httpx.get(url(server, f"call/greet/{event_id}"), timeout=TIMEOUT)
    assert "Hello x!" in first.text
    again = httpx.get(url(server, f"call/greet/{event_id}"))
    assert again.status_code == 404
    assert "each result can be read once" in again.json()["detail"]


# -- heartbeat ----------------------------------------------------------------------------------


def test_the_config_asks_clients_for_a_heartbeat(server: Server) -> None:
    assert httpx.get(f"{server.local_url}config").json()["connect_heartbeat"] is True


def test_a_heartbeat_is_an_event_stream_that_a_stopping_server_ends() -> None:
    demo = calls_demo()
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    lines: list[str] = []
    opened = threading.Event()

    def hold() -> None:
        with httpx.stream("GET", url(server, "heartbeat/h1"), timeout=TIMEOUT) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                lines.append(line)
                opened.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert opened.wait(TIMEOUT)
    began = time.monotonic()
    demo.close()
    holder.join(TIMEOUT)
    assert not holder.is_alive()
    assert time.monotonic() - began < 3  # not uvicorn's 10 s graceful-shutdown wait
    assert lines[0] == "data: ALIVE"


def test_a_bad_session_hash_for_a_heartbeat_is_400(server: Server) -> None:
    answer = httpx.get(url(server, "heartbeat/" + "x" * 201))
    assert answer.status_code == 400
    assert "session_hash" in answer.json()["detail"]


# -- uploads live as long as their session --------------------------------------------------------


def cached_files() -> set[Path]:
    """The files in the cache now (the server may be deleting some as we look)."""
    cache = current_file_access.get().cache_dir
    return {
        Path(folder, name)
        for folder, _, names in os.walk(cache)  # skips folders removed while it walks
        for name in names
        if not name.startswith(".")
    }


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_gradio_client_sessions_uploads_are_deleted_after_it_closes(
    server: Server, tmp_path: Path
) -> None:
    before = cached_files()
    client = Client(server.local_url, verbose=False)
    colors = [(10 * i, 100, 200) for i in range(5)]
    for color in colors:
        path = png_file(tmp_path, np.full((6, 8, 3), color, np.uint8), f"{color[0]}.png")
        expected = ",".join(map(str, color))
        assert client.predict(handle_file(str(path)), api_name="/mean") == expected
    uploads = {p for p in cached_files() - before if p.suffix == ".png"}
    assert len(uploads) == 5, cached_files() - before  # held while the client lives
    time.sleep(0.5)  # past the grace: a live client's heartbeat keeps them
    assert uploads <= cached_files()
    client.close()
    time.sleep(0.5)
    other = Client(server.local_url, verbose=False)  # any client's request sweeps
    try:
        wait_until(lambda: not (uploads & cached_files()))
    finally:
        other.close()


def test_a_websocket_sessions_uploads_are_deleted_when_it_closes(
    server: Server, tmp_path: Path
) -> None:
    picture = png_file(tmp_path, np.full((6, 8, 3), (1, 2, 3), np.uint8))
    before = cached_files()

    async def upload_then_leave() -> None:
        async with AsyncClient(server.local_url) as client:
            assert await client.predict(handle_file(str(picture)), api_name="/mean") == "1,2,3"
            assert {p.name for p in cached_files() - before} == {"photo.png"}

    anyio.run(upload_then_leave)
    wait_until(lambda: not (cached_files() - before))


def test_an_upload_never_used_is_deleted_after_its_claim_window(server: Server) -> None:
    ledger = server.runtime.uploads
    ledger.claim_window = 0.2
    posted = httpx.post(url(server, "upload"), files={"files": ("lost.png", png_bytes((4, 4, 4)))})
    (lost,) = posted.json()
    assert Path(lost).exists()
    time.sleep(0.3)
    httpx.post(url(server, "upload"), files={"files": ("next.png", png_bytes((5, 5, 5)))})
    assert not Path(lost).exists()


# -- quotas ---------------------------------------------------------------------------------------


def test_a_sessions_upload_quota_is_413_and_the_servers_507() -> None:
    size = len(noise_png(0))
    assert 100_000 < size < 130_000
    session_quota, total_quota = int(2.5 * size), int(3.5 * size)

    def upload(session_hash: str, seed: int) -> httpx.Response:
        files = {"files": (f"{seed}.png", noise_png(seed))}
        return httpx.post(url(server, "upload") + f"?session_hash={session_hash}", files=files)

    for server in launched(
        calls_demo(), session_upload_quota=session_quota, upload_quota=total_quota
    ):
        assert [upload("s1", seed).status_code for seed in (1, 2)] == [200, 200]
        refused = upload("s1", 3)
        assert refused.status_code == 413
        detail = refused.json()["detail"]
        assert detail.startswith("3.png (")
        assert f"this session holds {format_size(2 * size)[:3]}" in detail
        assert f"its quota is {format_size(session_quota)}" in detail
        assert upload("s2", 4).status_code == 200  # another session has room of its own
        full = upload("s2", 5)
        assert full.status_code == 507
        assert "the server's room for uploads is full" in full.json()["detail"]
        assert f"{format_size(3 * size)[:3]}" not in full.json()["detail"]
        assert httpx.get(f"{server.local_url}healthz").status_code == 200


def test_a_quota_over_the_websocket_is_an_upload_quota_error(tmp_path: Path) -> None:
    async def upload_past_the_quota(server: Server, picture: Path) -> None:
        async with AsyncClient(server.local_url) as client:
            with pytest.raises(ClientError) as caught:
                await client.predict(handle_file(str(picture)), api_name="/mean")
            assert caught.value.code == "upload_quota"
            assert await client.predict("Ada", api_name="/greet") == "Hello Ada!"  # goes on

    picture = tmp_path / "big.png"
    picture.write_bytes(noise_png(1))
    for server in launched(calls_demo(), session_upload_quota=1000):
        anyio.run(upload_past_the_quota, server, picture)


def test_a_bad_quota_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="upload quota '3 parsecs'"):
        calls_demo().launch(server_port=0, prevent_thread_lock=True, upload_quota="3 parsecs")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (5, "must be a dict with a 'path' or a 'url'"),
        ({"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}, "upload it first"),
        ({"url": "data:image/png;base64,AAAA", "meta": {"_type": "gradio.FileData"}}, "image"),
    ],
)
def test_a_bad_image_value_is_an_error_event_naming_it(
    server: Server, value: Any, words: str
) -> None:
    """Values are judged when the call runs, as Gradio does: the error names the problem,
    and the server goes on."""
    ((kind, error),) = call_events(server, "mean", [value])
    assert kind == "error"
    assert words in error
    assert call_events(server, "greet", ["Ada"]) == [("complete", ["Hello Ada!"])]


def test_files_stored_for_a_sessions_calls_go_with_it_but_not_the_apps_own() -> None:
    """An output stored for a WebSocket session's call is deleted when it closes; an
    HTTP API session's output outlives its event stream (the client downloads it after);
    the app's own initial image, stored at build, stays."""

    def tint(value: float) -> np.ndarray:
        return np.full((5, 5, 3), int(value), np.uint8)

    with gr.Blocks() as demo:
        number = gr.Number()
        picture = gr.Image(value=np.full((4, 4, 3), 7, np.uint8))
        number.submit(tint, number, picture, api_name="tint")
    server = demo.launch(
        server_port=0,
        prevent_thread_lock=True,
        quiet=True,
        session_grace=0.2,
        heartbeat_interval=0.2,
    )
    try:
        config = httpx.get(f"{server.local_url}config").json()
        (initial,) = [
            c["props"]["value"]["path"] for c in config["components"] if c["props"].get("value")
        ]
        built = cached_files()
        assert Path(initial) in built

        async def call_over_websocket() -> None:
            async with AsyncClient(server.local_url) as client:
                await client.predict(10, api_name="/tint")
                assert len(cached_files() - built) == 1  # the output, while connected

        anyio.run(call_over_websocket)
        wait_until(lambda: cached_files() == built)
        client = Client(server.local_url, verbose=False)
        downloaded = client.predict(20, api_name="/tint")
        assert PIL.Image.open(downloaded).getpixel((0, 0)) == (20, 20, 20)
        stored = cached_files() - built
        assert len(stored) == 1  # the output, kept while the client lives
        time.sleep(0.5)
        assert stored <= cached_files()
        client.close()
        time.sleep(0.5)
        Client(server.local_url, verbose=False).close()  # a request: the sweep runs
        wait_until(lambda: not (stored & cached_files()))
        assert Path(initial).is_file()  # the app's own file stays
    finally:
        demo.close()
