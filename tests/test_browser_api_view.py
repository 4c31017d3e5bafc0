"""The page's "Use via API" view (``transports/static/js/api_view.js``) in headless Chromium.

The footer link opens a dialog listing every public event of the app from
``gradio_api/info`` with client snippets. The strongest checks take the snippets out of the
page's DOM, write each to a file and run it with this interpreter against the live server.
Image parameters use the sample picture the server serves with the page
(``static/api-example.png``, 48×64): the Python snippets download it first, so they run
as they are, with no file of the test's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy.typing as npt
import pytest
from browser_support import WAIT_MS, app_page, asgi_served

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SNIPPET_TIMEOUT = 60
"""Seconds a snippet may take to run (an interpreter start and one call)."""


def greet(name: str, count: float) -> str:
    return f"{name} x{int(count)}"


def shape(picture: npt.NDArray[Any]) -> list[int]:
    return list(picture.shape)


def invert(frame: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return 255 - frame


def api_demo(*, stream: bool = False) -> gr.Blocks:
    """Two public events (``/greet``, ``/shape``), a private one, and optionally a stream."""
    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name")
        count = gr.Number(label="Count", value=2)
        greeting = gr.Textbox(label="Greeting")
        gr.Button("Greet").click(greet, [name, count], greeting, api_name="greet")
        picture = gr.Image(label="Picture")
        size = gr.JSON(label="Size")
        picture.upload(shape, picture, size, api_name="shape")
        name.submit(greet, [name, count], greeting, api_name="hidden", api_visibility="private")
        if stream:
            camera = gr.Image(sources="webcam", streaming=True, label="camera")
            inverted = gr.Image(streaming=True, label="inverted")
            camera.stream(invert, camera, inverted, api_name="invert")
    return demo


def open_view(page: Page) -> None:
    page.get_by_role("link", name="Use via API").click()
    page.locator('[data-testid="api-view"] [data-endpoint]').first.wait_for()


def endpoints(page: Page) -> list[str]:
    return list(
        page.eval_on_selector_all(
            '[data-testid="api-view"] [data-endpoint]', "all => all.map(e => e.dataset.endpoint)"
        )
    )


def table_column(page: Page, endpoint: str, table: str) -> list[str]:
    """The first column of ``endpoint``'s ``table`` ("parameters" or "returns")."""
    selector = f'[data-endpoint="{endpoint}"] [data-testid="{table}"] tbody tr td:first-child'
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def snippet(page: Page, endpoint: str, client: str) -> str:
    """The text of ``endpoint``'s snippet for ``client``, as shown once chosen."""
    if client != "stream":
        page.get_by_test_id(f"api-client-{client}").check()
    code = page.locator(f'[data-endpoint="{endpoint}"] [data-client="{client}"] code')
    code.wait_for(state="visible")
    return code.text_content() or ""


