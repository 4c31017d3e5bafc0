"""The choice and text components' page widgets in headless Chromium: each one is changed
like a user would, and the fn receives what the page shows (``browser_support.app_page``
also fails the test on any console error)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import app_page

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

INJECTED = '<img src="x" onerror="window.injected = true">'


def choice_demo() -> tuple[gr.Blocks, dict[str, int]]:
    with gr.Blocks() as demo:
        fruit = gr.Dropdown(["Apple", "Banana", "Cherry"], label="fruit")
        sizes = gr.Dropdown(
            [("Small", "s"), ("Medium", "m"), ("Large", "l")],
            value=["s"],
            multiselect=True,
            max_choices=2,
            type="index",
            label="sizes",
        )
        city = gr.Dropdown(["Paris", "Rome"], allow_custom_value=True, label="city")
        size = gr.Radio([("Small", "s"), ("Large", "l")], label="size")
        agree = gr.Checkbox(label="agree")
        toppings = gr.CheckboxGroup(["ham", "egg", "kale"], value=["ham"], label="toppings")
        colour = gr.ColorPicker("#000000", label="colour")
        code = gr.Code("x = 1", language="python", label="code")
        page_html = gr.HTML("<p>Hi <b class='bold-word'>there</b></p>")
        html_clicks = gr.Textbox(label="html clicks")
        spans = gr.HighlightedText(label="spans", show_legend=True)
        gr.DuplicateButton()
        received = gr.Textbox(label="received")
        send = gr.Button("Send")

        def echo(*values: Any) -> tuple[str, list[tuple[str, str | None]]]:
            return json.dumps(values), [("code: ", None), (values[-1], "CODE")]

        send.click(
            echo,
            [fruit, sizes, city, size, agree, toppings, colour, code],
            [received, spans],
        )
        page_html.click(lambda: "clicked", None, html_clicks)
    return demo, {"received": received.id, "html_clicks": html_clicks.id}


def test_each_widget_changed_on_the_page_reaches_the_fn(browser: Browser) -> None:
    demo, parts = choice_demo()
    with app_page(browser, demo) as page:
        assert page.get_by_label("fruit").input_value() == "0"  # the first choice by default
        page.get_by_label("fruit").select_option(label="Banana")
        page.get_by_label("sizes").select_option(label=["Small", "Large"])
        page.get_by_label("city").fill("Oslo")
        page.get_by_label("city").press("Enter")
        page.get_by_label("city").blur()
        page.get_by_role("radio", name="Large").check()
        page.get_by_role("checkbox", name="agree").check()
        page.get_by_role("checkbox", name="ham").uncheck()
        page.get_by_role("checkbox", name="kale").check()
        page.get_by_role("checkbox", name="egg").check()
        page.get_by_label("colour").fill("#ff8800")
        page.get_by_label("code").fill(f"print('hi')\n{INJECTED}")
        page.get_by_role("button", name="Send").click()
        page.wait_for_function(
            "id => document.getElementById(id).value !== ''", arg=f"component-{parts['received']}"
        )
        page.wait_for_function(
            "() => document.querySelector('.highlight[data-label=CODE]') !== null"
        )
        received = json.loads(page.get_by_label("received").input_value())

        bold = page.locator(".block-html .bold-word")
        assert bold.text_content() == "there"  # the app's HTML is shown as HTML
        bold.click()
        page.wait_for_function(
            "id => document.getElementById(id).value === 'clicked'",
            arg=f"component-{parts['html_clicks']}",
        )

        code_span = page.locator(".highlight[data-label=CODE]")
        assert code_span.evaluate("e => e.firstChild.textContent").endswith(INJECTED)
        assert code_span.locator("img").count() == 0  # a user's text stays text
        assert page.evaluate("window.injected === undefined")
        assert page.locator(".highlight-legend").is_visible()
        assert page.get_by_role("button", name="Duplicate Space").is_visible()

    assert received == [
        "Banana",
        [0, 2],  # type="index"
        "Oslo",  # a custom value
        "l",
        True,
        ["kale", "egg"],  # in the order they were ticked, as Gradio
        "#ff8800",
        f"print('hi')\n{INJECTED}",
    ]
