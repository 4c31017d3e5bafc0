"""``Blocks``: building an app, its queue settings, its description and ``demo(...)``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.testing import AsyncTestClient, ValidationError
from streamcore.events import Trigger, current_blocks
from streamcore.media.files import FileAccess, use_file_access


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    access = FileAccess(cache_dir=tmp_path / "cache")
    with use_file_access(access):
        yield access


def identity(x: Any) -> Any:
    return x


# -- building ----------------------------------------------------------------------------


def test_components_made_inside_belong_to_the_innermost_blocks() -> None:
    assert current_blocks() is None
    with gr.Blocks() as outer:
        first = gr.Number()
        with gr.Blocks() as inner:
            assert current_blocks() is inner
            second = gr.Number()
        assert current_blocks() is outer
        hidden = gr.Number(render=False)
    assert current_blocks() is None
    assert inner.components == [second]
    # as Gradio, a Blocks made inside another is rendered into it where it was made
    assert outer.components == [first, second]
    assert [child.id for child in outer.root.children] == [first.id, second.id]
    assert hidden not in outer.components


def test_blocks_can_be_reentered_to_add_more() -> None:
    with gr.Blocks() as demo:
        first = gr.Number()
    with demo:
        second = gr.Number()
        dep = first.change(identity, first, second)
    assert demo.components == [first, second]
    assert demo.dependencies == [dep]


def test_load_and_unload_listeners_trigger_on_the_app() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox()
        loaded = demo.load(lambda: "hello", None, text)
        gone = demo.unload(lambda: None)
    assert loaded.triggers == [Trigger(demo, "load")]
    assert gone.triggers == [Trigger(demo, "unload")]
    targets = [d["targets"] for d in demo.config["dependencies"]]
    assert targets == [[[0, "load"]], [[0, "unload"]]]  # the app itself is id 0


# -- queue() ---------------------------------------------------------------------------------


def test_queue_sets_max_size_and_the_default_concurrency_limit() -> None:
    demo = gr.Blocks()
    assert (demo.max_size, demo.default_concurrency_limit) == (None, 1)
    assert demo.queue(max_size=5, default_concurrency_limit=3) is demo
    assert (demo.max_size, demo.default_concurrency_limit) == (5, 3)
    demo.queue()  # default_concurrency_limit left alone when not given
    assert (demo.max_size, demo.default_concurrency_limit) == (None, 3)
    demo.queue(default_concurrency_limit=None)
    assert demo.default_concurrency_limit is None
    config = demo.config
    assert (config["max_size"], config["default_concurrency_limit"]) == (None, None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_size": -1}, "max_size must be a non-negative int or None"),
        ({"max_size": 2.5}, "max_size must be"),
        ({"default_concurrency_limit": 0}, "default_concurrency_limit must be a positive int"),
        ({"default_concurrency_limit": "many"}, "default_concurrency_limit must be"),
    ],
)
def test_queue_refuses_bad_values(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gr.Blocks().queue(**options)


def test_default_concurrency_applies_to_events_left_at_default() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        default = number.change(identity, number, number)
        explicit = number.submit(identity, number, number, concurrency_limit=7)
        unlimited = number.input(identity, number, number, concurrency_limit=None)
    assert demo.concurrency_limit_of(default) == 1
    demo.queue(default_concurrency_limit=4)
    assert demo.concurrency_limit_of(default) == 4
    assert demo.concurrency_limit_of(explicit) == 7
    assert demo.concurrency_limit_of(unlimited) is None


# -- looking up ------------------------------------------------------------------------------


def test_dependencies_are_found_by_name_slash_name_or_index() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        first = number.change(identity, number, number, api_name="first")
        second = number.submit(identity, number, number)
    assert demo.dependency("first") is first
    assert demo.dependency("/first") is first
    assert demo.dependency("identity") is second
    assert demo.dependency(1) is second
    with pytest.raises(KeyError, match="no event at index 2"):
        demo.dependency(2)
    with pytest.raises(KeyError, match=r"the app has \['first', 'identity'\]"):
        demo.dependency("/missing")


# -- config() --------------------------------------------------------------------------------


def test_config_describes_components_and_events_as_json() -> None:
    with gr.Blocks(title="Sepia") as demo:
        image = gr.Image(label="In")
        label = gr.Label()
        image.upload(identity, image, label, api_name="classify")
    config = demo.config
    json.dumps(config)  # serialisable as is
    assert (config["title"], config["mode"]) == ("Sepia", "blocks")
    kinds = [(c["id"], c["type"]) for c in config["components"]]
    assert kinds == [(image.id, "image"), (label.id, "label")]
    image_config = config["components"][0]
    assert image_config["props"]["label"] == "In"
    assert "upload" in image_config["events"]
    assert image_config["api_info"]["title"] == "ImageData"
    [dependency] = config["dependencies"]
    assert dependency["api_name"] == "classify"
    assert dependency["targets"] == [[image.id, "upload"]]


# -- callable values -------------------------------------------------------------------------


def gradient(size: int = 8) -> np.ndarray:
    return np.full((size, size, 3), 200, np.uint8)


def test_a_callable_value_becomes_a_hidden_load_event_with_its_timer_and_inputs() -> None:
    with gr.Blocks() as demo:
        size = gr.Slider(1, 64, 8)
        image = gr.Image(value=gradient, every=2.0, inputs=[size])
    [load] = demo.dependencies
    [timer] = [c for c in demo.components if isinstance(c, gr.Timer)]
    assert timer.value == 2.0
    assert load.triggers == [Trigger(demo, "load"), Trigger(timer, "tick"), Trigger(size, "change")]
    assert load.fn is gradient
    assert (load.inputs, load.outputs) == ([size], [image])
    assert load.api_name == f"load_{image.id}"
    assert load.api_visibility == "undocumented"
    assert load.show_progress == "hidden"
    assert load.trigger_mode == "always_last"
    assert load.concurrency_limit is None
    assert image.value is None  # computed at load, not at construction
    [config] = demo.config["dependencies"]
    assert config["targets"] == [[0, "load"], [timer.id, "tick"], [size.id, "change"]]


def test_a_timer_given_as_every_is_used_as_is() -> None:
    with gr.Blocks() as demo:
        timer = gr.Timer(0.5)
        number = gr.Number(value=lambda: 3, every=timer)
    [load] = demo.dependencies
    assert load.triggers == [Trigger(demo, "load"), Trigger(timer, "tick")]
    assert load.outputs == [number]


def test_every_without_a_callable_value_adds_nothing() -> None:
    with gr.Blocks() as demo:
        gr.Number(value=3, every=1.0)
    assert demo.dependencies == []
    assert not any(isinstance(c, gr.Timer) for c in demo.components)


@pytest.mark.anyio
async def test_the_load_event_computes_the_value_from_its_inputs(policy: FileAccess) -> None:
    with gr.Blocks() as demo:
        size = gr.Slider(1, 64, 8, step=1)
        image = gr.Image(value=gradient, inputs=size)
    async with AsyncTestClient(demo, file_access=policy) as client:
        path = await client.predict(5, api_name=f"load_{image.id}")
    with PIL.Image.open(path) as loaded:
        assert loaded.size == (5, 5)


# -- demo(...) ---------------------------------------------------------------------------------


def test_calling_the_app_runs_an_event_with_client_side_values() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        text = gr.Textbox()
        number.submit(lambda x: f"got {x}", number, text, api_name="predict")
        number.change(lambda x: x + 1, number, number, api_name="plus")
    assert demo(3) == "got 3"
    assert demo(3, api_name="/plus") == 4
    assert demo(3, api_name=1) == 4
    refusal = "no public event with api_name '/nope'; the app has: /predict, /plus"
    with pytest.raises(KeyError, match=refusal):
        demo(1, api_name="nope")


def test_calling_the_app_without_api_name_runs_predict_else_the_first_event() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(lambda x: x + 1, number, number, api_name="first")
        number.change(lambda x: x * 10, number, number, api_name="predict")
    assert demo(2) == 20
    with gr.Blocks() as other:
        number = gr.Number()
        number.submit(lambda x: x + 1, number, number, api_name="first")
        number.change(lambda x: x * 10, number, number, api_name="second")
    assert other(2) == 3


def test_calling_the_app_returns_a_generators_last_value() -> None:
    def count(n: int) -> Iterator[int]:
        yield from range(int(n))

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(count, number, number, api_name="predict")
    assert demo(4) == 3


def test_calling_the_app_wraps_a_batch_fn_input_and_unwraps_its_result() -> None:
    seen: list[Any] = []

    def batched(xs: list[int], ys: list[int]) -> tuple[list[int], list[str]]:
        seen.append((xs, ys))
        return [x + y for x, y in zip(xs, ys, strict=True)], [f"{x}" for x in xs]

    with gr.Blocks() as demo:
        a, b = gr.Number(), gr.Number()
        total, text = gr.Number(), gr.Textbox()
        a.submit(batched, [a, b], [total, text], batch=True, api_name="predict")
        b.submit(batched, [a, b], [total, text], batch=True, queue=False, api_name="direct")
    assert demo(2, 3) == (5, "2")
    assert demo(4, 5, api_name="direct") == (9, "4")
    assert seen == [([2], [3]), ([4], [5])]


def test_calling_the_app_raises_the_validators_messages() -> None:
    def check(x: int) -> dict[str, Any]:
        return gr.validate(x > 0, "x must be positive")

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(identity, number, number, validator=check, api_name="predict")
    assert demo(2) == 2
    with pytest.raises(ValidationError) as refused:
        demo(-1)
    assert refused.value.messages == {"x": "x must be positive"}
    assert isinstance(refused.value, gr.Error)


def test_calling_the_app_raises_the_fns_error() -> None:
    def fail(x: int) -> int:
        raise gr.Error(f"cannot handle {x}", title="Nope")

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(fail, number, number, api_name="predict")
    with pytest.raises(gr.Error, match="cannot handle 7") as failed:
        demo(7)
    assert failed.value.title == "Nope"
