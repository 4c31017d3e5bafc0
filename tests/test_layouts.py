"""Layouts: the tree that ``with gr.Row():`` and friends build, what the app description
says of it, ``render()`` of components and whole apps, the Interface's Gradio layout and
``TabbedInterface``; and every error a layout raises."""

from __future__ import annotations

from typing import Any

import pytest

import streamcore as gr
from streamcore.layouts import Layout


def tree(demo: gr.Blocks) -> Any:
    """The layout as nested lists of type names (components by their type too)."""
    types = {c["id"]: c["type"] for c in demo.config["components"]}

    def node(entry: dict[str, Any]) -> Any:
        if "children" in entry:
            return [types[entry["id"]], [node(child) for child in entry["children"]]]
        return types[entry["id"]]

    return [node(child) for child in demo.config["layout"]["children"]]


def test_components_go_into_the_innermost_open_layout_in_order() -> None:
    with gr.Blocks() as demo:
        top = gr.Markdown("top")
        with gr.Row():
            with gr.Column(scale=2):
                first = gr.Textbox()
                second = gr.Number()
            with gr.Column():
                third = gr.Image()
        bottom = gr.Button()
    assert tree(demo) == [
        "markdown",
        ["row", [["column", ["textbox", "number"]], ["column", ["image"]]]],
        "button",
    ]
    assert demo.config["layout"]["id"] == 0
    assert demo.components == [top, first, second, third, bottom]


def test_a_layout_entry_carries_gradio_props() -> None:
    with gr.Blocks() as demo:
        with (
            gr.Row(equal_height=True, variant="panel", height=300) as row,
            gr.Column(scale=3, min_width=200, variant="compact") as column,
        ):
            gr.Textbox()
        with gr.Accordion("More", open=False) as accordion:
            gr.Number()
        with gr.Group(elem_id="g", elem_classes="tight") as group:
            gr.Number()
    entries = {c["id"]: c for c in demo.config["components"]}
    assert entries[row.id]["type"] == "row"
    assert entries[row.id]["props"]["equal_height"] is True
    assert entries[row.id]["props"]["variant"] == "panel"
    assert entries[row.id]["props"]["height"] == 300
    assert entries[column.id]["props"]["scale"] == 3
    assert entries[column.id]["props"]["min_width"] == 200
    assert entries[accordion.id]["props"] == {
        "visible": True,
        "elem_id": None,
        "elem_classes": None,
        "key": None,
        "label": "More",
        "open": False,
    }
    assert entries[accordion.id]["events"] == ["expand", "collapse"]
    assert entries[group.id]["props"]["elem_classes"] == ["tight"]


def test_tabs_hold_tabs_and_a_tab_alone_gets_a_tabs_of_its_own() -> None:
    with gr.Blocks() as demo:
        with gr.Tabs(selected="b") as tabs:
            with gr.Tab("A", id="a"):
                gr.Textbox()
            with gr.TabItem("B", id="b"):
                gr.Number()
        with gr.Tab("C"):
            gr.Image()
        with gr.Tab("D"):
            gr.Markdown()
        gr.Button()
        with gr.Tab("E"):
            gr.Markdown()
    assert tree(demo) == [
        ["tabs", [["tabitem", ["textbox"]], ["tabitem", ["number"]]]],
        ["tabs", [["tabitem", ["image"]], ["tabitem", ["markdown"]]]],
        "button",
        ["tabs", [["tabitem", ["markdown"]]]],
    ]
    entries = {c["id"]: c for c in demo.config["components"]}
    assert entries[tabs.id]["props"]["selected"] == "b"
    assert entries[tabs.id]["events"] == ["change", "select"]
    tab_ids = [c["props"]["id"] for c in demo.config["components"] if c["type"] == "tabitem"]
    assert tab_ids == ["a", "b", None, None, None]


def test_layout_events_register_on_the_layout() -> None:
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs, gr.Tab("A") as tab:
            out = gr.Textbox()
        with gr.Accordion("More") as accordion:
            pass
        tab.select(lambda: "a", None, out)
        tabs.change(lambda: "c", None, out)
        accordion.expand(lambda: "e", None, out)
    targets = [d["targets"] for d in demo.config["dependencies"]]
    assert targets == [[[tab.id, "select"]], [[tabs.id, "change"]], [[accordion.id, "expand"]]]


def test_render_false_then_render_places_the_component_there() -> None:
    with gr.Blocks() as demo:
        late = gr.Textbox(render=False)
        gr.Markdown("first")
        with gr.Row():
            late.render()
    assert tree(demo) == ["markdown", ["row", ["textbox"]]]
    assert late in demo.components


def test_a_component_only_named_by_an_event_is_known_but_not_laid_out() -> None:
    with gr.Blocks() as demo:
        hidden = gr.Textbox(render=False)
        button = gr.Button()
        button.click(lambda: "x", None, hidden)
    assert hidden in demo.components
    assert tree(demo) == ["button"]


