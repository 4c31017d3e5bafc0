"""Widgets of the page that show images or hold other blocks, in headless Chromium: the
``Gallery`` grid with captions whose click reaches a ``select`` fn with the index, the
``ImageSlider`` pair whose slider moves the split, the ``AnnotatedImage`` base image with
its boxes and masks drawn over it and their labels in the legend, the ``Group`` that draws
its children as one block, and the ``Sidebar`` at the side of the page that opens, closes
and fires ``expand`` / ``collapse``.

Colours are read from the decoded images (:func:`mean_colour`) and from screenshots of the
page, where what is drawn over what matters (the slider's split, the annotations)."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import PIL.Image
import pytest
from browser_support import app_page, mean_colour

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.browser

RED = (230, 20, 20)
GREEN = (20, 200, 40)
BLUE = (20, 40, 220)
GREY = (128, 128, 128)


def solid(colour: tuple[int, int, int], width: int = 64, height: int = 48) -> np.ndarray:
    return np.full((height, width, 3), colour, np.uint8)


def assert_colour(found: Any, wanted: tuple[int, int, int], tolerance: float = 12) -> None:
    assert all(abs(float(f) - w) <= tolerance for f, w in zip(found, wanted, strict=True)), (
        f"{[round(float(f)) for f in found]} is not {list(wanted)}"
    )


def assert_tinted(found: tuple[int, int, int], plain: tuple[int, int, int], channel: int) -> None:
    """``found`` is ``plain`` with a colour drawn over it that is strong in ``channel`` only."""
    for index in range(3):
        if index == channel:
            assert found[index] > plain[index] + 40, (found, plain)
        else:
            assert found[index] < plain[index] - 20, (found, plain)


def drawn_colour(element: Locator, x: float, y: float) -> tuple[int, int, int]:
    """The colour the page shows at ``(x, y)``, fractions of ``element``'s width and height
    (the mean of a 5x5 patch of a screenshot of it)."""
    element.scroll_into_view_if_needed()
    with PIL.Image.open(io.BytesIO(element.screenshot(animations="disabled"))) as shot:
        pixels = np.asarray(shot.convert("RGB"), np.float64)
    height, width = pixels.shape[:2]
    column, row = round(x * (width - 1)), round(y * (height - 1))
    patch = pixels[max(row - 2, 0) : row + 3, max(column - 2, 0) : column + 3]
    red, green, blue = patch.reshape(-1, 3).mean(axis=0)
    return round(red), round(green), round(blue)


def wait_for_value(page: Page, component: gr.Component, wanted: str) -> None:
    page.wait_for_function(
        "([id, wanted]) => document.getElementById(id).value === wanted",
        arg=[f"component-{component.id}", wanted],
    )


def box_of(element: Locator) -> dict[str, float]:
    """Where ``element`` is drawn: its ``x``, ``y``, ``width`` and ``height``."""
    found = element.bounding_box()
    assert found is not None
    return {name: float(found[name]) for name in ("x", "y", "width", "height")}


# -- Gallery ---------------------------------------------------------------------------------


def test_the_gallery_shows_its_images_in_a_grid_and_a_click_selects_one(
    browser: Browser,
) -> None:
    with gr.Blocks() as demo:
        gallery = gr.Gallery(label="pictures", columns=3)
        chosen = gr.Textbox(label="chosen")
        gr.Button("Paint").click(
            lambda: [(solid(RED), "red"), (solid(GREEN), "green"), (solid(BLUE), "blue")],
            None,
            gallery,
        )

        def picked(event: gr.SelectData) -> str:
            return json.dumps([event.index, event.value["caption"], event.selected])

        gallery.select(picked, None, chosen)

    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1000, "height": 900})
        page.get_by_role("button", name="Paint").click()
        figures = page.locator('[data-testid="gallery-pictures"] figure')
        figures.nth(2).locator("img").wait_for()
        assert figures.count() == 3
        assert figures.locator("figcaption").all_inner_texts() == ["red", "green", "blue"]
        for index, colour in enumerate([RED, GREEN, BLUE]):
            selector = f'[data-testid="gallery-pictures"] figure:nth-child({index + 1}) img'
            assert_colour(mean_colour(page, selector), colour)
        boxes = [box_of(figures.nth(index)) for index in range(3)]
        assert all(abs(b["y"] - boxes[0]["y"]) < 2 for b in boxes), "one row of three"
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]

        figures.nth(1).click()
        wait_for_value(page, chosen, json.dumps([1, "green", True]))
        assert "selected" in (figures.nth(1).get_attribute("class") or "")
        figures.nth(2).click()
        wait_for_value(page, chosen, json.dumps([2, "blue", True]))
        assert "selected" not in (figures.nth(1).get_attribute("class") or "")


# -- ImageSlider -----------------------------------------------------------------------------


def test_the_image_slider_shows_the_pair_and_the_slider_moves_the_split(
    browser: Browser,
) -> None:
    with gr.Blocks() as demo:
        pair = gr.ImageSlider(label="pair")
        gr.Button("Compare").click(lambda: (solid(RED), solid(BLUE)), None, pair)

    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1000, "height": 900})
        page.get_by_role("button", name="Compare").click()
        frame = page.locator('[data-testid="imageslider-pair"]')
        page.wait_for_function(
            "(frame) => [...frame.querySelectorAll('img')].every("
            "(img) => !img.hidden && img.complete && img.naturalWidth === 64)",
            arg=frame.element_handle(),
        )
        assert_colour(mean_colour(page, '[data-testid="imageslider-pair"] img:nth-child(1)'), RED)
        assert_colour(mean_colour(page, '[data-testid="imageslider-pair"] img:nth-child(2)'), BLUE)
        # split at the middle: the first image on the left, the second on the right
        assert_colour(drawn_colour(frame, 0.3, 0.5), RED)
        assert_colour(drawn_colour(frame, 0.7, 0.5), BLUE)

        slider = page.get_by_label("slider position")
        track = box_of(slider)
        page.mouse.click(track["x"] + 0.9 * track["width"], track["y"] + track["height"] / 2)
        assert int(slider.input_value()) > 80
        assert_colour(drawn_colour(frame, 0.7, 0.5), RED)  # the split moved right
        assert_colour(drawn_colour(frame, 0.97, 0.5), BLUE)

        page.mouse.click(track["x"] + 0.1 * track["width"], track["y"] + track["height"] / 2)
        assert int(slider.input_value()) < 20
        assert_colour(drawn_colour(frame, 0.3, 0.5), BLUE)  # and back left


# -- AnnotatedImage --------------------------------------------------------------------------


def test_the_annotated_image_draws_boxes_and_masks_over_the_image_with_a_legend(
    browser: Browser,
) -> None:
    def annotate() -> tuple[np.ndarray, list[tuple[Any, str]]]:
        mask = np.zeros((80, 100))
        mask[50:, 60:] = 1.0  # the bottom-right corner
        return solid(GREY, 100, 80), [((5, 5, 45, 45), "cat"), (mask, "dog")]

    with gr.Blocks() as demo:
        picture = gr.AnnotatedImage(label="scene", color_map={"cat": "#00ff00", "dog": "#0000ff"})
        chosen = gr.Textbox(label="chosen")
        gr.Button("Annotate").click(annotate, None, picture)

        def picked(event: gr.SelectData) -> str:
            return json.dumps([event.index, event.value])

        picture.select(picked, None, chosen)

    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1000, "height": 900})
        page.get_by_role("button", name="Annotate").click()
        frame = page.locator('[data-testid="annotatedimage-scene"]')
        page.wait_for_function(
            "(frame) => frame.querySelectorAll('img').length === 3 && [...frame"
            ".querySelectorAll('img')].every((img) => img.complete && img.naturalWidth === 100)",
            arg=frame.element_handle(),
        )
        assert_colour(mean_colour(page, '[data-testid="annotatedimage-scene"] img'), GREY)
        plain = drawn_colour(frame, 0.75, 0.25)  # neither box nor mask
        assert_colour(plain, GREY)
        in_box = drawn_colour(frame, 0.25, 0.3)  # inside the box, off its border
        assert_tinted(in_box, plain, 1)  # green
        in_mask = drawn_colour(frame, 0.85, 0.85)
        assert_tinted(in_mask, plain, 2)  # blue

        legend = page.locator(".annotated-legend button")
        assert legend.all_inner_texts() == ["cat", "dog"]
        legend.nth(1).click()
        wait_for_value(page, chosen, json.dumps([1, "dog"]))


# -- Group -----------------------------------------------------------------------------------


def test_a_group_draws_its_children_as_one_block_without_gaps(browser: Browser) -> None:
    with gr.Blocks() as demo:
        with gr.Group():
            gr.Textbox(label="first name")
            gr.Textbox(label="last name")
        gr.Textbox(label="apart 1")
        gr.Textbox(label="apart 2")

    def block(page: Page, label: str) -> Locator:
        return page.locator(".block", has=page.get_by_label(label, exact=True))

    def style(element: Locator, name: str) -> str:
        return str(element.evaluate("(el, name) => getComputedStyle(el)[name]", name))

    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1000, "height": 900})
        first, last = block(page, "first name"), block(page, "last name")
        one, two = box_of(first), box_of(last)
        assert abs(two["y"] - (one["y"] + one["height"])) < 1, "no gap inside the group"
        apart1, apart2 = box_of(block(page, "apart 1")), box_of(block(page, "apart 2"))
        assert apart2["y"] - (apart1["y"] + apart1["height"]) > 4, "blocks outside keep gaps"

        group = page.locator(".layout-group")
        assert style(group, "borderTopWidth") == "1px", "the group draws the one frame"
        grouped = box_of(group)
        assert abs(grouped["y"] + 1 - one["y"]) < 1
        assert abs(grouped["y"] + grouped["height"] - 1 - (two["y"] + two["height"])) < 1
        for child in (first, last):  # no frames of their own, one line between them
            assert style(child, "borderTopWidth") == "0px"
            assert style(child, "borderLeftWidth") == "0px"
            assert style(child, "borderTopLeftRadius") == "0px"
        assert style(first, "borderBottomWidth") == "1px"
        assert style(last, "borderBottomWidth") == "0px"


# -- Sidebar ---------------------------------------------------------------------------------


def test_the_sidebar_opens_and_closes_at_the_side_firing_expand_and_collapse(
    browser: Browser,
) -> None:
    with gr.Blocks() as demo:
        with gr.Sidebar(width=300) as sidebar:
            gr.Textbox(label="setting")
        said = gr.Textbox(label="said")
        sidebar.expand(lambda: "expanded", None, said)
        sidebar.collapse(lambda: "collapsed", None, said)

    with app_page(browser, demo) as page:
        page.set_viewport_size({"width": 1200, "height": 800})
        setting = page.get_by_label("setting", exact=True)
        panel = page.locator(".layout-sidebar")
        assert setting.is_visible()  # open at first
        opened = box_of(panel)
        assert (opened["x"], opened["y"]) == (0, 0)
        assert opened["height"] == 800, "the page's full height"
        assert abs(opened["width"] - 300) < 1
        assert box_of(setting)["x"] < 300
        said_box = page.locator(".block", has=page.get_by_label("said", exact=True))
        assert box_of(said_box)["x"] >= 300, "the page's content is pushed clear of the panel"

        panel.locator("summary").click()
        wait_for_value(page, said, "collapsed")
        assert not setting.is_visible()
        assert box_of(panel)["width"] < 100
        assert box_of(said_box)["x"] < 100, "and comes back when it closes"

        panel.locator("summary").click()
        wait_for_value(page, said, "expanded")
        assert setting.is_visible()
        assert abs(box_of(panel)["width"] - 300) < 1
        assert box_of(said_box)["x"] >= 300

        page.set_viewport_size({"width": 600, "height": 800})  # a phone: the panel overlays
        assert box_of(said_box)["x"] < 100
        assert setting.is_visible()


def test_upload_button_uploads_the_chosen_file_to_its_upload_event(
    browser: Browser, tmp_path: Any
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello from the page")

    def read(path: str) -> str:
        with open(path, encoding="utf-8") as file:
            return file.read().upper()

    with gr.Blocks() as demo:
        button = gr.UploadButton("Send a file", file_types=[".txt"])
        said = gr.Textbox(label="said")
        button.upload(read, button, said)
    with app_page(browser, demo) as page:
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Send a file").click()
        chooser.value.set_files(str(notes))
        page.wait_for_function(
            "(el) => el.value === 'HELLO FROM THE PAGE'",
            arg=page.get_by_label("said").element_handle(),
        )


def test_clear_button_empties_its_components_on_the_page(browser: Browser) -> None:
    with gr.Blocks() as demo:
        words = gr.Textbox("some words", label="words")
        count = gr.Number(7, label="count")
        gr.ClearButton([words, count], value="Wipe")
    with app_page(browser, demo) as page:
        words_field, count_field = page.get_by_label("words"), page.get_by_label("count")
        assert words_field.input_value() == "some words"
        page.get_by_role("button", name="Wipe").click()
        page.wait_for_function(
            "([a, b]) => a.value === '' && b.value === ''",
            arg=[words_field.element_handle(), count_field.element_handle()],
        )
