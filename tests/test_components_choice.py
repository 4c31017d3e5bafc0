"""The choice and text components: Gradio 6's defaults, value formats both ways, every
error a client or a fn can cause, ``api_info`` shapes and events."""

from __future__ import annotations

import json
from typing import Any

import pytest

import streamcore as gr
from streamcore.components import choice_values
from streamcore.components.base import Component
from streamcore.components.choice_values import (
    HTML,
    Checkbox,
    CheckboxGroup,
    Code,
    ColorPicker,
    Dropdown,
    DuplicateButton,
    HighlightedText,
    Radio,
)
from streamcore.components.color import is_colour
from streamcore.components.shortcuts import component_from_string
from streamcore.components.values import Button, Textbox
from streamcore.errors import Error, InvalidInputError


def test_exports() -> None:
    assert set(choice_values.__all__) == {
        "CODE_LANGUAGES",
        "HTML",
        "Checkbox",
        "CheckboxGroup",
        "Code",
        "ColorPicker",
        "Dropdown",
        "DuplicateButton",
        "HighlightedText",
        "Radio",
    }
    for name in choice_values.__all__:
        assert getattr(gr, name, None) is getattr(choice_values, name) or name == "CODE_LANGUAGES"


@pytest.mark.parametrize(
    ("cls", "events"),
    [
        (Dropdown, ("change", "input", "select", "focus", "blur", "key_up")),
        (Radio, ("select", "change", "input")),
        (Checkbox, ("change", "input", "select")),
        (CheckboxGroup, ("change", "input", "select")),
        (ColorPicker, ("change", "input", "release", "submit", "focus", "blur")),
        (Code, ("change", "input", "focus", "blur")),
        (HighlightedText, ("change", "select")),
        (DuplicateButton, ("change", "click")),
    ],
)
def test_events_are_gradios(cls: type[Component], events: tuple[str, ...]) -> None:
    assert events == cls.EVENTS
    component = cls()
    for event in events:
        assert getattr(component, event).event_name == event


def test_html_has_every_gradio_event() -> None:
    assert {"click", "change", "double_click", "key_up", "copy", "expand"} <= set(HTML.EVENTS)
    assert len(HTML.EVENTS) == len(set(HTML.EVENTS)) == 34


# -- Dropdown ---------------------------------------------------------------------------


def test_dropdown_defaults_to_its_first_choice() -> None:
    assert Dropdown(["a", "b"]).value == "a"
    assert Dropdown([("A", 1), ("B", 2)]).value == 1
    assert Dropdown(["a", "b"], multiselect=True).value == []
    assert Dropdown().value is None
    assert Dropdown(["a", "b"], value=None).value is None
    assert Dropdown(["a", "b"], value="b", multiselect=True).value == ["b"]