def test_rendering_again_moves_a_component_and_unrender_takes_it_out() -> None:
    with gr.Blocks() as demo:
        with gr.Row():
            moving = gr.Textbox()
        with gr.Column():
            moving.render()
        gone = gr.Number()
        gone.unrender()
    assert tree(demo) == [["row", []], ["column", ["textbox"]]]


def test_a_blocks_rendered_into_another_brings_its_layout_and_events() -> None:
    with gr.Blocks() as part:
        with gr.Row():
            text = gr.Textbox()
            out = gr.Textbox()
        text.submit(str.upper, text, out, api_name="shout")
    with gr.Blocks() as demo:
        gr.Markdown("host")
        with gr.Tab("Part"):
            part.render()
        own = gr.Textbox()
        own.submit(str.upper, own, own, api_name="shout")
    assert tree(demo) == [
        "markdown",
        ["tabs", [["tabitem", [["row", ["textbox", "textbox"]]]]]],
        "textbox",
    ]
    assert [d.api_name for d in demo.dependencies] == ["shout", "shout_1"]
    assert demo("hi", api_name="shout") == "HI"


def test_an_interface_made_inside_blocks_is_rendered_where_it_is_made() -> None:
    with gr.Blocks() as demo:
        with gr.Tab("Upper"):
            gr.Interface(str.upper, "text", "text", api_name="upper")
        with gr.Tab("Lower"):
            gr.Interface(str.lower, "text", "text", api_name="lower")
    [upper_tabs] = [entry for entry in tree(demo) if entry[0] == "tabs"]
    assert [tab[0] for tab in upper_tabs[1]] == ["tabitem", "tabitem"]
    assert demo("Hi", api_name="upper") == "HI"
    assert demo("Hi", api_name="lower") == "hi"


def test_the_interface_is_laid_out_as_gradio_s() -> None:
    demo = gr.Interface(
        lambda text: text[::-1],
        gr.Textbox(),
        gr.Textbox(),
        title="Reverse",
        description="It reverses.",
        article="*Thanks.*",
    )
    assert tree(demo) == [
        "markdown",
        "markdown",
        [
            "row",
            [
                ["column", ["textbox", ["row", ["button", "button"]]]],
                ["column", ["textbox", ["row", ["button"]]]],
            ],
        ],
        "markdown",
    ]
    markdown = [c["props"]["value"] for c in demo.config["components"] if c["type"] == "markdown"]
    assert markdown == ["# Reverse", "It reverses.", "*Thanks.*"]
    buttons = [c["props"]["value"] for c in demo.config["components"] if c["type"] == "button"]
    assert buttons == ["Clear", "Submit", "Flag"]


def test_the_interface_api_name_is_the_fn_name_as_gradio_6() -> None:
    def snap(image: Any) -> Any:
        return image

    assert gr.Interface(snap, "image", "image").dependency_.api_name == "snap"
    assert gr.Interface(lambda x: x, "text", "text").dependency_.api_name == "lambda"
    assert gr.Interface(snap, "image", "image", api_name="go").dependency_.api_name == "go"


def test_clear_empties_inputs_and_outputs() -> None:
    demo = gr.Interface(str.upper, gr.Textbox("start"), gr.Textbox())
    clear = demo.dependency("clear")
    assert clear.api_visibility == "undocumented"
    assert clear.outputs == [*demo.input_components, *demo.output_components]
    assert demo(api_name="clear") == (None, None)
    assert clear.triggers[0].source is demo.clear_button


def test_a_generator_gets_a_stop_button_that_cancels_it() -> None:
    def count(n: float) -> Any:
        yield from range(int(n))

    demo = gr.Interface(count, "number", "number")
    buttons = [c["props"]["value"] for c in demo.config["components"] if c["type"] == "button"]
    assert buttons == ["Clear", "Submit", "Stop", "Flag"]
    assert demo.stop_button is not None
    [stop] = [d for d in demo.dependencies if d.cancels]
    assert stop.cancels == [demo.dependency_]
    assert gr.Interface(str.upper, "text", "text").stop_button is None


def test_an_interface_without_inputs_generates_and_a_live_one_has_no_submit() -> None:
    generate = gr.Interface(lambda: "made", None, "text")
    buttons = [c["props"]["value"] for c in generate.config["components"] if c["type"] == "button"]
    assert buttons == ["Clear", "Generate", "Flag"]
    assert generate(api_name="lambda") == "made"
    live = gr.Interface(str.upper, "text", "text", live=True)
    assert live.submit_button is None
    assert gr.Interface(str.upper, "text", "text", clear_btn=None).clear_button is None


def test_text_inputs_submit_on_enter_too() -> None:
    demo = gr.Interface(str.upper, "text", "text")
    targets = demo.config["dependencies"][0]["targets"]
    assert [event for _, event in targets] == ["click", "submit"]


