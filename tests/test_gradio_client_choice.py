"""The unmodified ``gradio_client`` calling an app of choice components on a live server:
the values it sends reach the fn as Gradio's would, ``view_api`` describes the choices, and
a value outside the choices comes back as the component's error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from live_support import TIMEOUT

import streamcore as gr
from transports import Server


def order_demo() -> gr.Blocks:
    with gr.Blocks() as demo:
        dish = gr.Dropdown(["soup", ("Fish & chips", "fish")], label="Dish")
        extras = gr.Dropdown(["bread", "salad"], multiselect=True, type="index", label="Extras")
        takeaway = gr.Checkbox(label="Takeaway")
        sauces = gr.CheckboxGroup(["ketchup", "mayo", "mustard"], label="Sauces")
        size = gr.Radio([("Small", "s"), ("Large", "l")], label="Size")
        summary = gr.Textbox(label="Summary")
        picked = gr.CheckboxGroup(["ketchup", "mayo", "mustard"], label="Picked")

        def order(*values: Any) -> tuple[str, list[str]]:
            return json.dumps(values), values[3]

        gr.Button().click(order, [dish, extras, takeaway, sauces, size], [summary, picked])
    return demo


@pytest.fixture
def client() -> Iterator[Client]:
    demo = order_demo()
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    client = Client(server.local_url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})
    try:
        yield client
    finally:
        client.close()
        demo.close()


def test_a_predict_through_dropdown_checkbox_group_and_radio(client: Client) -> None:
    summary, picked = client.predict(
        "fish", ["salad"], True, ["mustard", "ketchup"], "l", api_name="/order"
    )
    assert json.loads(summary) == ["fish", [1], True, ["mustard", "ketchup"], "l"]
    assert picked == ["mustard", "ketchup"]


def test_view_api_names_the_choice_components(client: Client) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    parameters = info["named_endpoints"]["/order"]["parameters"]
    assert [p["component"] for p in parameters] == [
        "Dropdown",
        "Dropdown",
        "Checkbox",
        "Checkboxgroup",  # Gradio capitalises the type the same way
        "Radio",
    ]
    assert parameters[0]["python_type"]["type"] == "Literal['soup', 'fish']"
    assert parameters[1]["python_type"]["type"] == "list[Literal['bread', 'salad']]"
    assert parameters[2]["python_type"]["type"] == "bool"


def test_a_value_outside_the_choices_is_the_components_error(client: Client) -> None:
    with pytest.raises(AppError, match="Radio: 'xl' is not one of the choices"):
        client.predict("soup", [], False, [], "xl", api_name="/order")
