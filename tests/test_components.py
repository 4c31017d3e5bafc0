"""The simple value components and the string shortcuts: defaults, value formats both
ways, and every validation error a client or a fn can cause."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import random
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcore.components import shortcuts, values
from streamcore.components.base import Component
from streamcore.components.image import Image
from streamcore.components.shortcuts import component_from_string
from streamcore.components.values import (
    JSON,
    Button,
    Label,
    Markdown,
    Number,
    Slider,
    State,
    Textbox,
    Timer,
)
from streamcore.errors import Error, InvalidInputError, PathNotAllowedError
from streamcore.media.files import FileAccess, use_file_access


def test_exports() -> None:
    assert set(values.__all__) == {
        "BUTTON_SIZES",
        "BUTTON_VARIANTS",
        "TEXTBOX_TYPES",
        "Button",
        "JSON",
        "Label",
        "Markdown",
        "Number",
        "Slider",
        "State",
        "Textbox",
        "Timer",
    }
    assert set(shortcuts.__all__) == {"SHORTCUTS", "component_from_string"}
    for name in values.__all__:
        assert hasattr(values, name)


@pytest.mark.parametrize(
    ("cls", "events"),
    [
        (Slider, ("change", "input", "release")),
        (Number, ("change", "input", "submit", "focus", "blur")),
        (Textbox, ("change", "input", "select", "submit", "focus", "blur", "stop", "copy")),
        (Label, ("change", "select")),
        (State, ("change",)),
        (JSON, ("change",)),
        (Markdown, ("change", "copy")),
        (Button, ("change", "click")),
        (Timer, ("change", "tick")),
    ],
)
def test_events(cls: type[Component], events: tuple[str, ...]) -> None:
    assert events == cls.EVENTS


def _every_component() -> list[Component]:
    return [
        Slider(),
        Slider(0, 1, 0.5, precision=2, buttons=["reset"], info="i"),
        Number(),
        Number(3.14159, precision=2, minimum=0, maximum=10),
        Textbox(),
        Textbox("hi", max_length=5, buttons=["copy", Button("x", render=False)]),
        Textbox(html_attributes={"spellcheck": False}),
        Label(),
        Label({"cat": 0.9, "dog": 0.1}, num_top_classes=1),
        State({"a": [1]}),
        JSON(),
        JSON({"t": (1, 2), "n": float("nan"), "a": np.arange(3)}),
        Markdown("# hi"),
        Button(variant="primary", icon=Path("icon.png")),
        Timer(0.5, active=False),
    ]


def test_props_and_api_info_are_json() -> None:
    for component in _every_component():
        json.dumps(component.props(), allow_nan=False)
        json.dumps(component.api_info(), allow_nan=False)


# -- Slider -----------------------------------------------------------------------------


def test_slider_defaults() -> None:
    slider = Slider()
    assert (slider.minimum, slider.maximum, slider.value) == (0, 100, 0)
    assert slider.step == 1
    assert isinstance(slider.step, int)
    assert slider.precision is None
    assert slider.load_fn is None
    props = slider.props()
    assert props["minimum"] == 0
    assert props["maximum"] == 100
    assert props["step"] == 1
    assert props["value"] == 0
    assert props["buttons"] is None
    assert slider.api_info() == {
        "type": "number",
        "minimum": 0,
        "maximum": 100,
        "description": "numeric value between 0 and 100",
    }


@pytest.mark.parametrize(
    ("minimum", "maximum", "step"),
    [(0, 1, 0.01), (0, 1000, 10), (0, 50, 0.1), (-5, 5, 0.1), (0, 100, 1)],
)
def test_slider_default_step_is_a_power_of_ten(minimum: float, maximum: float, step: float) -> None:
    assert Slider(minimum, maximum).step == pytest.approx(step)


def test_slider_constructor_validation() -> None:
    with pytest.raises(ValueError, match="Slider minimum must be less than maximum"):
        Slider(5, 5)
    with pytest.raises(ValueError, match="Slider minimum must be less than maximum"):
        Slider(10, 0)
    with pytest.raises(ValueError, match="Slider step must be a positive number"):
        Slider(0, 10, step=0)
    with pytest.raises(ValueError, match="Slider precision must be None or an int"):
        Slider(precision=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Slider minimum must be a finite number"):
        Slider(float("nan"), 1)


def test_slider_preprocess_passes_numbers_as_sent() -> None:
    slider = Slider(0, 10)
    assert slider.preprocess(3) == 3
    assert isinstance(slider.preprocess(3), int)
    assert slider.preprocess(2.5) == 2.5
    assert isinstance(slider.preprocess(4.0), float)
    assert slider.preprocess(0) == 0
    assert slider.preprocess(10) == 10
    assert type(slider.preprocess(np.int64(7))) is int


def test_slider_preprocess_rounds_to_precision() -> None:
    assert Slider(0, 10, precision=0).preprocess(2.6) == 3
    assert isinstance(Slider(0, 10, precision=0).preprocess(2.6), int)
    assert Slider(0, 10, precision=2).preprocess(1.23456) == 1.23
    assert Slider(0, 10, precision=0).api_info()["type"] == "integer"


def test_slider_preprocess_rejects_out_of_bounds() -> None:
    slider = Slider(0, 10)
    with pytest.raises(
        InvalidInputError, match=r"^Slider: value 11 is greater than maximum value 10"
    ):
        slider.preprocess(11)
    with pytest.raises(
        InvalidInputError, match=r"^Slider: value -0.5 is less than minimum value 0"
    ):
        slider.preprocess(-0.5)


@pytest.mark.parametrize("payload", [True, False, "5", None, [1], {"value": 1}])
def test_slider_preprocess_rejects_non_numbers(payload: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^Slider: expected a number"):
        Slider().preprocess(payload)


@pytest.mark.parametrize("payload", [float("nan"), float("inf"), -float("inf")])
def test_slider_preprocess_rejects_non_finite(payload: float) -> None:
    with pytest.raises(InvalidInputError, match=r"^Slider: expected a finite number"):
        Slider().preprocess(payload)


def test_slider_postprocess() -> None:
    slider = Slider(5, 10, precision=1)
    assert slider.postprocess(None) == 5
    assert slider.postprocess(7.25) == 7.2
    assert slider.postprocess(np.float32(6.0)) == 6.0
    assert type(slider.postprocess(np.float32(6.0))) is float
    assert slider.postprocess(20) == 20  # out of range is sent as is, as in Gradio
    with pytest.raises(ValueError, match="Slider expects an int or a float from the function"):
        slider.postprocess("7")


def test_slider_randomize() -> None:
    slider = Slider(0, 1, step=0.05, randomize=True)
    assert slider.value is None
    assert slider.load_fn is not None
    rng = random.Random(4)
    for _ in range(50):
        value = slider.random_value(rng)
        assert 0 <= value <= 1
        assert round(value / 0.05) * 0.05 == pytest.approx(value)
        assert value == round(value, 2)
    assert isinstance(Slider(0, 10, step=2).random_value(rng), int)


# -- Number -----------------------------------------------------------------------------


def test_number_defaults() -> None:
    number = Number()
    assert number.value is None
    assert (number.precision, number.minimum, number.maximum, number.step) == (
        None,
        None,
        None,
        1,
    )
    assert number.api_info() == {"type": "number"}
    assert number.preprocess(None) is None
    assert number.postprocess(None) is None


def test_number_precision() -> None:
    assert Number().preprocess(3) == 3
    assert isinstance(Number().preprocess(3), int)
    assert isinstance(Number().preprocess(3.5), float)
    as_int = Number(precision=0)
    assert as_int.preprocess(2.5) == 2  # round half to even, as Python and Gradio
    assert as_int.preprocess(2.6) == 3
    assert isinstance(as_int.preprocess(2.6), int)
    assert as_int.postprocess(9.9) == 10
    assert as_int.api_info() == {"type": "integer"}
    assert Number(precision=2).preprocess(1.23456) == 1.23
    assert Number(precision=2).postprocess(1.005001) == 1.01
    assert Number(3.14159, precision=3).value == 3.142


def test_number_bounds() -> None:
    number = Number(minimum=-1, maximum=1)
    assert number.preprocess(-1) == -1
    assert number.preprocess(1) == 1
    with pytest.raises(
        InvalidInputError, match=r"^Number: value 2 is greater than maximum value 1"
    ):
        number.preprocess(2)
    with pytest.raises(
        InvalidInputError, match=r"^Number: value -1.5 is less than minimum value -1"
    ):
        number.preprocess(-1.5)
    assert number.postprocess(5) == 5  # bounds apply to inputs only
    assert number.api_info() == {"type": "number", "minimum": -1, "maximum": 1}
    with pytest.raises(ValueError, match=r"Number minimum \(2\) must not be greater than maximum"):
        Number(minimum=2, maximum=1)


@pytest.mark.parametrize("payload", [True, "1", [1], float("nan"), float("inf")])
def test_number_rejects_bad_client_values(payload: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^Number: expected a (finite )?number"):
        Number().preprocess(payload)


def test_number_postprocess_types() -> None:
    assert type(Number().postprocess(np.int64(4))) is int
    assert type(Number().postprocess(np.float64(4.5))) is float
    with pytest.raises(
        ValueError,
        match="Number expects an int or a float from the function, got a value of type str",
    ):
        Number().postprocess("4")
    with pytest.raises(ValueError, match="got a value of type bool"):
        Number().postprocess(True)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(min_value=0, max_value=6),
)
def test_number_precision_matches_round(number: float, precision: int) -> None:
    result = Number(precision=precision).preprocess(number)
    assert result == round(number, precision)
    assert isinstance(result, int) == (precision == 0)


# -- Textbox ----------------------------------------------------------------------------


def test_textbox_defaults() -> None:
    box = Textbox()
    assert box.value is None
    assert (box.type, box.lines, box.max_lines, box.max_length) == ("text", 1, None, None)
    props = box.props()
    assert props["submit_btn"] is False
    assert props["autoscroll"] is True
    assert props["html_attributes"] is None
    assert box.api_info() == {"type": "string"}


def test_textbox_preprocess() -> None:
    box = Textbox()
    assert box.preprocess("hello") == "hello"
    assert box.preprocess("") == ""
    assert box.preprocess(None) is None
    for payload in (5, True, ["a"], {"text": "a"}):
        with pytest.raises(InvalidInputError, match=r"^Textbox: expected a string"):
            box.preprocess(payload)


def test_textbox_max_length() -> None:
    box = Textbox(max_length=5)
    assert box.preprocess("abcde") == "abcde"
    assert box.preprocess("a\nb\nc") == "a\nb\nc"
    with pytest.raises(
        InvalidInputError,
        match=r"^Textbox: the text is 6 characters long, over the max_length of 5",
    ):
        box.preprocess("abcdef")
    with pytest.raises(InvalidInputError, match="6 characters long"):
        box.preprocess("ab\ncd\n")  # newlines count
    assert box.postprocess("a longer output") == "a longer output"  # outputs are not cut
    assert box.api_info() == {"type": "string", "maxLength": 5}
    with pytest.raises(ValueError, match="Textbox max_length must be None or a non-negative int"):
        Textbox(max_length=-1)


def test_textbox_postprocess_stringifies() -> None:
    assert Textbox().postprocess(5) == "5"
    assert Textbox().postprocess(None) is None
    assert Textbox(3.5).value == "3.5"  # type: ignore[arg-type]


def test_textbox_type_validation() -> None:
    with pytest.raises(ValueError, match='`type` must be one of "text", "password", or "email"'):
        Textbox(type="number")  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="`lines` parameter must be 1"):
        box = Textbox(type="password", lines=3)
    assert box.lines == 1
    with pytest.warns(UserWarning, match="`max_lines` parameter must be None or 1"):
        box = Textbox(type="email", max_lines=4)
    assert box.max_lines == 1


def test_textbox_html_attributes_dataclass() -> None:
    @dataclasses.dataclass
    class Attributes:
        spellcheck: bool | None = None
        lang: str | None = None

    props = Textbox(html_attributes=Attributes(spellcheck=False)).props()
    assert props["html_attributes"] == {"spellcheck": False, "lang": None}


# -- Label ------------------------------------------------------------------------------


def test_label_single_values() -> None:
    assert Label().value == {}
    assert Label().postprocess({}) == {}
    assert Label("cat").value == {"label": "cat", "confidences": None}
    assert Label().postprocess(3) == {"label": "3", "confidences": None}
    assert Label().postprocess(0.5) == {"label": "0.5", "confidences": None}
    assert Label().postprocess(np.int64(7)) == {"label": "7", "confidences": None}


def test_label_confidences_sorted_descending() -> None:
    result = Label().postprocess({"dog": 0.1, "cat": 0.7, "bird": 0.2})
    assert result == {
        "label": "cat",
        "confidences": [
            {"label": "cat", "confidence": 0.7},
            {"label": "bird", "confidence": 0.2},
            {"label": "dog", "confidence": 0.1},
        ],
    }


def test_label_ties_keep_their_order() -> None:
    result = Label().postprocess({"b": 0.5, "a": 0.5, "c": 0.9})
    assert [c["label"] for c in result["confidences"]] == ["c", "b", "a"]


def test_label_num_top_classes() -> None:
    label = Label(num_top_classes=2)
    result = label.postprocess({"a": 0.1, "b": 0.3, "c": 0.2, "d": 0.4})
    assert result["label"] == "d"
    assert result["confidences"] == [
        {"label": "d", "confidence": 0.4},
        {"label": "b", "confidence": 0.3},
    ]
    assert Label(num_top_classes=10).postprocess({"a": 1})["confidences"] == [
        {"label": "a", "confidence": 1.0}
    ]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(
            ValueError, match="Label num_top_classes must be None or a positive int"
        ):
            Label(num_top_classes=bad)  # type: ignore[arg-type]


def test_label_converts_numpy_confidences() -> None:
    result = Label().postprocess({"a": np.float32(0.25), 3: np.float64(0.75)})
    assert result == {
        "label": 3,
        "confidences": [{"label": 3, "confidence": 0.75}, {"label": "a", "confidence": 0.25}],
    }
    assert type(result["confidences"][1]["confidence"]) is float
    json.dumps(result, allow_nan=False)


def test_label_accepts_label_data_dicts() -> None:
    data = {
        "label": "whatever",
        "confidences": [{"label": "x", "confidence": 0.2}, {"label": "y", "confidence": 0.8}],
    }
    assert Label().postprocess(data) == {
        "label": "y",
        "confidences": [{"label": "y", "confidence": 0.8}, {"label": "x", "confidence": 0.2}],
    }
    assert Label().postprocess({"label": "z", "confidences": []}) == {}


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(["cat"], "list"), ({"cat"}, "set"), (b"cat", "bytes"), (object(), "object")],
)
def test_label_rejects_other_types(value: object, type_name: str) -> None:
    with pytest.raises(
        ValueError, match=rf"The Label output expects .* Instead, got a {type_name}\."
    ):
        Label().postprocess(value)


def test_label_rejects_bad_confidences() -> None:
    with pytest.raises(
        ValueError, match="the confidence of 'cat' must be a finite number, got str"
    ):
        Label().postprocess({"cat": "high"})
    with pytest.raises(ValueError, match="must be a finite number"):
        Label().postprocess({"cat": float("nan")})
    with pytest.raises(ValueError, match="class names must be str, int or float, got a tuple"):
        Label().postprocess({("a", "b"): 0.5})
    with pytest.raises(ValueError, match="each entry of 'confidences' must be a dict"):
        Label().postprocess({"label": "a", "confidences": [0.5]})


def test_label_preprocess() -> None:
    label = Label()
    assert label.preprocess(None) is None
    assert label.preprocess({"label": "cat", "confidences": None}) == "cat"
    assert label.preprocess({"label": 3}) == 3
    assert label.preprocess({}) is None
    payload = {
        "label": "cat",
        "confidences": [{"label": "cat", "confidence": 0.9}, {"label": "dog", "confidence": 0.1}],
    }
    assert label.preprocess(payload) == {"cat": 0.9, "dog": 0.1}


def test_label_round_trip() -> None:
    label = Label()
    original = {"cat": 0.6, "dog": 0.3, "cow": 0.1}
    assert label.preprocess(label.postprocess(original)) == original
    assert label.preprocess(label.postprocess("cat")) == "cat"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ("cat", "expected an object with 'label' and 'confidences', got a value of type str"),
        ({"label": ["x"]}, "'label' must be a string or a number"),
        ({"label": "x", "confidences": {"x": 1}}, "'confidences' must be a list"),
        ({"confidences": [{"confidence": 1}]}, "each entry of 'confidences' must be an object"),
        (
            {"confidences": [{"label": "x", "confidence": "1"}]},
            "the confidence of 'x' must be a number",
        ),
    ],
)
def test_label_preprocess_rejects_bad_payloads(payload: object, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^Label: " + problem.replace("(", r"\(")):
        Label().preprocess(payload)


def test_label_reads_json_files_under_the_access_policy(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"label": "x", "confidences": [{"label": "x", "confidence": 1}]}))
    allowed = FileAccess(cache_dir=tmp_path / "cache", allowed_paths=(tmp_path,))
    with use_file_access(allowed):
        assert Label().postprocess(str(path)) == {
            "label": "x",
            "confidences": [{"label": "x", "confidence": 1.0}],
        }
        assert Label().postprocess(str(tmp_path / "missing.json"))["label"].endswith("missing.json")
    refused = FileAccess(cache_dir=tmp_path / "cache")
    with use_file_access(refused), pytest.raises(PathNotAllowedError):
        Label().postprocess(str(path))


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=5), st.floats(0, 1), min_size=1, max_size=12),
    st.one_of(st.none(), st.integers(1, 15)),
)
def test_label_output_is_sorted_and_cut(confidences: dict[str, float], top: int | None) -> None:
    result = Label(num_top_classes=top).postprocess(confidences)
    scores = [c["confidence"] for c in result["confidences"]]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) == min(len(confidences), top or len(confidences))
    assert result["label"] == result["confidences"][0]["label"]
    assert scores[0] == max(confidences.values())


# -- State ------------------------------------------------------------------------------


def test_state_deep_copies_per_session() -> None:
    initial = {"history": [1, 2]}
    state = State(initial)
    initial["history"].append(3)
    assert state.value == {"history": [1, 2]}
    first, second = state.initial_value(), state.initial_value()
    assert first == second == {"history": [1, 2]}
    first["history"].append(99)
    assert second["history"] == [1, 2]
    assert state.initial_value() == {"history": [1, 2]}
    assert first["history"] is not state.value["history"]


def test_state_passes_values_through() -> None:
    state = State()
    marker = object()
    assert state.preprocess(marker) is marker
    assert state.postprocess(marker) is marker
    assert state.stateful is True


def test_state_props_mark_it_server_side() -> None:
    props = State([1, 2, 3]).props()
    assert props["stateful"] is True
    assert "value" not in props
    json.dumps(props)


def test_state_rejects_values_that_cannot_be_copied() -> None:
    with pytest.raises(TypeError, match=r"must be able to be deepcopied.*type lock"):
        State(threading.Lock())


def test_state_lifetime_parameters() -> None:
    deleted: list[Any] = []
    state = State(1, time_to_live=30, delete_callback=deleted.append)
    assert state.time_to_live == 30
    state.delete_callback(5)
    assert deleted == [5]
    assert State().time_to_live is None
    State().delete_callback(1)  # the default does nothing
    for bad in (0, -1, "10"):
        with pytest.raises(ValueError, match="State time_to_live must be None or a positive"):
            State(time_to_live=bad)  # type: ignore[arg-type]


def test_state_with_a_callable_value() -> None:
    state = State(list)
    assert state.load_fn is list
    assert state.initial_value() is None


# -- JSON -------------------------------------------------------------------------------


def test_json_defaults() -> None:
    component = JSON()
    assert component.value is None
    assert component.props()["buttons"] == ["copy"]
    assert component.props()["max_height"] == 500
    assert component.api_info() == {"type": {}, "description": "any valid json"}


def test_json_parses_strings() -> None:
    assert JSON('{"a": [1, 2]}').value == {"a": [1, 2]}
    assert JSON().postprocess('"text"') == "text"
    with pytest.raises(Error, match="Invalid JSON string"):
        JSON().postprocess("{not json")


def test_json_converts_common_python_values() -> None:
    class Colour(enum.Enum):
        RED = "red"

    @dataclasses.dataclass
    class Point:
        x: int
        y: tuple[int, int]

    value = {
        "tuple": (1, 2),
        "array": np.arange(3, dtype=np.int16).reshape(3, 1),
        "scalars": [np.float32(0.5), np.int64(2), np.bool_(True)],
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "when": datetime.date(2024, 5, 6),
        "path": Path("a/b.txt"),
        "enum": Colour.RED,
        "point": Point(1, (2, 3)),
        1: "int key",
        None: "none key",
        False: "bool key",
    }
    result = JSON().postprocess(value)
    assert result == {
        "tuple": [1, 2],
        "array": [[0], [1], [2]],
        "scalars": [0.5, 2, True],
        "nan": None,
        "inf": None,
        "when": "2024-05-06",
        "path": str(Path("a/b.txt")),
        "enum": "red",
        "point": {"x": 1, "y": [2, 3]},
        "1": "int key",
        "null": "none key",
        "false": "bool key",
    }
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert type(result["scalars"][2]) is bool


def test_json_names_the_bad_type_and_where_it_is() -> None:
    with pytest.raises(ValueError, match=r"the value at \$\['a'\]\[1\] is of type set"):
        JSON().postprocess({"a": [1, {2}]})
    with pytest.raises(ValueError, match=r"the value at \$ is of type object"):
        JSON().postprocess(object())
    with pytest.raises(ValueError, match=r"a key of the object at \$ is of type tuple"):
        JSON().postprocess({(1, 2): "x"})


def test_json_refuses_cycles_but_allows_shared_values() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"the value at \$\[1\] contains itself"):
        JSON().postprocess(loop)
    shared = [1, 2]
    assert JSON().postprocess({"a": shared, "b": shared}) == {"a": [1, 2], "b": [1, 2]}


def test_json_preprocess_passes_through() -> None:
    payload = {"a": [1, None, "x"]}
    assert JSON().preprocess(payload) is payload


# -- Markdown ---------------------------------------------------------------------------


def test_markdown() -> None:
    markdown = Markdown("""
        # Title

            code
        text
        """)
    assert markdown.value == "# Title\n\n    code\ntext"
    assert Markdown().value is None
    assert Markdown().postprocess(None) is None
    with pytest.raises(ValueError, match="Markdown expects a str from the function, got a int"):
        Markdown().postprocess(5)
    props = Markdown().props()
    assert props["container"] is False
    assert props["min_width"] is None
    assert props["latex_delimiters"] == [{"left": "$$", "right": "$$", "display": True}]
    assert Markdown().api_info() == {"type": "string"}


def test_markdown_default_delimiters_are_not_shared() -> None:
    first = Markdown()
    first.latex_delimiters.append({"left": "$", "right": "$", "display": False})
    assert len(Markdown().latex_delimiters) == 1


# -- Button -----------------------------------------------------------------------------


def test_button_defaults() -> None:
    button = Button()
    assert button.value == "Run"
    props = button.props()
    assert props["variant"] == "secondary"
    assert props["size"] == "lg"
    assert props["interactive"] is True
    assert props["min_width"] is None
    assert props["icon"] is None
    assert props["link_target"] == "_self"
    assert button.postprocess(3) == "3"
    assert button.postprocess(None) is None
    assert button.preprocess("Run") == "Run"


def test_button_validation() -> None:
    with pytest.raises(
        ValueError,
        match="Button variant must be one of 'primary', 'secondary', 'stop', 'huggingface'; "
        "got 'danger'",
    ):
        Button(variant="danger")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Button size must be one of 'sm', 'md', 'lg'; got 'xl'"):
        Button(size="xl")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Button link_target must be one of"):
        Button(link_target="_new")  # type: ignore[arg-type]
    for variant in values.BUTTON_VARIANTS:
        assert Button(variant=variant).variant == variant


# -- Timer ------------------------------------------------------------------------------


def test_timer() -> None:
    timer = Timer()
    assert timer.value == 1.0
    assert timer.active is True
    assert timer.props() == {"value": 1.0, "active": True}
    assert Timer(0.25, active=False).props() == {"value": 0.25, "active": False}
    assert timer.preprocess(2) == 2.0
    assert isinstance(timer.preprocess(2), float)
    assert timer.api_info() == {"type": "number", "exclusiveMinimum": 0}


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "1", True])
def test_timer_rejects_bad_intervals(value: Any) -> None:
    with pytest.raises(ValueError, match="Timer"):
        Timer(value)


def test_timer_rejects_bad_client_intervals() -> None:
    with pytest.raises(InvalidInputError, match=r"^Timer: the interval must be positive"):
        Timer().preprocess(0)


# -- shortcuts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("image", Image),
        ("slider", Slider),
        ("number", Number),
        ("text", Textbox),
        ("textbox", Textbox),
        ("label", Label),
        ("json", JSON),
        ("markdown", Markdown),
        ("state", State),
        ("button", Button),
    ],
)
def test_component_from_string(name: str, cls: type[Component]) -> None:
    first, second = component_from_string(name), component_from_string(name)
    assert type(first) is cls
    assert first is not second


def test_component_from_string_ignores_case() -> None:
    assert type(component_from_string(" Image ")) is Image
    assert type(component_from_string("TEXT")) is Textbox


def test_component_from_string_rejects_unknown_names() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown component shortcut 'video'\. Valid shortcuts: "
    ) as info:
        component_from_string("video")
    for name in shortcuts.SHORTCUTS:
        assert name in str(info.value)
    with pytest.raises(TypeError, match="must be a str"):
        component_from_string(Image)  # type: ignore[arg-type]
