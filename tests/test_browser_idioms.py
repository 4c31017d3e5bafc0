"""The idioms in headless Chromium: a fn with ``gr.Progress`` shows a progress bar with its
description on the output while it runs, ``gr.Info`` shows a toast, and ``gr.update``
changes an output's label (``transports/static/js/app.js``, ``components/block.js``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import app_page

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_progress_bar_info_toast_and_an_updated_label(browser: Browser) -> None:
    release = threading.Event()

    def work(text: str, progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008 - Gradio's idiom
        gr.Info(f"working on {text}")
        for _ in progress.tqdm(range(4), desc="Denoising"):
            if _ == 2:  # hold the run at step 2 until the test has seen the bar
                release.wait(20)
        return gr.update(label="Finished", value=text.upper())

    with gr.Blocks() as demo:
        text = gr.Textbox(label="Prompt")
        out = gr.Textbox(label="Result")
        button = gr.Button("Go")
        button.click(work, text, out)

    with app_page(browser, demo) as page:
        page.get_by_label("Prompt").fill("cat")
        page.get_by_role("button", name="Go").click()
        toast = page.locator(".toast-info")
        toast.wait_for()
        assert "working on cat" in toast.inner_text()
        result = page.locator(".block", has=page.get_by_label("Result"))
        bar = result.locator("[role=progressbar]")
        bar.wait_for()
        page.wait_for_function(
            "document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') === '50'"
        )
        assert "Denoising 2/4 steps" in result.locator(".block-progress").inner_text()
        release.set()
        page.get_by_label("Finished").wait_for()
        assert page.get_by_label("Finished").input_value() == "CAT"
        assert result.locator("[role=progressbar]").count() == 0
        assert page.get_by_label("Result").count() == 0


def test_updates_hide_a_component_and_render_new_props(browser: Browser) -> None:
    with gr.Blocks() as demo:
        note = gr.Textbox(label="Note", value="kept")
        secret = gr.Textbox(label="Secret")
        button = gr.Button("Change")
        button.click(
            lambda: (gr.update(interactive=False, placeholder="locked"), gr.Textbox(visible=False)),
            None,
            [note, secret],
        )

    with app_page(browser, demo) as page:
        assert page.get_by_label("Secret").is_visible()
        page.get_by_role("button", name="Change").click()
        page.get_by_label("Secret").wait_for(state="hidden")
        field = page.get_by_label("Note")
        page.wait_for_function("document.querySelector('[placeholder=locked]') !== null")
        assert field.get_attribute("readonly") is not None
        assert field.input_value() == "kept"
