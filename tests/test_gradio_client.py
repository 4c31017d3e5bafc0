"""The unmodified ``gradio_client`` against a live streamcore server (Gradio's HTTP API).

Every test runs with the outside network out of reach (proxies pointing nowhere) and checks
that the client spoke to nothing but the server: a client that took the Gradio 3 path would
post the app's config to an outside service.
"""

from __future__ import annotations

import functools
import http.server
import io
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import numpy as np
import PIL.Image
import pytest
import uvicorn
from fastapi import FastAPI
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError, AuthenticationError, ValidationError
from gradio_client.utils import QueueError, Status
from live_support import (
    TIMEOUT,
    Gate,
    close_to,
    fake_diffusion_demo,
    gradient,
    held_demo,
    png_file,
    sepia_demo,
    sepia_expected,
    stream_demo,
)

import streamcore as gr
from streamcore.media.files import current_file_access
from transports import Server
from transports.ports import bind_socket
from transports.server import uvicorn_on


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The outside network is unreachable and every host the client asks is recorded."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    hosts: list[str] = []
    send = httpx.Client.send

    def recording_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> Any:
        hosts.append(request.url.host)
        return send(self, request, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", recording_send)
    yield hosts
    assert set(hosts) <= {"127.0.0.1"}, hosts


def read_rgb(path: str | Path) -> np.ndarray:
    with PIL.Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def api_demo() -> gr.Blocks:
    """``greet`` (text), ``count`` (a generator of text), ``fail`` (raises ``gr.Error``)."""

    def greet(name: str) -> str:
        return f"Hello {name}!"

    def count(n: float) -> Iterator[str]:
        for step in range(int(n)):
            yield f"step {step}"

    def fail(name: str) -> str:
        raise gr.Error(f"no greeting for {name}", title="Refused")

    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name")
        steps = gr.Number(label="Steps")
        out = gr.Textbox(label="Out")
        button = gr.Button()
        button.click(greet, name, out, api_name="greet")
        button.click(count, steps, out, api_name="count")
        button.click(fail, name, out, api_name="fail")
    return demo


def launched(demo: gr.Blocks) -> Iterator[Server]:
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield server
    finally:
        demo.close()


@pytest.fixture
def api_server() -> Iterator[Server]:
    yield from launched(api_demo())


@pytest.fixture
def client(api_server: Server) -> Iterator[Client]:
    client = Client(api_server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
    try:
        yield client
    finally:
        client.close()


def test_view_api_lists_the_endpoints(client: Client) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    assert set(info["named_endpoints"]) == {"/greet", "/count", "/fail"}
    (parameter,) = info["named_endpoints"]["/greet"]["parameters"]
    assert (parameter["parameter_name"], parameter["component"]) == ("name", "Textbox")
    assert parameter["example_input"] == "Hello!!"  # for the page's "Use via API" snippets


def test_predict_a_text_fn(client: Client) -> None:
    assert client.predict("Ada", api_name="/greet") == "Hello Ada!"
    assert client.predict(name="Bob", api_name="/greet") == "Hello Bob!"  # by keyword


def test_submit_a_generator_every_yield_in_order(client: Client) -> None:
    job = client.submit(4, api_name="/count")
    seen = list(job)  # iterating a job gives each output as it arrives
    assert job.result(timeout=TIMEOUT) == "step 3"
    assert seen == ["step 0", "step 1", "step 2", "step 3"]
    assert job.outputs() == seen


def test_submit_a_generator_of_images_every_one_downloaded(tmp_path: Path) -> None:
    for server in launched(fake_diffusion_demo(step_seconds=0.01)):
        client = Client(server.local_url, verbose=False, download_files=str(tmp_path))
        try:
            job = client.submit(3, api_name="/predict")
            final = job.result(timeout=TIMEOUT)
            outputs = job.outputs()
        finally:
            client.close()
        assert len(outputs) == 4  # three noise images, then the final one
        images = [read_rgb(path) for path in outputs]
        assert [image.shape for image in images] == [(600, 600, 3)] * 3 + [(1000, 1000, 3)]
        assert final == outputs[-1]
        assert np.abs(images[-1].astype(int) - [255, 124, 0]).max() <= 3  # lossy WebP


def test_submits_of_one_session_run_concurrently(client: Client) -> None:
    jobs = [client.submit(f"n{i}", api_name="/greet") for i in range(4)]
    assert [job.result(timeout=TIMEOUT) for job in jobs] == [f"Hello n{i}!" for i in range(4)]


def test_gr_error_arrives_as_app_error(client: Client) -> None:
    with pytest.raises(AppError) as caught:
        client.submit("Ada", api_name="/fail").result(timeout=TIMEOUT)
    assert caught.value.message == "no greeting for Ada"
    assert caught.value.title == "Refused"


@pytest.mark.parametrize("show_error", [False, True])
def test_an_unexpected_exceptions_text_only_with_show_error(show_error: bool) -> None:
    def divide(x: float) -> float:
        return x / 0

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(divide, number, number, api_name="divide")
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, show_error=show_error)
    client = Client(server.local_url, verbose=False)
    try:
        with pytest.raises(AppError) as caught:
            client.predict(1, api_name="/divide")
    finally:
        client.close()
        demo.close()
    if show_error:
        assert caught.value.message == "ZeroDivisionError: division by zero"
    else:  # gradio_client's own words for an error Gradio hides
        assert "ZeroDivision" not in str(caught.value)
        assert "show_error=True" in str(caught.value)


def test_state_is_kept_per_client_session_across_calls() -> None:
    def add(x: float, total: float) -> tuple[float, float]:
        return total + x, total + x

    with gr.Blocks() as demo:
        number, total = gr.Number(), gr.State(0)
        number.submit(add, [number, total], [number, total], api_name="add")
    for server in launched(demo):
        first = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        second = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        try:
            assert first.predict(2, api_name="/add") == 2
            assert first.predict(3, api_name="/add") == 5  # a new stream, the same session
            assert second.predict(10, api_name="/add") == 10  # its own state
            assert first.predict(1, api_name="/add") == 6
        finally:
            first.close()
            second.close()


def test_an_unknown_api_name_raises_on_the_client(client: Client) -> None:
    with pytest.raises(ValueError, match="/nowhere"):
        client.predict("Ada", api_name="/nowhere")


def test_cancel_closes_a_running_generator() -> None:
    started, closed = threading.Event(), threading.Event()

    def endless() -> Iterator[int]:
        try:
            for step in itertools.count():
                started.set()
                yield step
                time.sleep(0.02)
        finally:
            closed.set()

    with gr.Blocks() as demo:
        out = gr.Number()
        gr.Button().click(endless, None, out, api_name="endless")
    for server in launched(demo):
        client = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        try:
            job = client.submit(api_name="/endless")
            assert started.wait(TIMEOUT)
            assert job.cancel()
            assert closed.wait(TIMEOUT)  # the server closed the generator
            deadline = time.monotonic() + TIMEOUT
            while not job.done():
                assert time.monotonic() < deadline
                time.sleep(0.02)
        finally:
            client.close()


def test_a_full_queue_refuses_a_call_with_503() -> None:
    gate = Gate()
    demo = held_demo(gate)
    demo.queue(max_size=1)
    for server in launched(demo):
        client = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        try:
            running = client.submit(1, api_name="/hold")
            assert gate.entered.wait(TIMEOUT)
            waiting = client.submit(2, api_name="/hold")
            deadline = time.monotonic() + TIMEOUT
            while waiting.status().code != Status.IN_QUEUE:  # from its estimation message
                assert time.monotonic() < deadline
                time.sleep(0.02)
            assert (waiting.status().rank, waiting.status().queue_size) == (0, 1)
            with pytest.raises(QueueError, match="Queue is full"):
                client.submit(3, api_name="/hold").result(timeout=TIMEOUT)
            gate.release.set()
            assert (running.result(timeout=TIMEOUT), waiting.result(timeout=TIMEOUT)) == (1, 2)
        finally:
            gate.release.set()
            client.close()


def test_auth_logs_in_first_and_every_api_route_needs_it() -> None:
    demo = api_demo()
    server: Server = demo.launch(
        server_port=0, prevent_thread_lock=True, quiet=True, auth=("ada", "lovelace")
    )
    try:
        with pytest.raises(ValueError, match="Could not login"):  # 400, as Gradio answers
            Client(server.local_url, verbose=False, auth=("ada", "wrong"))
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(server.local_url, verbose=False)  # /config is 401
        client = Client(server.local_url, verbose=False, auth=("ada", "lovelace"))
        try:
            assert client.predict("Ada", api_name="/greet") == "Hello Ada!"
        finally:
            client.close()
        code, text = post(server, "/gradio_api/queue/join", join_body(0, [], "x"))
        assert (code, text) == (401, b"log in first: /gradio_api/queue/join needs a session")
    finally:
        demo.close()


def test_output_files_get_a_url_that_serves_them(tmp_path: Path) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    for server in launched(sepia_demo()):
        root = server.local_url.rstrip("/")
        with source.open("rb") as file:
            uploaded = httpx.post(
                f"{root}/gradio_api/upload", files={"files": file}, timeout=TIMEOUT
            )
        (path,) = uploaded.json()
        value = {"path": path, "orig_name": "photo.png", "meta": {"_type": "gradio.FileData"}}
        code, _ = post_json(server, "/gradio_api/queue/join", join_body(fn_of(server), [value]))
        assert code == 200
        *_, completed, _ = read_events(server, "s1")
        (output,) = completed["output"]["data"]
        assert output["url"] == f"{root}/gradio_api/file={output['path']}"
        response = httpx.get(output["url"], timeout=TIMEOUT)
        assert response.status_code == 200
        assert (
            response.content == httpx.get(f"{root}/file={output['path']}", timeout=TIMEOUT).content
        )
        received = np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGB"))
        assert close_to(received, sepia_expected(image))
        outside = httpx.get(f"{root}/gradio_api/file={source}", timeout=TIMEOUT)
        assert outside.status_code == 403  # a file the server neither made nor was sent


def test_a_validator_refusal_is_422_and_the_fn_never_runs() -> None:
    calls: list[float] = []

    def double(x: float) -> float:
        calls.append(x)
        return 2 * x

    def positive(x: float) -> dict[str, Any]:
        return gr.validate(x > 0, "x must be positive")

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(double, number, number, api_name="double", validator=positive)
    for server in launched(demo):
        client = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        try:
            with pytest.raises(ValidationError, match="x must be positive"):
                client.submit(-1, api_name="/double").result(timeout=TIMEOUT)
            assert client.submit(2, api_name="/double").result(timeout=TIMEOUT) == 4
        finally:
            client.close()
        code, answer = post_json(
            server, "/gradio_api/queue/join", join_body(fn_of(server, "double"), [-3])
        )
        assert code == 422
        assert answer == {
            "detail": [
                {
                    "__type__": "validate",
                    "parameter_name": "x",
                    "is_valid": False,
                    "message": "x must be positive",
                }
            ]
        }
    assert calls == [2]


def test_cancel_of_an_unknown_call_is_404(api_server: Server) -> None:
    body = json.dumps({"event_id": "nope", "session_hash": "s", "fn_index": 0}).encode()
    code, answer = post_json(api_server, "/gradio_api/cancel", body)
    assert code == 404
    assert "no call 'nope' of session 's' is open" in answer["detail"]


def test_predict_an_image_file(tmp_path: Path) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    for server in launched(sepia_demo()):
        client = Client(server.local_url, verbose=False, download_files=str(tmp_path / "out"))
        try:
            result = client.predict(handle_file(str(source)), api_name="/predict")
        finally:
            client.close()
        assert tmp_path / "out" in Path(result).parents  # downloaded from /gradio_api/file=
        received = read_rgb(result)
        assert close_to(received, sepia_expected(image))


def test_a_stream_event_called_once_processes_its_single_frame(tmp_path: Path) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    for server in launched(stream_demo()):
        client = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
        try:
            result = client.predict(handle_file(str(source)), api_name="/sepia")
        finally:
            client.close()
        # one call of a stream event answers with a file, as Gradio 6's API does
        assert isinstance(result, str)
        assert result.endswith(".webp")
        received = np.asarray(PIL.Image.open(result).convert("RGB"))
        assert close_to(received, sepia_expected(image), mean=4, peak=40)


@pytest.mark.anyio
async def test_a_mounted_app_under_a_prefix(tmp_path: Path) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    app = gr.mount_gradio_app(FastAPI(), sepia_demo(), path="/apps/sepia")
    sock = bind_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/apps/sepia/"
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")

    def call() -> Any:
        client = Client(base, verbose=False, download_files=str(tmp_path / "out"))
        try:
            return client.predict(handle_file(str(source)), api_name="/predict")
        finally:
            client.close()

    async with uvicorn_on(sock, config):
        with anyio.fail_after(TIMEOUT):
            result = await anyio.to_thread.run_sync(call)
    received = read_rgb(result)
    assert close_to(received, sepia_expected(image))


# -- the routes, raw ------------------------------------------------------------------------------


def post(server: Server, path: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{server.local_url.rstrip('/')}{path}",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def post_json(server: Server, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    code, answer = post(server, path, body)
    return code, json.loads(answer)


def fn_of(server: Server, api_name: str = "predict") -> int:
    """The ``fn_index`` (``/config``'s dependency ``id``) of the event ``api_name``."""
    with urllib.request.urlopen(f"{server.local_url}config", timeout=TIMEOUT) as response:
        config = json.loads(response.read())
    return next(d["id"] for d in config["dependencies"] if d["api_name"] == api_name)


def greet_id(server: Server) -> int:
    return fn_of(server, "greet")


def join_body(fn_index: int, data: Any, session_hash: str = "s1") -> bytes:
    return json.dumps({"data": data, "fn_index": fn_index, "session_hash": session_hash}).encode()


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"data": [], "fn_index": 0}', 400, "session_hash"),
        (b'{"data": "x", "fn_index": 0, "session_hash": "s"}', 400, "'data' must be a list"),
        (b'{"data": [], "fn_index": "a", "session_hash": "s"}', 400, "'fn_index'"),
        (b'{"data": ["x"], "fn_index": 999999, "session_hash": "s"}', 404, "fn_index 999999"),
    ],
)
def test_bad_joins_get_a_4xx_naming_the_problem(
    api_server: Server, body: bytes, status: int, detail: str
) -> None:
    code, answer = post_json(api_server, "/gradio_api/queue/join", body)
    assert (code, detail in answer["detail"]) == (status, True), answer


