"""What the page shows around a run, as Gradio's (headless Chromium with a fake camera): the
webcam fills its component with its buttons on the video, a stream with a time limit shows
a bar that empties over it, and a call counts its seconds, then each output says how long
it took."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import app_page

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def bounds(page: Page, selector: str) -> dict[str, Any]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return dict(found)


def test_the_webcam_fills_its_block_with_the_button_on_the_video(browser: Browser) -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True, label="camera")
        out = gr.Image(label="out")
        camera.stream(lambda frame: frame, camera, out, time_limit=20, stream_every=0.1)
    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1000, "height": 900})
        page.get_by_test_id("start-camera").click()
        page.wait_for_function(
            "document.querySelector('[data-component] video.image-video').videoWidth > 0"
        )
        frame = bounds(page, '.block:has([data-testid="start-camera"]) .image-frame')
        video = bounds(page, '.block:has([data-testid="start-camera"]) .image-video')
        assert video["width"] > 0.95 * frame["width"]  # full width
        stop = bounds(page, '[data-testid="stop-camera"]')
        assert frame["y"] < stop["y"]
        assert stop["y"] + stop["height"] <= frame["y"] + frame["height"]
        bar = page.get_by_test_id("time-limit-camera")
        bar.wait_for(state="attached")
        assert bar.evaluate("(el) => getComputedStyle(el).animationDuration") == "20s"
        page.get_by_test_id("stop-camera").click()
        bar.wait_for(state="detached")


def test_a_call_counts_its_seconds_and_each_output_shows_how_long_it_took(
    browser: Browser,
) -> None:
    release = threading.Event()

    def slow(text: str) -> str:
        release.wait(10)
        return text.upper()

    with gr.Blocks() as demo:
        words = gr.Textbox(label="words")
        loud = gr.Textbox(label="loud")
        gr.Button("Go").click(slow, words, loud)
    with app_page(browser, demo) as page:
        page.get_by_label("words").fill("hey")
        page.get_by_role("button", name="Go").click()
        status = page.locator(".block", has=page.get_by_label("loud")).locator(".block-progress")
        page.wait_for_function(
            "(el) => /Running… [0-9]+\\.[0-9]s/.test(el.textContent)", arg=status.element_handle()
        )
        first = float(status.inner_text().split()[-1].rstrip("s"))
        page.wait_for_timeout(400)
        assert float(status.inner_text().split()[-1].rstrip("s")) > first  # it counts
        release.set()
        page.wait_for_function(
            "(el) => el.value === 'HEY'", arg=page.get_by_label("loud").element_handle()
        )
        duration = page.get_by_test_id("duration-loud")
        assert re.fullmatch(r"[0-9]+\.[0-9]s", duration.inner_text())
        assert float(duration.inner_text().rstrip("s")) >= 0.4
        assert status.is_hidden()
