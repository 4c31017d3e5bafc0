"""The page's Dataframe and Examples in headless Chromium: an example's image shows as a
thumbnail, clicking the example loads it (and its text) into the inputs, the loaded image
goes back to a fn, and an edited table cell reaches the fn."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import PIL.Image
import pytest
from browser_support import app_page, mean_colour

import streamcore as gr
from streamcore.media.files import current_file_access, use_file_access

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def red_level(image: np.ndarray[Any, Any]) -> str:
    return str(round(float(image[..., 0].mean())))


def tables_demo(folder: Path) -> gr.Blocks:
    """An image + text example, and an editable table whose changes a fn echoes."""
    red = folder / "red.png"
    PIL.Image.new("RGB", (40, 30), (220, 30, 40)).save(red)
    # the author's example file lives in the app's folder (readable, as the working directory)
    policy = current_file_access.get()
    with use_file_access(dataclasses.replace(policy, allowed_paths=(folder,))), gr.Blocks() as demo:
        photo = gr.Image(label="photo")
        name = gr.Textbox(label="name")
        gr.Examples([[str(red), "Ada"]], [photo, name])
        level = gr.Textbox(label="level")
        gr.Button("Measure").click(red_level, photo, level)
        table = gr.Dataframe([[1, 2], [3, 4]], headers=["a", "b"], type="array", label="table")
        seen = gr.Textbox(label="seen")
        table.change(json.dumps, table, seen)
    return demo


def test_an_example_fills_the_inputs_and_an_edited_cell_reaches_the_fn(
    browser: Browser, tmp_path: Path
) -> None:
    with app_page(browser, tables_demo(tmp_path)) as page:
        thumbnail = page.locator('[data-testid="sample-0"] img.sample-thumbnail')
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 40", arg=thumbnail.element_handle()
        )
        page.click('[data-testid="sample-0"]')
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"output-photo\"]').naturalWidth === 40"
        )
        assert page.get_by_label("name").input_value() == "Ada"
        shown = mean_colour(page, '[data-testid="output-photo"]')
        page.get_by_role("button", name="Measure").click()
        page.wait_for_function(
            "id => document.getElementById(id).value !== ''", arg=_field(page, "level")
        )
        level = page.get_by_label("level").input_value()

        cell = page.locator('[data-testid="dataframe-table"] input[data-cell="1,0"]')
        assert cell.input_value() == "3"
        cell.fill("10")
        cell.press("Tab")
        page.wait_for_function(
            "id => document.getElementById(id).value !== ''", arg=_field(page, "seen")
        )
        seen = page.get_by_label("seen").input_value()

    assert np.allclose(shown, [220, 30, 40], atol=6), shown
    assert abs(int(level) - 220) <= 3, "the fn received the example's picture"
    assert json.loads(seen) == [[1, 2], [10, 4]]


def _field(page: Any, label: str) -> str:
    """The id of the text field labelled ``label``."""
    return str(page.get_by_label(label).get_attribute("id"))