def test_a_join_with_the_wrong_number_of_inputs_is_refused(api_server: Server) -> None:
    code, answer = post_json(
        api_server, "/gradio_api/queue/join", join_body(greet_id(api_server), ["a", "b"])
    )
    assert code == 400
    assert answer["detail"] == "'greet' takes 1 input value(s), got 2"


def read_events(server: Server, session_hash: str) -> list[dict[str, Any]]:
    """The events of a session's stream, until it closes (within the timeout)."""
    url = f"{server.local_url}gradio_api/queue/data?session_hash={session_hash}"
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + TIMEOUT
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        for line in response:
            assert time.monotonic() < deadline
            if line.startswith(b"data: "):
                events.append(json.loads(line[6:]))
    return events


def test_the_event_stream_of_a_call(api_server: Server) -> None:
    code, answer = post_json(
        api_server, "/gradio_api/queue/join", join_body(greet_id(api_server), ["Ada"], "raw")
    )
    assert code == 200
    event_id = answer["event_id"]
    events = read_events(api_server, "raw")
    assert [e["msg"] for e in events] == ["process_starts", "process_completed", "close_stream"]
    completed = events[1]
    assert completed["event_id"] == event_id
    assert (completed["success"], completed["output"]["data"]) == (True, ["Hello Ada!"])
    assert events[2]["event_id"] is None