def test_dropdown_choices_are_label_value_pairs() -> None:
    dropdown = Dropdown(["a", 2, ("Three", 3.0), ["Four", "4"]])
    assert dropdown.choices == [("a", "a"), ("2", 2), ("Three", 3.0), ("Four", "4")]
    assert dropdown.props()["choices"] == [["a", "a"], ["2", 2], ["Three", 3.0], ["Four", "4"]]
    json.dumps(dropdown.props())


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([("a", "b", "c")], "values or \\(label, value\\) pairs"),
        ([{"a": 1}], "choice values must be strings or numbers"),
        ([("A", None)], "choice values must be strings or numbers"),
    ],
)
def test_dropdown_refuses_bad_choices(choices: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dropdown(choices)


def test_choice_components_refuse_an_unknown_type() -> None:
    for cls in (Dropdown, Radio, CheckboxGroup):
        with pytest.raises(ValueError, match=r"invalid value for parameter `type`: 'label'"):
            cls(["a"], type="label")  # type: ignore[operator]


def test_dropdown_warns_as_gradio() -> None:
    with pytest.warns(UserWarning, match=r"max_choices is ignored"):
        Dropdown(["a"], max_choices=2)
    with pytest.warns(UserWarning, match=r"filterable cannot be False"):
        dropdown = Dropdown(["a"], filterable=False, allow_custom_value=True)
    assert dropdown.filterable is True
    with pytest.raises(ValueError, match=r"max_choices must be None or a positive int"):
        Dropdown(["a"], multiselect=True, max_choices=0)


def test_dropdown_preprocess_value_and_index() -> None:
    assert Dropdown(["a", "b"]).preprocess("b") == "b"
    assert Dropdown(["a", "b"]).preprocess(None) is None
    assert Dropdown(["a", "b"], type="index").preprocess("b") == 1
    assert Dropdown([("One", 1), ("Two", 2)]).preprocess(2) == 2
    multi = Dropdown(["a", "b", "c"], multiselect=True)
    assert multi.preprocess(["c", "a"]) == ["c", "a"]
    assert multi.preprocess([]) == []
    indexed = Dropdown(["a", "b", "c"], multiselect=True, type="index")
    assert indexed.preprocess(["c", "a"]) == [2, 0]
    custom = Dropdown(["a"], allow_custom_value=True, type="index")
    assert custom.preprocess("z") is None  # a custom value has no index, as Gradio
    assert Dropdown(["a"], allow_custom_value=True).preprocess("z") == "z"


@pytest.mark.parametrize(
    ("dropdown", "payload", "message"),
    [
        (Dropdown(["a", "b"]), "x", "^Dropdown: 'x' is not one of the choices \\['a', 'b'\\]$"),
        (Dropdown([1, 2]), "1", "^Dropdown: '1' is not one of the choices \\[1, 2\\]$"),
        (Dropdown(["a"]), ["a"], "^Dropdown: expected one choice, got a list"),
        (Dropdown(["a"]), {"a": 1}, "^Dropdown: expected a string or a number, got a value"),
        (Dropdown(["a"], multiselect=True), "a", "^Dropdown: expected a list of choices"),
        (Dropdown(["a"], multiselect=True), ["a", "z"], "^Dropdown: 'z' is not one of"),
        (Dropdown(["a"], multiselect=True), [None], "^Dropdown: expected a string or a number"),
        (
            Dropdown(["a", "b", "c"], multiselect=True, max_choices=2),
            ["a", "b", "c"],
            "^Dropdown: 3 choices were sent, over max_choices of 2",
        ),
        (Dropdown(["a"], allow_custom_value=True), [1], "^Dropdown: expected one choice"),
    ],
)
def test_dropdown_refuses_client_values(dropdown: Dropdown, payload: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        dropdown.preprocess(payload)


def test_dropdown_postprocess() -> None:
    assert Dropdown(["a", "b"]).postprocess("b") == "b"
    assert Dropdown(["a", "b"]).postprocess(None) is None
    multi = Dropdown(["a", "b"], multiselect=True)
    assert multi.postprocess("a") == ["a"]
    assert multi.postprocess(("a", "b")) == ["a", "b"]
    with pytest.warns(UserWarning, match=r"Dropdown: the value 'z' is not in the list of choices"):
        assert Dropdown(["a"]).postprocess("z") == "z"
    assert Dropdown(["a"], allow_custom_value=True).postprocess("z") == "z"  # no warning
    with pytest.raises(ValueError, match=r"Dropdown expects a choice .* got a value of type dict"):
        Dropdown(["a"]).postprocess({"a": 1})
    with pytest.raises(ValueError, match=r"Dropdown expects a choice"):
        multi.postprocess(["a", None])


def test_dropdown_api_info_and_example() -> None:
    assert Dropdown(["a", ("B", "b")]).api_info() == {"type": "string", "enum": ["a", "b"]}
    assert Dropdown(["a"], multiselect=True).api_info() == {
        "type": "array",
        "items": {"type": "string", "enum": ["a"]},
    }
    assert Dropdown(["a", "b"]).example_value() == "a"
    assert Dropdown(["a", "b"], multiselect=True).example_value() == ["a"]
    assert Dropdown().example_value() is None


def test_a_refused_choice_reaches_the_caller_with_its_message() -> None:
    with gr.Blocks() as demo:
        fruit = gr.Dropdown(["apple", "pear"])
        out = gr.Textbox()
        fruit.change(lambda f: f.upper(), fruit, out, api_name="predict")
    assert demo("pear") == "PEAR"
    with pytest.raises(Error, match=r"Dropdown: 'plum' is not one of the choices"):
        demo("plum")


# -- Radio ------------------------------------------------------------------------------


def test_radio_values_both_ways() -> None:
    radio = Radio([("Small", "s"), ("Large", "l")])
    assert radio.value is None
    assert radio.preprocess("l") == "l"
    assert radio.preprocess(None) is None
    assert Radio(["a", "b"], type="index").preprocess("b") == 1
    assert radio.postprocess("anything") == "anything"  # not checked, as Gradio
    assert radio.postprocess(None) is None
    assert radio.example_value() == "s"
    assert Radio().example_value() is None
    assert radio.api_info() == {"enum": ["s", "l"], "title": "Radio", "type": "string"}
    assert radio.props()["choices"] == [["Small", "s"], ["Large", "l"]]


def test_radio_errors() -> None:
    with pytest.raises(InvalidInputError, match=r"^Radio: 'x' is not one of the choices \['a'\]"):
        Radio(["a"]).preprocess("x")
    with pytest.raises(InvalidInputError, match=r"^Radio: expected a string or a number"):
        Radio(["a"]).preprocess(["a"])
    with pytest.raises(ValueError, match=r"Radio expects a choice"):
        Radio(["a"]).postprocess(["a"])


# -- Checkbox ---------------------------------------------------------------------------


def test_checkbox_values_both_ways() -> None:
    box = Checkbox()
    assert box.value is False
    assert box.preprocess(True) is True
    assert box.preprocess(False) is False
    assert box.preprocess(None) is None
    assert box.postprocess(1) is True
    assert box.postprocess(None) is False  # bool(value), as Gradio
    assert box.example_value() is True
    assert box.api_info() == {"type": "boolean"}
    assert Checkbox(label="agree").props()["show_label"] is True


@pytest.mark.parametrize("payload", ["true", 1, 0, [True]])
def test_checkbox_refuses_non_booleans(payload: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"^Checkbox: expected true or false"):
        Checkbox().preprocess(payload)


def test_checkbox_group_values_both_ways() -> None:
    group = CheckboxGroup(["a", "b", ("Cee", "c")])
    assert group.value == []
    assert group.preprocess(["c", "a"]) == ["c", "a"]
    assert group.preprocess(None) == []
    assert CheckboxGroup(["a", "b"], type="index").preprocess(["b"]) == [1]
    assert group.postprocess(None) == []
    assert group.postprocess("a") == ["a"]
    assert group.postprocess(("a", "b")) == ["a", "b"]
    assert CheckboxGroup(["a"], value="a").value == ["a"]
    assert group.example_value() == ["a"]
    assert CheckboxGroup().example_value() is None
    assert group.api_info() == {
        "items": {"enum": ["a", "b", "c"], "type": "string"},
        "title": "Checkbox Group",
        "type": "array",
    }
    assert group.props()["show_select_all"] is False


def test_checkbox_group_errors() -> None:
    group = CheckboxGroup(["a", "b"])
    with pytest.raises(InvalidInputError, match=r"^CheckboxGroup: expected a list of choices"):
        group.preprocess("a")
    with pytest.raises(InvalidInputError, match=r"^CheckboxGroup: 'z' is not one of the choices"):
        group.preprocess(["a", "z"])
    with pytest.raises(ValueError, match=r"CheckboxGroup expects a choice"):
        group.postprocess([{"a": 1}])


# -- ColorPicker ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "colour",
    [
        "#fff",
        "#FFFA",
        "#ff8800",
        "#ff880080",
        "rgb(255, 136, 0)",
        "rgba(255, 136, 0, 0.5)",
        "rgba(100%, 50%, 0%, 50%)",
        "rgb(255 136 0 / 0.5)",
        "hsl(30deg, 100%, 50%)",
        "red",
        "RebeccaPurple",
    ],
)
def test_colour_picker_accepts_gradios_colour_forms(colour: str) -> None:
    assert is_colour(colour)
    assert ColorPicker().preprocess(colour) == colour  # passed on as sent, as Gradio
    assert ColorPicker().postprocess(colour) == colour


@pytest.mark.parametrize("colour", ["#ff888", "ff8800", "#gggggg", "rgb(1, 2)", "reddish", ""])
def test_colour_picker_refuses_what_is_not_a_colour(colour: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^ColorPicker: .* is not a colour"):
        ColorPicker().preprocess(colour)
    with pytest.raises(ValueError, match=r"ColorPicker expects a colour string"):
        ColorPicker().postprocess(colour)


def test_colour_picker_other_values() -> None:
    picker = ColorPicker("#123456")
    assert picker.value == "#123456"
    assert picker.preprocess(None) is None
    assert picker.postprocess(None) is None
    with pytest.raises(InvalidInputError, match=r"^ColorPicker: expected a colour string"):
        picker.preprocess(0xFF8800)
    with pytest.raises(ValueError, match=r"ColorPicker expects a colour string"):
        picker.postprocess((255, 136, 0))
    assert picker.example_value() == "#000000"
    assert picker.api_info() == {"type": "string"}


# -- HTML -------------------------------------------------------------------------------


def test_html_defaults_and_values() -> None:
    html = HTML("<b>hi</b>")
    props = html.props()
    assert (props["show_label"], props["container"], props["html_template"]) == (
        False,
        False,
        "${value}",
    )
    assert "trigger('click')" in props["js_on_load"]
    assert html.preprocess("<p>x</p>") == "<p>x</p>"
    assert html.preprocess(None) is None
    assert html.postprocess(["a", "b"]) == ["a", "b"]  # a value for html_template
    assert html.example_value() == "<p>Hello</p>"
    assert html.api_info() == {"type": "string"}
    assert HTML(count=3).props()["count"] == 3  # extra props are sent, as Gradio


def test_html_errors_and_warnings() -> None:
    with pytest.raises(InvalidInputError, match=r"^HTML: expected a string"):
        HTML().preprocess({"a": 1})
    with pytest.raises(ValueError, match=r"HTML expects a string .* got a value of type set"):
        HTML().postprocess({1, 2})
    with pytest.warns(UserWarning, match=r"<script> tag .* will not run"):
        HTML().postprocess("<script>alert(1)</script>")
    with pytest.raises(ValueError, match=r"server_functions are not supported"):
        HTML(server_functions=[print])


def test_html_custom_events_named_in_js_on_load() -> None:
    html = HTML(js_on_load="element.onclick = () => trigger('picked', {n: 1})")
    assert html.picked.event_name == "picked"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"name 'other' \(in quotes\) in js_on_load"):
        _ = html.other  # type: ignore[attr-defined]


# -- Code -------------------------------------------------------------------------------


def test_code_values_both_ways() -> None:
    code = Code("  x = 1\n", language="python")
    assert code.value == "x = 1"  # stripped, as Gradio
    assert code.preprocess("  y\n") == "  y\n"
    assert code.preprocess(None) is None
    assert code.postprocess(None) is None
    props = code.props()
    assert (props["language"], props["lines"], props["max_lines"]) == ("python", 5, None)
    assert props["buttons"] == ["copy", "download"]
    assert Code(lines=8, max_lines=3).max_lines == 8
    assert code.example_value() == "print('Hello World')"
    assert code.api_info() == {"type": "string"}


def test_code_errors() -> None:
    with pytest.raises(ValueError, match=r"language 'cobol' is not supported"):
        Code(language="cobol")
    with pytest.raises(InvalidInputError, match=r"^Code: expected a string"):
        Code().preprocess(12)
    with pytest.raises(ValueError, match=r"Code does not take a file as a tuple"):
        Code().postprocess(("a.py",))
    with pytest.raises(ValueError, match=r"Code expects a string .* type int"):
        Code().postprocess(3)


# -- HighlightedText --------------------------------------------------------------------


def tokens(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    return [{"token": t, "class_or_confidence": c} for t, c in pairs]


def test_highlighted_text_from_pairs_and_entities() -> None:
    text = HighlightedText()
    assert text.postprocess([("The", None), ("fox", "noun"), ("ran", 0.5)]) == tokens(
        ("The", None), ("fox", "noun"), ("ran", 0.5)
    )
    entities = {
        "text": "Ada met Bob",
        "entities": [
            {"entity_group": "PER", "start": 8, "end": 11},
            {"entity": "PER", "start": 0, "end": 3},
        ],
    }
    assert text.postprocess(entities) == tokens(
        ("", None), ("Ada", "PER"), (" met ", None), ("Bob", "PER"), ("", None)
    )
    assert text.postprocess({"text": "plain", "entities": []}) == tokens(("plain", None))
    assert text.postprocess(None) is None


def test_highlighted_text_combine_adjacent_and_whitespace() -> None:
    combined = HighlightedText(combine_adjacent=True, adjacent_separator=" ")
    value = [("a", "X"), ("b", "X"), ("", None), ("c", None), ("d", "X")]
    assert combined.postprocess(value) == tokens(("a b", "X"), ("c", None), ("d", "X"))
    stripped = HighlightedText(show_whitespaces=False)
    assert stripped.postprocess([(" a ", None)]) == tokens(("a", None))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"text": "x"}, "a dict with the keys 'text' and 'entities'"),
        ({"text": 3, "entities": []}, "'text' to be a string"),
        ({"text": "x", "entities": [{"start": 0}]}, "each entity to be a dict with 'start'"),
        ([("a", "b", "c")], "each span to be a \\(text, label\\) pair"),
        ([(3, "b")], "each span to be a \\(text, label\\) pair"),
        ([("a", ["b"])], "each label to be a string, a number or None"),
        ("text", "a list of \\(text, label\\) pairs or a dict"),
    ],
)
def test_highlighted_text_refuses_bad_fn_values(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HighlightedText().postprocess(value)


def test_highlighted_text_client_values() -> None:
    text = HighlightedText()
    sent = tokens(("a", "X"), ("b", None), ("c", 0.25))
    assert text.preprocess(sent) == sent  # dicts, as Gradio's model_dump
    assert text.preprocess(None) is None
    with pytest.raises(InvalidInputError, match=r"^HighlightedText: expected a list of spans"):
        text.preprocess("a")
    with pytest.raises(InvalidInputError, match=r"^HighlightedText: span 1 must be an object"):
        text.preprocess([{"token": "a"}, {"token": 2}])
    with pytest.raises(InvalidInputError, match=r"^HighlightedText: span 0's class_or_confidence"):
        text.preprocess([{"token": "a", "class_or_confidence": [1]}])


def test_highlighted_text_api_info_is_gradios_schema() -> None:
    info = HighlightedText().api_info()
    assert info["type"] == "array"
    assert info["items"] == {"$ref": "#/$defs/HighlightedToken"}
    token = info["$defs"]["HighlightedToken"]
    assert token["required"] == ["token"]
    assert token["properties"]["class_or_confidence"]["anyOf"] == [
        {"type": "string"},
        {"type": "number"},
        {"type": "null"},
    ]
    assert HighlightedText().example_value()[1] == ("quick", "adj")


# -- DuplicateButton --------------------------------------------------------------------


def test_duplicate_button_does_nothing_off_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPACE_ID", raising=False)
    button = DuplicateButton()
    assert isinstance(button, Button)
    props = button.props()
    assert (props["value"], props["variant"], props["size"], props["scale"]) == (
        "Duplicate Space",
        "huggingface",
        "sm",
        0,
    )
    assert props["duplicate_url"] is None


def test_duplicate_button_opens_the_duplication_page_on_a_space(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPACE_ID", "ada/sepia")
    assert DuplicateButton().props()["duplicate_url"] == (
        "https://huggingface.co/spaces/ada/sepia?duplicate=true"
    )
    assert DuplicateButton(_activate=False).props()["duplicate_url"] is None


# -- across components ------------------------------------------------------------------


def test_every_component_has_an_example_value() -> None:
    assert Textbox("hi").example_value() == "hi"  # the default: the component's value
    for component in (Dropdown(["a"]), Radio(["a"]), CheckboxGroup(["a"])):
        assert component.preprocess(component.postprocess(component.example_value())) is not None


def test_config_names_the_widgets_the_page_registers() -> None:
    with gr.Blocks() as demo:
        made = [Dropdown(["a"]), Radio(), Checkbox(), CheckboxGroup(), ColorPicker()]
        made += [HTML(), Code(), HighlightedText(), DuplicateButton()]
    config = demo.config
    json.dumps(config)
    assert [c["type"] for c in config["components"]] == [
        "dropdown",
        "radio",
        "checkbox",
        "checkboxgroup",
        "colorpicker",
        "html",
        "code",
        "highlightedtext",
        "duplicatebutton",
    ]
    assert len(made) == 9


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("checkbox", Checkbox),
        ("CheckboxGroup", CheckboxGroup),
        ("code", Code),
        ("colorpicker", ColorPicker),
        ("dropdown", Dropdown),
        ("duplicatebutton", DuplicateButton),
        ("highlight", HighlightedText),
        ("highlightedtext", HighlightedText),
        ("html", HTML),
        ("radio", Radio),
    ],
)
def test_string_shortcuts(name: str, cls: type[Component]) -> None:
    assert type(component_from_string(name)) is cls