def test_tabbed_interface_puts_each_app_in_a_tab() -> None:
    upper = gr.Interface(str.upper, "text", "text", api_name="upper")
    lower = gr.Interface(str.lower, "text", "text", api_name="lower")
    demo = gr.TabbedInterface([upper, lower], ["Up", "Down"], title="Case")
    assert tree(demo)[0] == "markdown"
    tabs = tree(demo)[1]
    assert tabs[0] == "tabs"
    labels = [c["props"]["label"] for c in demo.config["components"] if c["type"] == "tabitem"]
    assert labels == ["Up", "Down"]
    assert demo("Ab", api_name="upper") == "AB"
    assert demo("Ab", api_name="lower") == "ab"
    default = gr.TabbedInterface([gr.Interface(str.upper, "text", "text")])
    labels = [c["props"]["label"] for c in default.config["components"] if c["type"] == "tabitem"]
    assert labels == ["Tab 0"]


def test_gradio_names_for_the_description() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox("hi", label="Say")
        text.submit(str.upper, text, text, api_name="shout")
    assert demo.config == demo.get_config_file()
    config = text.get_config()
    assert config["value"] == "hi"
    assert config["label"] == "Say"
    assert config["name"] == "textbox"
    assert "/shout" in demo.get_api_info()["named_endpoints"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gr.Row(variant="fancy"), "variant must be one of"),
        (lambda: gr.Column(scale=1.5), "Column scale must be a non-negative int"),
        (lambda: gr.Column(min_width=-1), "Column min_width must be a non-negative int"),
        (lambda: gr.Sidebar(position="top"), "Sidebar position must be"),
        (lambda: gr.Group(visible="maybe"), "visible must be True, False or 'hidden'"),
    ],
)
def test_bad_layout_parameters_are_refused_naming_the_parameter(make: Any, message: str) -> None:
    with gr.Blocks(), pytest.raises(ValueError, match=message):
        make()


def test_a_layout_outside_blocks_says_where_it_belongs() -> None:
    row = gr.Row()  # made outside an app (a fn's update, say): fine, but it goes nowhere
    assert row.parent is None
    with pytest.raises(RuntimeError, match=r"gr.Row must be made .*inside `with gr.Blocks\(\):`"):
        row.render()
    with pytest.raises(RuntimeError, match=r"`with gr.Row\(\):` must be inside"):
        row.__enter__()
    with pytest.raises(RuntimeError, match=r"Textbox.render\(\) must be called inside"):
        gr.Textbox().render()
    with pytest.raises(RuntimeError, match=r"Blocks.render\(\) must be called inside"):
        gr.Blocks().render()


def test_tabs_refuse_anything_but_tabs_and_a_layout_has_one_place() -> None:
    with gr.Blocks():
        tabs = gr.Tabs()
        with pytest.raises(TypeError, match=r"gr\.Tabs holds only gr\.Tab children"):
            tabs.add_child(gr.Textbox(render=False))
        row = gr.Row()
        with pytest.raises(ValueError, match="laid out already"):
            row.render()


def test_tabbed_interface_refuses_what_is_not_an_app() -> None:
    with pytest.raises(TypeError, match=r"non-empty list of gr\.Interface or gr\.Blocks"):
        gr.TabbedInterface([])
    with pytest.raises(ValueError, match="got 1 apps but 2 tab_names"):
        gr.TabbedInterface([gr.Interface(str.upper, "text", "text")], ["a", "b"])


def test_every_layout_is_a_layout_with_a_unique_id() -> None:
    with gr.Blocks():
        made = [gr.Row(), gr.Column(), gr.Group(), gr.Tabs(), gr.Accordion(), gr.Sidebar()]
        made.append(gr.Tab("t"))
    assert all(isinstance(layout, Layout) for layout in made)
    assert len({layout.id for layout in made}) == len(made)
    assert gr.TabItem is gr.Tab


def test_a_layout_is_an_output_for_updates_of_its_props() -> None:
    with gr.Blocks() as demo:
        show = gr.Checkbox(label="show")
        with gr.Column(visible=False) as panel:
            gr.Textbox()
        show.change(lambda on: gr.update(visible=on), show, panel, api_name="toggle")
        show.input(lambda on: gr.Column(visible=on), show, panel, api_name="again")
        show.select(lambda on: "text", show, panel, api_name="wrong")
    assert demo(True, api_name="toggle") == {"__type__": "update", "visible": True}
    assert demo(False, api_name="again") == {"__type__": "update", "visible": False}
    with pytest.raises(gr.Error, match=r"gr\.Column is a layout: a fn can only update its props"):
        demo(True, api_name="wrong")
    endpoint = demo.get_api_info()["named_endpoints"]["/toggle"]
    assert endpoint["returns"] == []  # a layout carries no value (gradio_client skips it)
    [entry] = [c for c in demo.config["components"] if c["id"] == panel.id]
    assert entry["skip_api"] is True


def test_a_layout_is_never_an_input() -> None:
    with gr.Blocks():
        with gr.Row() as row:
            out = gr.Textbox()
        button = gr.Button()
        with pytest.raises(TypeError, match="it cannot be an event's input"):
            button.click(lambda r: r, row, out)
