"""The real JavaScript client, ``@gradio/client`` (pinned in ``tests/js/package.json``), in
Node against a live streamcore server (Gradio's HTTP API).

Each test starts a server on 127.0.0.1 and runs one of the scripts of ``tests/js`` with
``node``; the script connects with ``Client.connect``, calls, and prints one JSON document
(``tests/js/common.mjs`` says how its arguments read and what it prints). The scripts refuse
any fetch outside loopback. ``node`` and ``npm`` are required: without them every test here
fails (never skips) saying to install them; ``npm ci`` installs the pinned client into
``tests/js/node_modules`` once, and again whenever ``package-lock.json`` changes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import PIL.Image
import pytest
from live_support import (
    TIMEOUT,
    close_to,
    fake_diffusion_demo,
    gradient,
    png_file,
    sepia_expected,
    stream_demo,
)

import streamcore as gr
from transports import Server

JS = Path(__file__).parent / "js"
NODE_TIMEOUT = 30.0
"""The longest one script may run (each takes well under a second here)."""
NPM_CI_TIMEOUT = 45.0
_STAMP = JS / "node_modules" / ".streamcore-lock-sha256"
"""Written after a successful ``npm ci``: the sha256 of the ``package-lock.json`` installed."""


@dataclass(frozen=True)
class NodeRun:
    """What a script did: its exit code, the JSON it printed, its stderr (for messages)."""

    returncode: int
    result: dict[str, Any]
    stderr: str


@dataclass(frozen=True)
class Node:
    """Runs the scripts of ``tests/js`` with the ``node`` at ``executable``."""

    executable: str

    def run(
        self,
        script: str,
        *args: str,
        auth: tuple[str, str] | None = None,
        expect_success: bool = True,
    ) -> NodeRun:
        """Run ``script`` with ``args`` (``auth`` as ``STREAMCORE_AUTH``) to its end, within
        :data:`NODE_TIMEOUT`; its printed JSON. Fails the test when the exit code (0, or 1
        for a reported failure) is not what ``expect_success`` says."""
        env = {**os.environ, "NODE_NO_WARNINGS": "1"}
        env.pop("STREAMCORE_AUTH", None)
        if auth is not None:
            env["STREAMCORE_AUTH"] = json.dumps(list(auth))
        completed = subprocess.run(
            [self.executable, str(JS / script), *args],
            cwd=JS,
            env=env,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            check=False,
        )
        lines = completed.stdout.strip().splitlines()
        assert lines, f"{script} printed nothing (exit {completed.returncode}): {completed.stderr}"
        run = NodeRun(completed.returncode, json.loads(lines[-1]), completed.stderr)
        expected = 0 if expect_success else 1
        assert run.returncode == expected, (run.returncode, run.result, run.stderr)
        return run


def _lock_digest() -> str:
    return hashlib.sha256((JS / "package-lock.json").read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def node() -> Node:
    """``node``, with the pinned ``@gradio/client`` installed by ``npm ci`` (only when
    ``node_modules`` is missing or was installed from another ``package-lock.json``)."""
    node_path, npm_path = shutil.which("node"), shutil.which("npm")
    if node_path is None or npm_path is None:
        pytest.fail(
            "these tests need Node.js and npm (to run @gradio/client): install them, "
            "e.g. `apt-get install -y nodejs npm`",
            pytrace=False,
        )
    digest = _lock_digest()
    if not _STAMP.is_file() or _STAMP.read_text() != digest:
        try:
            subprocess.run(
                [npm_path, "ci", "--no-audit", "--no-fund"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
                check=True,
            )
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"npm ci failed in {JS}:\n{exc.stdout}\n{exc.stderr}", pytrace=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm ci did not finish within {NPM_CI_TIMEOUT} s in {JS}", pytrace=False)
        _STAMP.write_text(digest)
    return Node(node_path)


# -- the demos -------------------------------------------------------------------------------


def invert(image: np.ndarray) -> np.ndarray:
    return 255 - image


def api_demo() -> gr.Blocks:
    """``greet`` (text), ``count`` (a generator of text), ``fail`` (raises ``gr.Error``),
    ``invert`` (an Image in and out)."""

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
        photo, inverted = gr.Image(label="Photo"), gr.Image(label="Inverted")
        button = gr.Button()
        button.click(greet, name, out, api_name="greet")
        button.click(count, steps, out, api_name="count")
        button.click(fail, name, out, api_name="fail")
        button.click(invert, photo, inverted, api_name="invert")
    return demo


def launched(demo: gr.Blocks, **options: Any) -> Iterator[Server]:
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, **options)
    try:
        yield server
    finally:
        demo.close()


@pytest.fixture(scope="module")
def api_server() -> Iterator[Server]:
    yield from launched(api_demo())


def url_of(server: Server) -> str:
    return str(server.local_url)


def download_rgb(url: str) -> np.ndarray:
    """The image at ``url`` (an http URL or a data URL) as RGB pixels."""
    if url.startswith("data:"):
        content = base64.b64decode(url.split(",", 1)[1])
    else:
        response = httpx.get(url, timeout=TIMEOUT)
        assert response.status_code == 200, (url, response.status_code)
        content = response.content
    with PIL.Image.open(io.BytesIO(content)) as image:
        return np.asarray(image.convert("RGB"))


def data_events(events: list[dict[str, Any]]) -> list[list[Any]]:
    return [event["data"] for event in events if event["type"] == "data"]


# -- the tests -------------------------------------------------------------------------------


def test_connect_and_view_api(node: Node, api_server: Server) -> None:
    answer = node.run("view_api.mjs", url_of(api_server)).result
    assert (answer["protocol"], answer["version"]) == ("sse_v3", "6.31.0")
    endpoints = answer["api"]["named_endpoints"]
    assert set(endpoints) == {"/greet", "/count", "/fail", "/invert"}
    assert answer["api"]["unnamed_endpoints"] == {}
    (name,) = endpoints["/greet"]["parameters"]
    assert (name["parameter_name"], name["label"], name["component"]) == ("name", "Name", "Textbox")
    (photo,) = endpoints["/invert"]["parameters"]
    assert photo["component"] == "Image"
    assert photo["type"] == "Blob | File | Buffer"  # the JS client's own type: it uploads it
    assert endpoints["/count"]["type"] == {"generator": True, "cancel": False}


def test_predict_a_text_fn(node: Node, api_server: Server) -> None:
    url = url_of(api_server)
    assert node.run("predict.mjs", url, "/greet", '["Ada"]').result == {"data": ["Hello Ada!"]}
    by_name = node.run("predict.mjs", url, "greet", '{"name": "Bob"}').result
    assert by_name == {"data": ["Hello Bob!"]}


def test_predict_an_image_given_by_handle_file(
    node: Node, api_server: Server, tmp_path: Path
) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    inputs = json.dumps([{"$file": str(source)}])
    (output,) = node.run("predict.mjs", url_of(api_server), "/invert", inputs).result["data"]
    assert output["url"] == f"{url_of(api_server)}gradio_api/file={output['path']}"
    assert output["meta"] == {"_type": "gradio.FileData"}
    assert close_to(download_rgb(output["url"]), 255 - image.astype(np.int16))


def test_submit_a_generator_every_yield_and_status_in_order(node: Node, api_server: Server) -> None:
    events = node.run("submit.mjs", url_of(api_server), "/count", "[3]").result["events"]
    steps = [(e["type"], e["stage"] if e["type"] == "status" else e["data"]) for e in events]
    assert steps == [
        ("status", "pending"),  # joined the queue
        ("status", "pending"),  # process_starts
        ("status", "generating"),
        ("data", ["step 0"]),
        ("status", "generating"),
        ("data", ["step 1"]),
        ("status", "generating"),
        ("data", ["step 2"]),
        ("data", ["step 2"]),  # process_completed carries the last value again, as Gradio's
        ("status", "complete"),
    ]
    assert events[1]["original_msg"] == "process_starts"
    assert {e["endpoint"] for e in events} == {"/count"}


def test_submit_a_generator_of_images_every_one_downloaded(node: Node) -> None:
    for server in launched(fake_diffusion_demo(step_seconds=0.01)):
        events = node.run("submit.mjs", url_of(server), "/predict", "[3]").result["events"]
        outputs = [output for (output,) in data_events(events)]
        assert len(outputs) == 5  # three noise images, the final one, and it again on completion
        assert outputs[-1] == outputs[-2]
        assert len({output["url"] for output in outputs[:4]}) == 4
        images = [download_rgb(output["url"]) for output in outputs[:4]]
    assert [image.shape for image in images] == [(600, 600, 3)] * 3 + [(1000, 1000, 3)]
    assert np.abs(images[-1].astype(int) - [255, 124, 0]).max() <= 3  # lossy WebP
    assert events[-1]["stage"] == "complete"


def test_a_streaming_image_output_of_a_single_call_arrives_as_a_file(
    node: Node, tmp_path: Path
) -> None:
    """A ``.stream`` event called once by the JS client processes its one frame; the
    ``Image(streaming=True)`` output arrives as a file of the cache, as Gradio 6 answers."""
    image = gradient()
    source = png_file(tmp_path, image)
    for server in launched(stream_demo()):
        inputs = json.dumps([{"$file": str(source)}])
        (output,) = node.run("predict.mjs", url_of(server), "/sepia", inputs).result["data"]
        assert output["path"].endswith(".webp")
        assert "/gradio_api/file=" in output["url"]
        received = download_rgb(output["url"])
    assert close_to(received, sepia_expected(image), mean=4, peak=40)


def test_gr_error_arrives_as_an_error_with_its_message(node: Node, api_server: Server) -> None:
    run = node.run("predict.mjs", url_of(api_server), "/fail", '["Ada"]', expect_success=False)
    assert run.result["error"] == "no greeting for Ada"  # predict() throws it as an Error
    assert (run.result["stage"], run.result["title"]) == ("error", "Refused")
    assert run.result["visible"] is True


def test_many_calls_of_one_client_share_its_event_stream(node: Node, api_server: Server) -> None:
    calls = [[f"n{i}"] for i in range(5)]
    answer = node.run("predict_many.mjs", url_of(api_server), "/greet", json.dumps(calls)).result
    expected = [[f"Hello n{i}!"] for i in range(5)]
    assert answer == {"together": expected, "one_by_one": expected}


def test_auth_logs_in_with_the_credentials(node: Node, tmp_path: Path) -> None:
    image = gradient()
    source = png_file(tmp_path, image)
    for server in launched(api_demo(), auth=("ada", "lovelace")):
        url, right = url_of(server), ("ada", "lovelace")
        greeted = node.run("predict.mjs", url, "/greet", '["Ada"]', auth=right).result
        assert greeted == {"data": ["Hello Ada!"]}
        inputs = json.dumps([{"$file": str(source)}])  # the upload carries the session too
        (output,) = node.run("predict.mjs", url, "/invert", inputs, auth=right).result["data"]
        assert output["url"].startswith(f"{url}gradio_api/file=")
        wrong = node.run(
            "predict.mjs", url, "/greet", '["Ada"]', auth=("ada", "x"), expect_success=False
        )
        # /login refuses with 400, as Gradio's does; the JS client words any non-401 so
        assert wrong.result["error"] == "Space metadata could not be loaded. "
        anonymous = node.run("predict.mjs", url, "/greet", '["Ada"]', expect_success=False)
        assert anonymous.result["error"] == "Login credentials are required to access this space."


def test_cancel_closes_the_running_generator(node: Node) -> None:
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
        events = node.run("cancel.mjs", url_of(server), "/endless", "[]", "2").result["events"]
        assert closed.wait(TIMEOUT)  # the server closed the generator
    assert started.is_set()
    assert data_events(events)[:2] == [[0], [1]]
    cancelled = next(i for i, e in enumerate(events) if e["type"] == "cancelled")
    last = events[-1]  # the iterator ends on the cancelled call's outcome
    assert cancelled < len(events) - 1
    assert (last["type"], last["stage"], last["title"]) == ("status", "error", "Cancelled")


def test_reset_after_a_cancel_is_answered_as_gradio_does(api_server: Server) -> None:
    """``job.cancel()`` posts ``/gradio_api/reset`` after ``/gradio_api/cancel``; Gradio 6
    answers it ``{"success": true}`` and does nothing (``/cancel`` did everything)."""
    response = httpx.post(
        f"{url_of(api_server)}gradio_api/reset", json={"event_id": "any"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
