"""The page lays an app out as Gradio does (headless Chromium): rows side by side that wrap
when narrow, columns stacked, tabs that switch and fire ``select``, accordions that fold and
fire ``expand``, and the Interface's two columns with Clear."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from browser_support import app_page

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def box(page: Page, label: str) -> dict[str, Any]:
    """Where the component labelled ``label`` is drawn."""
    block = page.locator(".block", has=page.get_by_label(label, exact=True))
    found = block.bounding_box()
    assert found is not None, label
    return dict(found)


def layout_demo() -> gr.Blocks:
    with gr.Blocks() as demo:
        with gr.Row():
            with gr.Column(scale=2, min_width=200):
                gr.Textbox(label="left")
            with gr.Column(scale=1, min_width=200):
                gr.Textbox(label="right")
        with gr.Tabs():
            with gr.Tab("First") as first:
                gr.Textbox(label="in first")
            with gr.Tab("Second") as second:
                gr.Textbox(label="in second")
        with gr.Accordion("Details", open=False) as details:
            gr.Textbox(label="folded")
        said = gr.Textbox(label="said")
        first.select(lambda: "first", None, said)
        second.select(lambda: "second", None, said)
        details.expand(lambda: "expanded", None, said)
    return demo


def test_rows_columns_tabs_and_accordions(browser: Browser) -> None:
    with app_page(browser, layout_demo()) as page:
        page.set_viewport_size({"width": 1200, "height": 900})
        left = box(page, "left")
        right = box(page, "right")
        assert abs(left["y"] - right["y"]) < 2  # side by side
        assert left["x"] < right["x"]
        assert left["width"] > 1.6 * right["width"]  # scale 2 against 1

        assert page.get_by_label("in first", exact=True).is_visible()
        assert not page.get_by_label("in second", exact=True).is_visible()
        page.get_by_role("tab", name="Second").click()
        assert page.get_by_label("in second", exact=True).is_visible()
        assert not page.get_by_label("in first", exact=True).is_visible()
        said = page.get_by_label("said")
        page.wait_for_function("(el) => el.value === 'second'", arg=said.element_handle())

        assert not page.get_by_label("folded").is_visible()
        page.get_by_text("Details").click()
        assert page.get_by_label("folded").is_visible()
        page.wait_for_function("(el) => el.value === 'expanded'", arg=said.element_handle())

        page.set_viewport_size({"width": 420, "height": 900})  # narrow: the row wraps
        left = box(page, "left")
        right = box(page, "right")
        assert right["y"] > left["y"] + left["height"] - 2


def test_the_interface_has_two_columns_and_clear_empties_them(browser: Browser) -> None:
    demo = gr.Interface(
        lambda text: text.upper(),
        gr.Textbox(label="words"),
        gr.Textbox(label="loud"),
        title="Shout",
        description="Says it louder.",
    )
    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1200, "height": 900})
        assert page.get_by_role("heading", name="Shout").is_visible()
        assert page.get_by_text("Says it louder.").is_visible()
        words = page.get_by_label("words")
        loud = page.get_by_label("loud")
        assert box(page, "words")["x"] < box(page, "loud")["x"]
        words.fill("hey")
        page.get_by_role("button", name="Submit").click()
        page.wait_for_function("(el) => el.value === 'HEY'", arg=loud.element_handle())
        page.get_by_role("button", name="Clear").click()
        page.wait_for_function(
            "([a, b]) => a.value === '' && b.value === ''",
            arg=[words.element_handle(), loud.element_handle()],
        )
