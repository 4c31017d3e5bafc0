"""``streamcore.client.schema_types``: the type hints ``view_api`` shows, the same as
``gradio_client`` derives from the same schemas."""

from __future__ import annotations

from typing import Any

import pytest
from gradio_client.utils import json_schema_to_python_type

import streamcore as gr
from streamcore.client.schema_types import python_type


@pytest.mark.parametrize(
    "component",
    [
        gr.Dropdown(["soup", ("Fish", "fish")]),
        gr.Dropdown([1, 2], multiselect=True),
        gr.Radio(["a"]),
        gr.Checkbox(),
        gr.CheckboxGroup(["x", "y"]),
        gr.ColorPicker(),
        gr.HighlightedText(),
        gr.Code(),
        gr.Slider(),
        gr.Number(precision=0),
    ],
    ids=lambda component: type(component).__name__,
)
def test_the_hint_is_gradio_clients(component: gr.Component) -> None:
    schema = component.api_info()
    assert python_type(schema) == json_schema_to_python_type(schema)


@pytest.mark.parametrize(
    ("schema", "hint"),
    [
        ({}, "Any"),
        ({"const": 3}, "Literal[3]"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "str | None"),
        ({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}, "int | bool"),
        ({"type": "object", "properties": {"a": {"type": "number"}}}, "dict(a: float)"),
        ({"$ref": "#/$defs/Missing"}, "Any"),
        ({"type": "mystery"}, "Any"),
    ],
)
def test_each_schema_form(schema: dict[str, Any], hint: str) -> None:
    assert python_type(schema) == hint
