"""``gr.Dataset`` and ``gr.Examples``: samples as given and as client values, image examples
copied into the cache, the click event that fills the inputs, ``run_on_click``, cached
outputs, folders of examples, ``Interface(examples=...)`` and every error."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.testing import TestClient
from streamcore.components.dataset import DATASET_TYPES, Dataset
from streamcore.errors import InvalidInputError, PathNotAllowedError
from streamcore.media.files import FileAccess, use_file_access


@pytest.fixture
def policy(tmp_path: Path) -> Any:
    """The app's folder (``tmp_path/app``, readable as the working directory is by default)
    and a cache of its own."""
    app = tmp_path / "app"
    app.mkdir()
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache", allowed_paths=[app])) as p:
        yield p


def png(path: Path, colour: tuple[int, int, int]) -> Path:
    PIL.Image.new("RGB", (8, 6), colour).save(path)
    return path


# -- Dataset --------------------------------------------------------------------------------------


def test_dataset_keeps_samples_as_given_and_as_client_values() -> None:
    text, number = gr.Textbox(label="name", render=False), gr.Number(label="n", render=False)
    dataset = Dataset(components=[text, number], samples=[["Ada", 3], ["Alan", 4.5]])
    assert dataset.raw_samples == [["Ada", 3], ["Alan", 4.5]]
    assert dataset.samples == [["Ada", 3], ["Alan", 4.5]]
    assert dataset.headers == ["name", "n"]
    props = dataset.props()
    assert props["components"] == ["textbox", "number"]
    assert props["component_ids"] == [text.id, number.id]
    assert "value" not in props["component_props"][0]
    assert props["samples_per_page"] == 10
    assert dataset.api_info() == {"type": "integer", "description": "index of selected example"}
    assert (dataset.example_value(), dataset.example_payload()) == ([], 0)
    assert Dataset.EVENTS == ("change", "click", "select")


def test_dataset_gives_the_fn_values_index_or_both() -> None:
    samples = [["a"], ["b"]]
    assert Dataset(components=["text"], samples=samples).preprocess(1) == ["b"]
    assert Dataset(components=["text"], samples=samples, type="index").preprocess(1) == 1
    assert Dataset(components=["text"], samples=samples, type="tuple").preprocess(0) == (0, ["a"])
    assert Dataset(components=["text"], samples=samples).preprocess(None) is None
    assert set(DATASET_TYPES) == {"values", "index", "tuple"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("0", "expected the index of a sample \\(an int\\), got a value of type str"),
        (True, "expected the index of a sample"),
        (2, "there is no sample 2; the indices are 0 to 1"),
        (-1, "there is no sample -1"),
    ],
)
def test_dataset_refuses_a_bad_index(payload: Any, message: str) -> None:
    dataset = Dataset(components=["text"], samples=[["a"], ["b"]])
    with pytest.raises(InvalidInputError, match="^Dataset: " + message):
        dataset.preprocess(payload)


def test_dataset_postprocess_finds_the_index() -> None:
    dataset = Dataset(components=["text"], samples=[["a"], ["b"]])
    assert dataset.postprocess(1) == 1
    assert dataset.postprocess(["b"]) == 1
    assert dataset.postprocess(None) is None
    with pytest.warns(UserWarning, match="not one of its samples"):
        assert dataset.postprocess(["z"]) is None
    with pytest.raises(ValueError, match="Dataset expects a sample index"):
        dataset.postprocess(2.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"type": "value"}, ValueError, "Dataset type must be one of"),
        ({"samples_per_page": 0}, ValueError, "samples_per_page must be a positive int"),
        ({"samples": [["a", "b"]]}, ValueError, "sample 0 has 2 values but there are 1 comp"),
        ({"sample_labels": ["x", "y"]}, ValueError, "2 labels for 1 samples"),
        ({"components": [3]}, TypeError, "Dataset components must be components"),
    ],
)
def test_dataset_constructor_errors(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Dataset(**{"components": ["text"], "samples": [["a"]], **kwargs})


def test_a_dataset_made_by_component_names_adds_nothing_to_the_app() -> None:
    with gr.Blocks() as demo:
        dataset = Dataset(components=["text", "number"], samples=[["a", 1]])
    assert demo.components == [dataset]


# -- Examples: construction -----------------------------------------------------------------------


def test_examples_builds_a_dataset_and_a_click_event() -> None:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="name")
        examples = gr.Examples([["Ada"], ["Alan"]], name)
    assert examples.cache_examples is False
    assert examples.dataset in demo.components
    assert examples.dataset.type == "tuple"
    assert examples.dataset.label == "Examples"
    event = demo.dependency("load_example")
    assert (event.inputs, event.outputs) == ([examples.dataset], [name])
    assert (event.queue, event.postprocess, event.api_visibility) == (False, False, "undocumented")
    assert demo(1, api_name="load_example") == "Alan"


def test_a_flat_list_for_one_input_and_inputs_without_examples() -> None:
    with gr.Blocks() as demo:
        a, b = gr.Textbox(label="a"), gr.Number(label="b")
        flat = gr.Examples(["x", "y"], a)
        partial = gr.Examples([[None, 1], [None, 2]], [a, b])
    assert flat.examples == [["x"], ["y"]]
    assert partial.inputs_with_examples == [b]  # a has no value in any sample
    assert partial.dataset.samples == [[1], [2]]
    assert demo(0, api_name="load_example_1") == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"examples": None}, ValueError, "the parameter `examples` cannot be None"),
        (
            {"examples": [["a"], "b"], "inputs": "two"},
            ValueError,
            "`examples` must be a folder, a list",
        ),
        ({"examples": 3}, ValueError, "`examples` must be a folder, a list"),
        ({"cache_examples": "lazy"}, ValueError, "cache_examples must be True or False"),
        ({"cache_examples": True}, ValueError, "caching examples needs `fn` and `outputs`"),
        ({"run_on_click": True}, ValueError, "run_on_click needs a fn"),
        (
            {"example_labels": ["one"]},
            ValueError,
            "example_labels must have one label per example \\(2\\), not 1",
        ),
        ({"examples": "no/such/folder"}, FileNotFoundError, "could not find the examples folder"),
    ],
)
def test_examples_errors(kwargs: dict[str, Any], error: type, message: str) -> None:
    with gr.Blocks():
        text, number = gr.Textbox(), gr.Number()
        inputs = [text, number] if kwargs.pop("inputs", None) == "two" else [text]
        with pytest.raises(error, match="^Examples: " + message):
            gr.Examples(**{"examples": [["a"], ["b"]], "inputs": inputs, **kwargs})


def test_examples_outside_blocks_warn() -> None:
    with pytest.warns(UserWarning, match="inside `with gr.Blocks\\(\\):`"):
        examples = gr.Examples(["a"], gr.Textbox())
    assert examples.load_input_event is None


def test_cache_examples_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIO_CACHE_EXAMPLES", "true")
    with gr.Blocks():
        text = gr.Textbox()
        assert gr.Examples(["a"], text, text, fn=str.upper).cache_examples is True
        assert gr.Examples(["a"], text).cache_examples is False  # no fn: nothing to cache


# -- Examples: folders and files ------------------------------------------------------------------


def test_a_folder_of_image_examples(policy: FileAccess) -> None:
    folder = policy.allowed_paths[0] / "pictures"
    folder.mkdir()
    png(folder / "b.png", (0, 0, 255))
    png(folder / "a.png", (255, 0, 0))
    with gr.Blocks() as demo:
        image = gr.Image(label="photo")
        examples = gr.Examples(str(folder), image)
    assert examples.examples == [[str(folder / "a.png")], [str(folder / "b.png")]]
    for payload, name in zip(examples.dataset.samples, ("a.png", "b.png"), strict=True):
        copy = Path(payload[0]["path"])
        assert copy.is_relative_to(policy.cache_dir)  # served and accepted back as input
        assert copy.read_bytes() == (folder / name).read_bytes()
    loaded = demo(0, api_name="load_example")
    assert np.asarray(PIL.Image.open(loaded))[0, 0].tolist() == [255, 0, 0]


def test_a_folder_with_a_log_for_several_inputs(policy: FileAccess) -> None:
    folder = policy.allowed_paths[0] / "samples"
    folder.mkdir()
    png(folder / "red.png", (255, 0, 0))
    (folder / "log.csv").write_text("image,caption,extra\nred.png,a red one,x\n", encoding="utf-8")
    with gr.Blocks():
        image, caption = gr.Image(), gr.Textbox()
        examples = gr.Examples(str(folder), [image, caption])
        with pytest.raises(FileNotFoundError, match=r"needs a log\.csv"):
            gr.Examples(str(policy.allowed_paths[0]), [image, caption])
    assert examples.examples == [[str(folder / "red.png"), "a red one"]]


def test_an_image_example_outside_the_readable_folders_is_refused(
    policy: FileAccess, tmp_path: Path
) -> None:
    outside = png(tmp_path / "secret.png", (1, 2, 3))
    with gr.Blocks(), pytest.raises(PathNotAllowedError):
        gr.Examples([[str(outside)]], gr.Image())


# -- Examples: running the fn ---------------------------------------------------------------------


def test_run_on_click_runs_the_fn_after_loading() -> None:
    with gr.Blocks() as demo:
        name, out = gr.Textbox(), gr.Textbox()
        examples = gr.Examples(["Ada"], name, out, fn=str.upper, run_on_click=True)
    assert examples.load_input_event is not None
    (then,) = [d for d in demo.dependencies if d.fn is str.upper]
    assert [(t.source, t.event) for t in then.triggers] == [(examples.load_input_event, "then")]
    assert (then.inputs, then.outputs) == ([name], [out])


def test_cached_examples_run_the_fn_once_per_sample() -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def shout(text: str) -> str:
        with lock:
            calls.append(text)
        return text.upper() + "!"

    with gr.Blocks() as demo:
        name, out = gr.Textbox(), gr.Textbox()
        examples = gr.Examples([["ada"], ["alan"]], name, out, fn=shout, cache_examples=True)
    assert examples.cache_event is not None
    assert demo(1, api_name="load_example_input") == "alan"
    assert demo(1, api_name="load_example") == "ALAN!"
    assert demo(1, api_name="load_example") == "ALAN!"
    assert demo(0, api_name="load_example") == "ADA!"
    assert calls == ["alan", "ada"]


def test_cached_examples_of_an_image_fn(policy: FileAccess) -> None:
    red = png(policy.allowed_paths[0] / "red.png", (255, 0, 0))

    def mean(image: np.ndarray[Any, Any]) -> float:
        return float(image[..., 0].mean())

    with gr.Blocks() as demo:
        image, out = gr.Image(), gr.Number()
        gr.Examples([[str(red)]], image, out, fn=mean, cache_examples=True)
    with TestClient(demo, file_access=policy) as client:  # the app's policy, in its thread
        assert client.predict(0, api_name="load_example") == 255.0


def test_interface_examples_fill_its_inputs() -> None:
    demo = gr.Interface(
        lambda a, b: a * b, [gr.Number(), gr.Number()], "number", examples=[[2, 3], [4, 5]]
    )
    handler = demo.examples_handler
    assert handler.inputs == demo.input_components
    assert handler.outputs == demo.output_components
    assert handler.dataset in demo.components
    assert demo(1, api_name="load_example") == (4, 5)
    assert demo(4, 5) == 20


def test_a_dataset_select_gets_the_sample_index_as_event_data() -> None:
    with gr.Blocks() as demo:
        dataset = Dataset(components=["text"], samples=[["a"], ["b"]], type="index")
        out = gr.Textbox()

        def chosen(index: int, event: gr.SelectData) -> str:
            return f"{index} {event.index} {event.value}"

        dataset.select(chosen, dataset, out, api_name="chosen")
    with TestClient(demo) as client:
        job = client.submit(1, api_name="chosen", event_data={"index": 1, "value": ["b"]})
        assert job.result() == "1 1 ['b']"
