"""End-to-end tests of the browser page (``transports/static``) in headless Chromium.

Each test serves a small app on a free port, opens the page in a fresh browser context
and drives it like a user; the fake camera of Chromium feeds the webcam. Streams use the
page's default transport (WebRTC, since Chromium has it) unless the test asks for
``?transport=websocket``; ``test_browser_webrtc.py`` tests the WebRTC mode itself. Every test
also checks that the page logged no console error and raised no uncaught exception
(``browser_support.app_page``). Synchronisation is by ``wait_for_function`` / locator
waits, never by sleeping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import PIL.Image
import pytest
from browser_support import app_page, asgi_served, mean_colour

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])


def sepia(img: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The seed's sepia filter, as documented."""
    out: npt.NDArray[Any] = img.dot(SEPIA.T)
    out /= out.max()
    return out


def sepia_stream_demo(time_limit: float = 30) -> gr.Blocks:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True, label="camera")
        out = gr.Image(streaming=True, label="sepia")
        camera.stream(sepia, camera, out, stream_every=0.1, time_limit=time_limit)
    return demo


def test_webcam_stream_over_websocket_receives_processed_frames(browser: Browser) -> None:
    with app_page(browser, sepia_stream_demo(), "?transport=websocket") as page:
        page.click('[data-testid="start-camera"]')
        page.wait_for_function("window.streamcore.stats.received >= 5")
        camera = mean_colour(page, ".block-image video")
        page.click('[data-testid="stop-camera"]')
        page.locator('[data-testid="start-camera"]').wait_for(state="visible")
        red, green, blue = mean_colour(page, '[data-testid="output-sepia"]')
        stats = page.evaluate("window.streamcore.stats")

    assert red >= green >= blue, (red, green, blue)
    assert red - blue > 10, "a sepia tint, not grey"
    assert abs(red - camera[0]) > 30, f"not a copy of the camera picture {camera}"
    assert stats["sent"] >= stats["received"] >= 5
    assert stats["latency_ms_p50"] > 0
    assert isinstance(stats["dropped"], int)


def test_stream_rejoins_after_its_time_limit(browser: Browser) -> None:
    with app_page(browser, sepia_stream_demo(time_limit=0.5)) as page:
        page.click('[data-testid="start-camera"]')
        note = page.get_by_text("reached its time limit of 0.5 s and rejoined")
        note.wait_for(state="visible")
        received = page.evaluate("window.streamcore.stats.received")
        page.wait_for_function(f"window.streamcore.stats.received > {received}")
        page.click('[data-testid="stop-camera"]')
        page.locator('[data-testid="start-camera"]').wait_for(state="visible")


def test_upload_then_submit_shows_the_output_file(browser: Browser, tmp_path: Path) -> None:
    flat = tmp_path / "flat.png"
    PIL.Image.new("RGB", (64, 48), (200, 100, 50)).save(flat)
    expected = sepia(np.array([[[200, 100, 50]]], dtype=np.uint8))[0, 0] * 255

    with app_page(browser, gr.Interface(sepia, gr.Image(), "image")) as page:
        page.set_input_files('[data-testid="upload-img"]', str(flat))
        page.get_by_role("button", name="Submit").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=\"output-output\"]').src.includes('/file=')"
        )
        colour = mean_colour(page, '[data-testid="output-output"]')

    assert np.allclose(colour, expected, atol=8), (colour, expected)


def assert_error_shown(page: Page, text: str) -> None:
    """``text`` is shown in a component's area and in an alert toast, and is ``lastError``."""
    page.locator(".block-message", has_text=text).first.wait_for(state="visible")
    page.locator(".toast-error", has_text=text).first.wait_for(state="visible")
    assert page.evaluate("window.streamcore.lastError") == text


