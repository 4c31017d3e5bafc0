"""Registering events: every listener parameter is stored, validated and described.

What the parameters *do* when the app runs is pinned in ``test_runtime.py`` (and
``test_testing.py`` for the client's side); here each one is checked where it is written:
a bad value fails at registration with the valid choices in the message, and the
display-only ones reach ``Blocks.config`` for the page.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

import streamcore as gr
from streamcore.events import (
    API_VISIBILITIES,
    SHOW_PROGRESS,
    TRIGGER_MODES,
    Dependency,
    SelectData,
    Trigger,
    default_api_name,
)


def double(x: Any) -> Any:
    """Double the value.

    More text that is part of the docstring.
    """
    return x * 2


def counter() -> Any:
    yield 1


def dep_config(demo: gr.Blocks, dependency: Dependency) -> dict[str, Any]:
    [found] = [d for d in demo.config["dependencies"] if d["id"] == dependency.id]
    return found


@pytest.fixture
def app() -> Any:
    with gr.Blocks() as demo:
        number = gr.Number()
        text = gr.Textbox()
        button = gr.Button()
        image = gr.Image()
    return demo, number, text, button, image


# -- fn, inputs, outputs ------------------------------------------------------------------


def test_a_listener_returns_a_dependency_registered_on_the_blocks(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        dep = button.click(double, number, text)
    assert isinstance(dep, Dependency)
    assert demo.dependencies == [dep]
    assert dep.fn is double
    assert dep.inputs == [number]
    assert dep.outputs == [text]
    assert dep.triggers == [Trigger(button, "click")]
    assert dep.blocks is demo


def test_inputs_and_outputs_accept_a_component_a_list_a_tuple_a_set_or_none(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        single = button.click(double, number, text)
        listed = button.click(double, [number, text], (text,))
        a_set = button.click(double, {number}, set())
        nothing = button.click(double, None, None)
    assert (single.inputs, single.outputs) == ([number], [text])
    assert (listed.inputs, listed.outputs) == ([number, text], [text])
    assert (a_set.inputs, a_set.outputs) == ([number], [])
    assert (nothing.inputs, nothing.outputs) == ([], [])
    config = dep_config(demo, listed)
    assert config["inputs"] == [number.id, text.id]
    assert config["outputs"] == [text.id]


def test_inputs_and_outputs_must_be_components(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        with pytest.raises(TypeError, match="inputs must be components, got str"):
            button.click(double, "number", None)
        with pytest.raises(TypeError, match="outputs must be components, got int"):
            button.click(double, number, [number, 3])


def test_components_used_by_an_event_belong_to_the_blocks() -> None:
    outside = gr.Number()
    with gr.Blocks() as demo:
        button = gr.Button()
        button.click(double, outside, None)
    assert outside in demo.components


def test_fn_must_be_callable_or_none(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(TypeError, match="fn must be callable, None or 'decorator'"):
        button.click(42, number, number)
    with demo, pytest.raises(TypeError, match="fn must be callable"):
        button.click("not-a-decorator", number, number)


def test_decorator_form_registers_the_function_and_keeps_it_callable(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:

        @button.click(inputs=number, outputs=text, api_name="doubled")
        def doubled(x: int) -> int:
            return x * 2

    assert isinstance(doubled, Dependency)
    assert demo.dependencies == [doubled]
    assert doubled.api_name == "doubled"
    assert doubled.inputs == [number]
    assert doubled(21) == 42


def test_a_dependency_without_fn_cannot_be_called(app: Any) -> None:
    demo, _, _, button, _ = app
    with demo:
        dep = button.click(None, None, None)
    with pytest.raises(TypeError, match="has no fn to call"):
        dep()


def test_listeners_outside_a_blocks_raise() -> None:
    button = gr.Button()
    with pytest.raises(AttributeError, match="inside a `with Blocks\\(\\):`"):
        button.click(double, None, None)


def test_every_event_of_image_is_a_listener(app: Any) -> None:
    demo, number, _, _, image = app
    with demo:
        deps = {
            event: getattr(image, event)(double, image, number)
            for event in ("clear", "change", "stream", "select", "upload", "input")
        }
    for event, dep in deps.items():
        assert dep.triggers == [Trigger(image, event)]
    assert deps["stream"].is_stream
    assert not any(d.is_stream for e, d in deps.items() if e != "stream")
    assert repr(image.change) == "<EventListener Image.change>"


def test_a_stream_listener_makes_the_image_streaming() -> None:
    with gr.Blocks():
        image = gr.Image(sources="webcam")
        assert not image.streaming
        image.stream(double, image, image)
    assert image.streaming


# -- then / success / on ----------------------------------------------------------------------


def test_then_and_success_run_after_a_dependency(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        first = button.click(double, number, number)
        after = first.then(double, number, text)
        ok = first.success(double, number, text)
    assert after.triggers == [Trigger(first, "then")]
    assert ok.triggers == [Trigger(first, "success")]
    assert dep_config(demo, after)["targets"] == [[f"dep:{first.id}", "then"]]
    assert dep_config(demo, ok)["targets"] == [[f"dep:{first.id}", "success"]]


def test_then_works_outside_the_with_block_and_as_a_decorator(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        first = button.click(double, number, number)

    @first.then(inputs=number, outputs=text)
    def later(x: int) -> str:
        return str(x)

    assert demo.dependencies == [first, later]
    assert later.triggers == [Trigger(first, "then")]


def test_on_registers_one_fn_on_several_triggers(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        dep = gr.on([button.click, number.submit], double, number, text)
    assert dep.triggers == [Trigger(button, "click"), Trigger(number, "submit")]
    assert dep_config(demo, dep)["targets"] == [[button.id, "click"], [number.id, "submit"]]
    assert dep.trigger_mode == "once"


def test_on_without_triggers_listens_to_the_change_of_every_input(app: Any) -> None:
    demo, number, text, _, _ = app
    with demo:
        dep = gr.on(None, double, [number, text], text)
    assert dep.triggers == [Trigger(number, "change"), Trigger(text, "change")]
    assert dep.trigger_mode == "always_last"


def test_on_as_a_decorator(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:

        @gr.on(button.click, inputs=number, outputs=text)
        def show(x: int) -> str:
            return str(x)

    assert show.triggers == [Trigger(button, "click")]
    assert show(3) == "3"


def test_on_with_a_stream_trigger_is_a_stream_event_whatever_comes_first() -> None:
    with gr.Blocks():
        image = gr.Image(sources="webcam", streaming=True)
        slider = gr.Slider()
        dep = gr.on([slider.change, image.stream], double, [image, slider], image)
    assert dep.is_stream
    assert dep.connection == "stream"
    assert dep.trigger_mode == "multiple"


def test_on_refuses_what_is_not_a_listener(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(TypeError, match="triggers must be listeners"):
        gr.on([button.click, number], double, number, number)


# -- api_name / api_description / api_visibility --------------------------------------------


def test_default_api_name_is_the_fn_name_without_punctuation() -> None:
    assert default_api_name(double) == "double"
    assert default_api_name(lambda x: x) == "lambda"
    assert default_api_name(None) == "unnamed"

    class Model:
        def __call__(self, x: Any) -> Any:
            return x

    assert default_api_name(Model()) == "Model"

    def weird() -> None: ...

    weird.__name__ = "my.fn!-v_2"
    assert default_api_name(weird) == "myfn-v_2"
    assert default_api_name(functools.partial(double)) == "partial"


def test_api_names_get_suffixes_when_taken(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        names = [button.click(double, number, number).api_name for _ in range(3)]
        explicit = button.click(double, number, number, api_name="double").api_name
        other = button.click(double, number, number, api_name="predict").api_name
        again = button.click(double, number, number, api_name="predict").api_name
        empty = button.click(double, number, number, api_name="").api_name
    assert names == ["double", "double_1", "double_2"]
    assert explicit == "double_3"
    assert (other, again) == ("predict", "predict_1")
    assert empty == "double_4"
    assert demo.dependency("double_2").api_name == "double_2"
    assert demo.dependency("/predict_1").api_name == "predict_1"


def test_api_description_reaches_the_config_and_defaults_to_the_docstring(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        given = button.click(double, number, number, api_description="Twice x.")
        default = button.click(double, number, number)
        none = button.click(double, number, number, api_description=False)
        undocumented = button.click(lambda x: x, number, number)
    assert dep_config(demo, given)["api_description"] == "Twice x."
    assert dep_config(demo, default)["api_description"].startswith("Double the value.")
    assert dep_config(demo, none)["api_description"] is False
    assert dep_config(demo, undocumented)["api_description"] is None


@pytest.mark.parametrize("visibility", API_VISIBILITIES)
def test_api_visibility_is_stored_and_described(app: Any, visibility: str) -> None:
    demo, number, _, button, _ = app
    with demo:
        dep = button.click(double, number, number, api_visibility=visibility)
    assert dep.api_visibility == visibility
    assert dep_config(demo, dep)["api_visibility"] == visibility


def test_an_event_without_fn_is_private_and_unnamed(app: Any) -> None:
    demo, _, _, button, _ = app
    with demo:
        js_only = button.click(None, None, None, js="() => alert('hi')")
        nothing = button.click(None, None, None, api_visibility="public")
    assert (js_only.api_visibility, nothing.api_visibility) == ("private", "private")
    assert js_only.api_name == "unnamed"
    assert dep_config(demo, js_only)["has_fn"] is False


def test_private_events_are_not_listed_as_known_api_names(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        button.click(double, number, number, api_name="shown")
        button.click(double, number, number, api_name="hidden", api_visibility="private")
    with pytest.raises(KeyError, match=r"there is no api_name 'nope'; the app has \['shown'\]"):
        demo.dependency("nope")


# -- display-only parameters --------------------------------------------------------------------


def test_display_only_parameters_reach_the_config(app: Any) -> None:
    demo, number, text, button, image = app
    with demo:
        dep = button.click(
            double,
            number,
            [text, image],
            scroll_to_output=True,
            show_progress="minimal",
            show_progress_on=[image],
            js="(x) => x",
            key=("row", 3),
        )
    config = dep_config(demo, dep)
    assert config["scroll_to_output"] is True
    assert config["show_progress"] == "minimal"
    assert config["show_progress_on"] == [image.id]
    assert config["js"] == "(x) => x"
    assert config["key"] == ("row", 3)


def test_display_only_parameter_defaults(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        dep = button.click(double, number, number)
    config = dep_config(demo, dep)
    assert config["scroll_to_output"] is False
    assert config["show_progress"] == "full"
    assert config["show_progress_on"] is None
    assert config["js"] is None
    assert config["key"] is None


def test_show_progress_on_takes_one_component_or_a_list(app: Any) -> None:
    demo, number, text, button, _ = app
    with demo:
        dep = button.click(double, number, [number, text], show_progress_on=text)
    assert dep.show_progress_on == [text]
    with demo, pytest.raises(TypeError, match="show_progress_on must be components"):
        button.click(double, number, number, show_progress_on="text")


@pytest.mark.parametrize(
    ("event", "expected"),
    [("click", "full"), ("change", "full"), ("stream", "minimal"), ("tick", "hidden")],
)
def test_show_progress_defaults_per_event(event: str, expected: str) -> None:
    with gr.Blocks():
        image = gr.Image(sources="webcam")
        button = gr.Button()
        timer = gr.Timer(1)
        source = {"click": button, "change": image, "stream": image, "tick": timer}[event]
        dep = getattr(source, event)(double, None, None)
    assert dep.show_progress == expected


@pytest.mark.parametrize("value", SHOW_PROGRESS)
def test_show_progress_accepts_its_choices(app: Any, value: str) -> None:
    demo, number, _, button, _ = app
    with demo:
        assert button.click(double, number, number, show_progress=value).show_progress == value


# -- the parameters the runtime reads ---------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("change", "always_last"),
        ("stream", "multiple"),
        ("click", "once"),
        ("upload", "once"),
        ("select", "once"),
        ("submit", "once"),
        ("input", "once"),
        ("clear", "once"),
    ],
)
def test_trigger_mode_defaults_per_event(event: str, expected: str) -> None:
    with gr.Blocks():
        image = gr.Image(sources="webcam")
        button = gr.Button()
        number = gr.Number()
        source = {"click": button, "submit": number}.get(event, image)
        dep = getattr(source, event)(double, None, None)
    assert dep.trigger_mode == expected


@pytest.mark.parametrize("mode", TRIGGER_MODES)
def test_trigger_mode_is_stored_and_described(app: Any, mode: str) -> None:
    demo, number, _, button, _ = app
    with demo:
        dep = button.click(double, number, number, trigger_mode=mode)
    assert dep.trigger_mode == mode
    assert dep_config(demo, dep)["trigger_mode"] == mode


def test_the_runtime_parameters_are_stored_and_described(app: Any) -> None:
    demo, number, text, button, _ = app

    def is_positive(x: int) -> dict[str, Any]:
        return gr.validate(x > 0, "positive please")

    with demo:
        first = button.click(double, number, number)
        dep = button.click(
            double,
            number,
            text,
            queue=False,
            batch=True,
            max_batch_size=8,
            preprocess=False,
            postprocess=False,
            cancels=[first],
            concurrency_limit=3,
            concurrency_id="gpu",
            time_limit=2.5,
            stream_every=0.1,
            validator=is_positive,
        )
    assert (dep.queue, dep.batch, dep.max_batch_size) == (False, True, 8)
    assert (dep.preprocess, dep.postprocess) == (False, False)
    assert dep.cancels == [first]
    assert (dep.concurrency_limit, dep.concurrency_id, dep.group_id) == (3, "gpu", "gpu")
    assert (dep.time_limit, dep.stream_every) == (2.5, 0.1)
    assert dep.validator is is_positive
    config = dep_config(demo, dep)
    assert config["queue"] is False
    assert config["batch"] is True
    assert config["max_batch_size"] == 8
    assert config["cancels"] == [first.id]
    assert config["time_limit"] == 2.5
    assert config["stream_every"] == 0.1
    assert config["has_validator"] is True


def test_runtime_parameter_defaults(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        dep = button.click(double, number, number)
    assert dep.queue is True
    assert (dep.batch, dep.max_batch_size) == (False, 4)
    assert (dep.preprocess, dep.postprocess) == (True, True)
    assert dep.cancels == []
    assert (dep.concurrency_limit, dep.concurrency_id) == ("default", None)
    assert dep.group_id is double  # events of one fn object share a group by default
    assert (dep.time_limit, dep.stream_every) == (None, 0.5)
    assert dep.validator is None
    assert dep.connection is None


def test_queue_none_means_the_apps_setting_which_is_queued(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        dep = button.click(double, number, number, queue=None)
    assert dep.queue is True


def test_cancels_takes_one_dependency_or_a_list(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        first = button.click(double, number, number)
        stop = button.click(None, None, None, cancels=first)
    assert stop.cancels == [first]


def test_generator_fns_are_marked_in_the_config(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo:
        gen = button.click(counter, None, number)
        plain = button.click(double, number, number)
    assert dep_config(demo, gen)["is_generator"] is True
    assert dep_config(demo, plain)["is_generator"] is False


# -- invalid values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        ("trigger_mode", "sometimes", ValueError, r"\['once', 'multiple', 'always_last'\]"),
        ("show_progress", "loud", ValueError, r"\['full', 'minimal', 'hidden'\]"),
        ("show_progress", True, ValueError, r"\['full', 'minimal', 'hidden'\]"),
        ("api_visibility", "secret", ValueError, r"\['public', 'private', 'undocumented'\]"),
        ("concurrency_limit", 0, ValueError, "positive int, None \\(unlimited\\) or 'default'"),
        ("concurrency_limit", -2, ValueError, "positive int"),
        ("concurrency_limit", "auto", ValueError, "positive int"),
        ("concurrency_limit", 1.5, ValueError, "positive int"),
        ("concurrency_limit", True, ValueError, "positive int"),
        ("max_batch_size", 0, ValueError, "max_batch_size must be a positive int"),
        ("max_batch_size", 2.0, ValueError, "max_batch_size must be a positive int"),
        ("time_limit", 0, ValueError, "time_limit must be a number of seconds > 0 or None"),
        ("time_limit", -1, ValueError, "time_limit must be"),
        ("time_limit", "10", ValueError, "time_limit must be"),
        ("stream_every", -0.1, ValueError, "stream_every must be a number of seconds >= 0"),
        ("stream_every", None, ValueError, "stream_every must be"),
        ("validator", "yes", TypeError, "validator must be callable or None"),
        ("cancels", ["event"], TypeError, "cancels must list the values returned by event"),
        ("queue", "yes", TypeError, "queue must be True, False or None"),
    ],
)
def test_invalid_values_are_refused_naming_the_valid_ones(
    app: Any, name: str, value: Any, error: type[Exception], message: str
) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(error, match=message):
        button.click(double, number, number, **{name: value})
    assert demo.dependencies == []


def test_the_trigger_mode_message_names_the_parameter(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(ValueError, match="Invalid value for parameter `trigger_mode`"):
        button.click(double, number, number, trigger_mode="never")


def test_unknown_parameters_are_refused(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(TypeError, match="every"):
        button.click(double, number, number, every=1)


def test_a_generator_cannot_be_batched(app: Any) -> None:
    demo, number, _, button, _ = app
    with demo, pytest.raises(ValueError, match="generators in batch mode"):
        button.click(counter, None, number, batch=True)


# -- helpers --------------------------------------------------------------------------------


def test_validate_builds_a_verdict() -> None:
    assert gr.validate(False, "too dark") == {
        "__type__": "validate",
        "is_valid": False,
        "message": "too dark",
    }
    assert gr.validate(1, "")["is_valid"] is True


def test_select_data_from_a_payload() -> None:
    data = SelectData.from_payload({"index": [3, 4], "value": "x", "selected": False}, "img")
    assert (data.index, data.value, data.selected, data.target) == ([3, 4], "x", False, "img")
    assert SelectData.from_payload(None) == SelectData()
    assert gr.EventData is SelectData