def run_snippet(text: str, folder: Path, name: str) -> str:
    """Run the Python ``text`` as a script file in ``folder``; its stdout (checked to end
    well). The outside network is out of reach (proxies pointing nowhere)."""
    script = folder / f"{name}.py"
    script.write_text(text)
    env = {
        **os.environ,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed:\n{text}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_the_link_opens_the_view_of_every_public_endpoint(browser: Browser) -> None:
    demo = api_demo()
    with app_page(browser, demo) as page:
        open_view(page)
        view = page.get_by_role("dialog", name="Use via API")
        assert view.is_visible()
        assert endpoints(page) == ["/greet", "/shape"]  # not the private one
        assert table_column(page, "/greet", "parameters") == ["name", "count"]
        assert table_column(page, "/greet", "returns") == ["Greeting"]
        assert table_column(page, "/shape", "parameters") == ["picture"]
        assert table_column(page, "/shape", "returns") == ["Size"]
        rows = page.locator('[data-endpoint="/greet"] [data-testid="parameters"] tbody tr')
        assert rows.nth(1).inner_text().split("\t") == ["count", "float", "Number", "required"]
        assert page.get_by_test_id("api-root").inner_text() == demo.local_url
        for client in ("streamcore", "gradio_client", "gradio_js", "curl"):
            text = snippet(page, "/greet", client)
            assert demo.local_url in text
            assert '"Hello!!"' in text, text  # the info's example_input of the Textbox
        curl = snippet(page, "/shape", "curl")
        assert f'curl -s -X POST "{demo.local_url}gradio_api/call/shape"' in curl
        assert f'curl -N "{demo.local_url}gradio_api/call/shape/$EVENT_ID"' in curl
        assert '{"data":[{"url":"data:image/png;base64,' in curl  # the sample, inline
        js = snippet(page, "/shape", "gradio_js")
        assert 'import { Client, handle_file } from "@gradio/client";' in js
        assert f'await fetch("{demo.local_url}static/api-example.png")' in js
        assert "picture: handle_file(sample)," in js

        page.keyboard.press("Escape")
        view.wait_for(state="hidden")
        assert page.evaluate("document.activeElement.dataset.testid") == "api-link"
        page.keyboard.press("Enter")  # the link has the focus: the keyboard opens it again
        view.wait_for(state="visible")
        page.get_by_role("button", name="Close the API view").click()
        view.wait_for(state="hidden")


@pytest.mark.timeout(4 * SNIPPET_TIMEOUT)
@pytest.mark.parametrize("client", ["gradio_client", "streamcore"])
def test_the_snippets_run_against_the_live_server(
    browser: Browser, tmp_path: Path, client: str
) -> None:
    with app_page(browser, api_demo(stream=True)) as page:
        open_view(page)
        greet_code = snippet(page, "/greet", client)
        shape_code = snippet(page, "/shape", client)
        stream_code = snippet(page, "/invert", "stream") if client == "streamcore" else None
        assert greet_code.rstrip().endswith("print(result)")
        assert last_line(run_snippet(greet_code, tmp_path, "greet")) == "Hello!! x2"
        assert last_line(run_snippet(shape_code, tmp_path, "shape")) == "[48, 64, 3]"
        if stream_code is not None:
            lines = run_snippet(stream_code, tmp_path, "invert").split()
            assert " ".join(lines).count("(240, 320, 3)") == 10


def test_the_curl_body_is_accepted_by_the_server(browser: Browser) -> None:
    """The ``{"data": [...]}`` of the curl snippet (the picture inline as a data URL) runs
    the event through ``queue/join`` too (the ``call`` routes' calls are the same calls)."""
    demo = api_demo()
    with app_page(browser, demo) as page:
        open_view(page)
        curl = snippet(page, "/shape", "curl")
        body = json.loads(curl.split("-d '", 1)[1].split("'", 1)[0])
        assert completed_output(demo.local_url, "shape", body["data"]) == [[48, 64, 3]]


@pytest.mark.parametrize(
    ("api_name", "result"), [("/shape", "[[48, 64, 3]]"), ("/greet", '["Hello!! x2"]')]
)
def test_the_curl_snippet_runs_as_it_is(
    browser: Browser, tmp_path: Path, api_name: str, result: str
) -> None:
    """The snippet, run by bash with the real curl (CI installs it), prints the result."""
    demo = api_demo()
    with app_page(browser, demo) as page:
        open_view(page)
        script = tmp_path / "call.sh"
        script.write_text(snippet(page, api_name, "curl"))
        done = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "event: complete" in lines, done.stdout
    assert lines[lines.index("event: complete") + 1] == f"data: {result}"


def completed_output(root: str, api_name: str, data: list[Any]) -> Any:
    """Call ``api_name`` with ``data`` through Gradio's queue; the completed output data."""
    with urllib.request.urlopen(f"{root}config", timeout=10) as response:
        config = json.load(response)
    (fn_index,) = [d["id"] for d in config["dependencies"] if d["api_name"] == api_name]
    join = {"data": data, "fn_index": fn_index, "session_hash": "api-view-test"}
    request = urllib.request.Request(
        f"{root}gradio_api/queue/join",
        json.dumps(join).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert "event_id" in json.load(response)
    stream = f"{root}gradio_api/queue/data?session_hash=api-view-test"
    with urllib.request.urlopen(stream, timeout=30) as response:
        for line in response:
            if not line.startswith(b"data: "):
                continue
            message = json.loads(line[len(b"data: ") :])
            if message["msg"] == "process_completed":
                assert message["success"], message
                return message["output"]["data"]
    raise AssertionError("the event stream ended without process_completed")


def test_a_stream_event_is_listed_with_its_note_and_a_stream_snippet(browser: Browser) -> None:
    with app_page(browser, api_demo(stream=True)) as page:
        open_view(page)
        assert endpoints(page) == ["/greet", "/shape", "/invert"]
        section = page.locator('[data-endpoint="/invert"]')
        assert "WebSocket or WebRTC" in section.inner_text()
        clients = section.locator("[data-client]").evaluate_all(
            "all => all.map(e => e.dataset.client)"
        )
        assert clients == ["stream"]
        page.get_by_test_id("api-client-curl").check()  # shown whatever the chosen client
        assert 'client.stream(frames, api_name="/invert")' in snippet(page, "/invert", "stream")


@pytest.mark.timeout(2 * SNIPPET_TIMEOUT)
def test_the_view_works_under_a_prefix(browser: Browser, tmp_path: Path) -> None:
    fastapi = pytest.importorskip("fastapi")
    app = gr.mount_gradio_app(fastapi.FastAPI(), api_demo(), path="/lab/cams")
    with asgi_served(app) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{base}/lab/cams/")
            page.wait_for_function("window.streamcore && window.streamcore.ready === true")
            open_view(page)
            assert endpoints(page) == ["/greet", "/shape"]
            assert page.get_by_test_id("api-root").inner_text() == f"{base}/lab/cams/"
            code = snippet(page, "/shape", "streamcore")
            assert f'"{base}/lab/cams/static/api-example.png"' in code
            assert last_line(run_snippet(code, tmp_path, "shape")) == "[48, 64, 3]"
        finally:
            context.close()


def test_show_api_false_hides_the_link(browser: Browser) -> None:
    demo = api_demo()
    with app_page(browser, demo, launch_options={"show_api": False}) as page:
        with urllib.request.urlopen(f"{demo.local_url}config", timeout=10) as response:
            assert json.load(response)["show_api"] is False
        assert page.get_by_test_id("api-link").is_hidden()
        assert page.locator('[data-testid="api-view"]').count() == 0


def test_copy_puts_the_snippet_on_the_clipboard(browser: Browser) -> None:
    demo = api_demo()
    with app_page(browser, demo) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        open_view(page)
        text = snippet(page, "/greet", "gradio_client")
        button = page.locator('[data-endpoint="/greet"] [data-client="gradio_client"] button')
        button.click()
        page.get_by_role("status").filter(has_text="Copied to the clipboard").wait_for()
        assert button.inner_text() == "Copied"
        assert page.evaluate("navigator.clipboard.readText()") == text


def test_without_the_clipboard_api_copy_falls_back(browser: Browser) -> None:
    no_clipboard = "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
    with app_page(browser, api_demo(), init_script=no_clipboard) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        open_view(page)
        page.evaluate(
            """() => {
              window.copied = [];
              document.execCommand = (command) => {
                window.copied.push([command, document.activeElement.value]);
                return true;
              };
            }"""
        )
        text = snippet(page, "/greet", "streamcore")
        button = page.locator('[data-endpoint="/greet"] [data-client="streamcore"] button')
        button.click()
        page.wait_for_function("window.copied.length === 1")
        assert page.evaluate("window.copied") == [["copy", text]]
        assert button.inner_text() == "Copied"


def test_server_strings_are_shown_as_text(browser: Browser) -> None:
    label = '<img src=x onerror="window.injected=1">'
    with gr.Blocks() as demo:
        box = gr.Textbox(label="text")
        gr.Textbox(label=label).change(str.upper, box, None, api_name="echo")
        out = gr.Textbox(label=label)
        box.submit(str.upper, box, out, api_name="shout")
    with app_page(browser, demo) as page:
        open_view(page)
        assert table_column(page, "/shout", "returns") == [label]
        assert page.locator('[data-testid="api-view"] img').count() == 0
        assert page.evaluate("window.injected") is None


def test_the_address_hash_api_opens_the_view(browser: Browser) -> None:
    with app_page(browser, api_demo(), "#api") as page:
        page.locator('[data-testid="api-view"] [data-endpoint]').first.wait_for()
        assert page.get_by_role("dialog", name="Use via API").is_visible()