def test_an_error_of_the_fn_is_shown(browser: Browser) -> None:
    def fail(text: str) -> str:
        raise gr.Error("bad things")

    with app_page(browser, gr.Interface(fail, "textbox", "textbox")) as page:
        page.get_by_label("text").fill("hello")
        page.get_by_role("button", name="Submit").click()
        page.wait_for_function("window.streamcore.lastError !== null")
        assert_error_shown(page, "bad things")


def test_an_error_of_a_stream_fn_is_shown(browser: Browser) -> None:
    def fail(img: npt.NDArray[Any]) -> npt.NDArray[Any]:
        raise gr.Error("bad things")

    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True, label="camera")
        out = gr.Image(streaming=True, label="out")
        camera.stream(fail, camera, out, stream_every=0.1)

    with app_page(browser, demo) as page:
        page.click('[data-testid="start-camera"]')
        assert_error_shown(page, "bad things")
        page.locator('[data-testid="start-camera"]').wait_for(state="visible")


def test_select_sends_the_clicked_pixel(browser: Browser) -> None:
    picture = np.zeros((100, 200, 3), dtype=np.uint8)
    with gr.Blocks() as demo:
        image = gr.Image(value=picture, label="picture", interactive=False)
        where = gr.Textbox(label="where")

        def clicked(event: gr.SelectData) -> str:
            return json.dumps(event.index)

        image.select(clicked, None, where)

    with app_page(browser, demo) as page:
        shown = page.locator('[data-testid="output-picture"]')
        page.wait_for_function(
            "document.querySelector('[data-testid=\"output-picture\"]').naturalWidth === 200"
        )
        shown.click(position={"x": 37, "y": 21})
        page.wait_for_function(
            "id => document.getElementById(id).value !== ''", arg=f"component-{where.id}"
        )
        x, y = json.loads(page.get_by_label("where").input_value())
        size = shown.bounding_box()

    assert size is not None
    assert (size["width"], size["height"]) == (200, 100), "shown at its natural size"
    assert abs(x - 37) <= 1
    assert abs(y - 21) <= 1


def test_a_user_logs_in_through_the_form_then_streams(browser: Browser) -> None:
    demo = sepia_stream_demo()
    demo.launch(
        server_port=0,
        prevent_thread_lock=True,
        quiet=True,
        auth=("ada", "lovelace"),
        auth_message="Cameras of the lab",
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(str(demo.local_url))
        assert page.url.endswith("/login")
        page.get_by_text("Cameras of the lab").wait_for()
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("babbage")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("alert").filter(has_text="Incorrect credentials.").wait_for()
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("lovelace")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_function("window.streamcore && window.streamcore.ready === true")
        page.click('[data-testid="start-camera"]')
        page.wait_for_function("window.streamcore.stats.received >= 3")
    finally:
        context.close()
        demo.close()


@pytest.mark.parametrize("transport", ["websocket", "webrtc"])
def test_the_page_streams_when_mounted_under_a_prefix(browser: Browser, transport: str) -> None:
    fastapi = pytest.importorskip("fastapi")
    app = gr.mount_gradio_app(fastapi.FastAPI(), sepia_stream_demo(), path="/lab/cams")
    with asgi_served(app) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{base}/lab/cams/?transport={transport}")
            page.wait_for_function("window.streamcore && window.streamcore.ready === true")
            page.click('[data-testid="start-camera"]')
            page.wait_for_function("window.streamcore.stats.received >= 3")
            assert page.evaluate("window.streamcore.transport") == transport
        finally:
            context.close()


def test_an_open_page_is_not_closed_as_idle(browser: Browser) -> None:
    """The page pings often enough that ``session_idle_timeout`` never closes it."""
    demo = gr.Interface(lambda text: text, "textbox", "textbox")
    options = {"session_idle_timeout": 0.6}
    with app_page(browser, demo, launch_options=options) as page:
        page.wait_for_timeout(2000)
        assert page.evaluate("window.streamcore.ready") is True
        assert page.locator("#banner").is_hidden()
