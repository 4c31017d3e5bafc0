"""Gradio's small helpers apps use: ``gr.themes`` (accepted, not drawn), ``gr.ClearButton``,
``gr.skip()`` and ``gr.NO_RELOAD``."""

from __future__ import annotations

from typing import Any

import pytest

import streamcore as gr


def test_themes_are_accepted_with_their_options_and_set() -> None:
    theme = gr.themes.Soft(primary_hue=gr.themes.colors.blue, radius_size=gr.themes.sizes.radius_md)
    assert theme.set(button_primary_background_fill="red") is theme
    assert theme.options["button_primary_background_fill"] == "red"
    assert theme.options["primary_hue"].name == "blue"
    assert isinstance(theme, gr.themes.Base)
    font = gr.themes.GoogleFont("Inter")
    with gr.Blocks(theme=theme, css=".x { color: red }", js="() => {}", head="<meta>") as demo:
        gr.Textbox()
    gr.Interface(str.upper, "text", "text", theme=gr.themes.Monochrome(font=[font]))
    assert demo.config["components"]
    with pytest.raises(AttributeError):
        gr.themes.colors.__missing__  # noqa: B018 - dunder names are not colours


def test_clear_button_empties_what_it_was_given_and_what_add_adds() -> None:
    with gr.Blocks() as demo:
        words = gr.Textbox("start")
        count = gr.Number(3)
        kept = gr.State("mine")
        clear = gr.ClearButton([words, kept], value="Wipe")
        clear.add(count)
    assert clear.value == "Wipe"
    assert clear.get_block_name() == "button"
    clearing = [d for d in demo.dependencies if d.triggers[0].source is clear]
    assert [d.outputs for d in clearing] == [[words], [count]]
    assert all(d.api_visibility == "undocumented" for d in clearing)
    assert demo(api_name=clearing[0].api_name) is None
    entry = next(c for c in demo.config["components"] if c["id"] == clear.id)
    assert entry["type"] == "button"


def test_skip_leaves_an_output_as_it_is() -> None:
    def only_first(text: str) -> Any:
        return text.upper(), gr.skip()

    with gr.Blocks() as demo:
        words = gr.Textbox()
        loud = gr.Textbox()
        other = gr.Textbox("unchanged")
        words.submit(only_first, words, [loud, other], api_name="shout")
    assert demo("hi", api_name="shout") == ("HI", {"__type__": "update"})


def test_no_reload_is_true() -> None:
    assert gr.NO_RELOAD is True
