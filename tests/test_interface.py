"""``Interface``: a one-function app wired as Gradio wires it (Submit button, or live)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.testing import AsyncTestClient, TestClient
from streamcore.events import Trigger
from streamcore.media.files import FileAccess, use_file_access


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    access = FileAccess(cache_dir=tmp_path / "cache")
    with use_file_access(access):
        yield access


def brighten(image: np.ndarray, amount: float) -> np.ndarray:
    return np.clip(image.astype(np.int16) + int(amount), 0, 255).astype(np.uint8)


def mean_of(image: np.ndarray) -> float:
    return float(image.mean())


def shifted(image: np.ndarray, offset: float) -> float:
    return mean_of(image) + offset


def test_a_submit_button_runs_the_fn_named_after_it() -> None:
    demo = gr.Interface(brighten, [gr.Image(), gr.Slider(0, 100, 10)], "image")
    dep = demo.dependency_
    assert demo.dependency("brighten") is dep
    assert dep.triggers == [Trigger(demo.submit_button, "click")]
    assert demo.submit_button.value == "Submit"
    assert demo.submit_button.variant == "primary"
    assert dep.inputs == demo.input_components
    assert dep.outputs == demo.output_components
    assert (dep.trigger_mode, dep.show_progress, dep.is_stream) == ("once", "full", False)
    assert dep.time_limit is None  # only live streams are time-limited
    assert demo.mode == "interface"
    assert demo.config["mode"] == "interface"


def test_shortcut_strings_become_default_components() -> None:
    demo = gr.Interface(mean_of, "image", "number")
    image, number = demo.input_components[0], demo.output_components[0]
    assert isinstance(image, gr.Image)
    assert isinstance(number, gr.Number)
    assert (image.type, image.format, image.sources) == (
        "numpy",
        "webp",
        ["upload", "webcam", "clipboard"],
    )
    with pytest.raises(ValueError, match="Unknown component shortcut 'webcam'"):
        gr.Interface(mean_of, "webcam", "number")
    with pytest.raises(TypeError, match="Interface inputs must be components or shortcut"):
        gr.Interface(mean_of, 3, "number")


def test_labels_come_from_the_fn_parameters_and_outputs_are_numbered() -> None:
    demo = gr.Interface(brighten, [gr.Image(), gr.Slider(label="Gain")], ["image", "image"])
    assert [c.label for c in demo.input_components] == ["image", "Gain"]
    assert [c.label for c in demo.output_components] == ["output 0", "output 1"]
    single = gr.Interface(mean_of, "image", "number")
    assert single.output_components[0].label == "output"


def test_event_options_are_passed_to_the_dependency() -> None:
    def sums(xs: list[float]) -> tuple[list[float]]:
        return ([x + 1 for x in xs],)

    demo = gr.Interface(
        sums,
        "number",
        "number",
        api_name="add_one",
        api_description="Adds one.",
        batch=True,
        max_batch_size=8,
        concurrency_limit=3,
        show_progress="minimal",
        submit_btn="Go",
    )
    dep = demo.dependency("add_one")
    assert (dep.batch, dep.max_batch_size, dep.concurrency_limit) == (True, 8, 3)
    assert (dep.api_description, dep.show_progress) == ("Adds one.", "minimal")
    assert demo.submit_button.value == "Go"
    assert demo(4, api_name="add_one") == 5


def test_api_name_none_names_the_event_after_the_fn() -> None:
    demo = gr.Interface(mean_of, "image", "number", api_name=None)
    assert demo.dependency_.api_name == "mean_of"


def test_additional_inputs_follow_the_inputs() -> None:
    extra = gr.Slider(0, 100, 25)
    demo = gr.Interface(brighten, gr.Image(), "image", additional_inputs=[extra])
    assert demo.input_components[1] is extra
    assert demo.dependency_.inputs[1] is extra


def test_live_with_a_streaming_webcam_is_a_stream_event() -> None:
    webcam = gr.Image(sources=["webcam"], streaming=True)
    gain = gr.Slider(0, 100, 10)
    demo = gr.Interface(brighten, [webcam, gain], "image", live=True)
    dep = demo.dependency_
    assert dep.is_stream
    assert dep.triggers == [Trigger(webcam, "stream"), Trigger(gain, "change")]
    assert dep.trigger_mode == "multiple"
    assert dep.show_progress == "hidden"
    assert (dep.time_limit, dep.stream_every) == (30, 0.5)  # Interface's defaults
    assert dep.concurrency_limit == "default"
    assert demo.submit_button is None


def test_live_stream_options_are_the_interfaces() -> None:
    webcam = gr.Image(sources="webcam", streaming=True)
    demo = gr.Interface(
        mean_of, webcam, "number", live=True, time_limit=5, stream_every=0.1, concurrency_limit=4
    )
    dep = demo.dependency_
    assert (dep.time_limit, dep.stream_every, dep.concurrency_limit) == (5, 0.1, 4)


def test_live_without_streaming_runs_on_every_input_change() -> None:
    image, gain = gr.Image(), gr.Slider(0, 100, 10)
    demo = gr.Interface(brighten, [image, gain], "image", live=True, show_progress="minimal")
    dep = demo.dependency_
    assert not dep.is_stream
    assert dep.triggers == [Trigger(image, "change"), Trigger(gain, "change")]
    assert (dep.trigger_mode, dep.show_progress) == ("always_last", "minimal")


def test_a_streaming_input_in_a_non_live_interface_warns() -> None:
    with pytest.warns(UserWarning, match="Streaming components are only supported in live"):
        demo = gr.Interface(mean_of, gr.Image(sources="webcam", streaming=True), "number")
    assert not demo.dependency_.is_stream


def test_a_non_live_interface_runs_through_the_client(policy: FileAccess) -> None:
    demo = gr.Interface(brighten, [gr.Image(type="numpy"), gr.Slider(0, 100, 10)], "image")
    image = np.full((6, 8, 3), 100, np.uint8)
    with TestClient(demo, file_access=policy) as client:
        path = client.predict(image, 50)
    with PIL.Image.open(path) as result:
        assert result.size == (8, 6)
        assert np.abs(np.asarray(result.convert("RGB")).astype(int) - 150).max() <= 3


@pytest.mark.anyio
async def test_a_live_streaming_interface_streams_through_the_client(policy: FileAccess) -> None:
    webcam = gr.Image(sources="webcam", streaming=True)
    demo = gr.Interface(shifted, [webcam, gr.Number()], "number", live=True, stream_every=0)
    frames = [np.full((4, 4, 3), level, np.uint8) for level in (10, 20, 30)]
    async with AsyncTestClient(demo, file_access=policy) as client:
        stream = await client.stream(frames, None, 1000)
        outputs = [value async for value in stream]
    assert outputs == [1010.0, 1020.0, 1030.0]
    assert stream.completion is not None
    assert stream.completion.reason == "closed"