def test_a_stream_with_no_call_waiting_is_404(api_server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        read_events(api_server, "nobody")
    with caught.value as error:
        assert error.code == 404
        assert "POST /gradio_api/queue/join first" in json.loads(error.read())["detail"]


@pytest.mark.parametrize("where", ["elsewhere", "the working directory"])
def test_an_image_path_not_uploaded_is_refused(
    tmp_path: Path, request: pytest.FixtureRequest, where: str
) -> None:
    folder = tmp_path
    if where == "the working directory":  # readable by the fn, not nameable by a client
        folder = next(p for p in current_file_access.get().allowed_paths if p == Path.cwd())
    secret = png_file(folder, gradient(), f"secret-{uuid.uuid4().hex}.png")
    request.addfinalizer(secret.unlink)
    for server in launched(sepia_demo()):
        fn_index = fn_of(server)
        value = {"path": str(secret), "meta": {"_type": "gradio.FileData"}}
        code, _ = post_json(server, "/gradio_api/queue/join", join_body(fn_index, [value], "p"))
        assert code == 200
        *_, completed, closed = read_events(server, "p")
        assert (completed["msg"], completed["success"]) == ("process_completed", False)
        error = completed["output"]["error"]
        assert f"the file {secret.name!r} is not one this server gave or received" in error
        assert str(folder) not in error  # the server's directories are not told
        assert closed["msg"] == "close_stream"


def test_handle_file_of_a_url_is_fetched_only_where_the_app_allows_it(tmp_path: Path) -> None:
    """``handle_file("http://...")`` sends the URL as the image's path: the server fetches it
    under its SSRF rules (loopback refused, naming why), or fetches it when the app opts in."""
    source = png_file(tmp_path, gradient())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{site.server_address[1]}/{source.name}"
    try:
        for server in launched(sepia_demo()):
            client = Client(server.local_url, verbose=False, download_files=str(tmp_path / "o"))
            try:
                with pytest.raises(AppError, match="is a loopback address"):
                    client.predict(handle_file(url), api_name="/predict")
            finally:
                client.close()
        demo = sepia_demo()
        server = demo.launch(
            server_port=0, prevent_thread_lock=True, quiet=True, allow_private_urls=True
        )
        try:
            client = Client(server.local_url, verbose=False, download_files=str(tmp_path / "o"))
            try:
                result = client.predict(handle_file(url), api_name="/predict")
            finally:
                client.close()
        finally:
            demo.close()
        assert close_to(read_rgb(result), sepia_expected(gradient()))
    finally:
        site.shutdown()
        site.server_close()
        thread.join()
