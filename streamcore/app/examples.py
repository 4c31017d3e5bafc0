"""``Examples`` (``gr.Examples``): sample inputs shown under an app as a
:class:`~streamcore.components.dataset.Dataset`. Clicking a sample fills the input
components with it; with ``run_on_click`` the fn then runs on them, and with
``cache_examples`` the fn's outputs for that sample are shown (computed once per sample and
kept for the life of the process).
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread

from ..components.base import Component
from ..components.dataset import Dataset
from ..contract import to_wire
from ..engine.functions import call_once
from ..events import Dependency, current_blocks

__all__ = ["LOG_FILE", "Examples"]

LOG_FILE = "log.csv"
"""The file that lists the samples of an examples folder with several inputs (Gradio's)."""


class Examples:
    """Gradio 6's ``gr.Examples``: build it inside ``with gr.Blocks():`` (an ``Interface``
    given ``examples=`` builds one for its inputs).

    ``examples`` is a list of samples (a list per sample, one value per input; a flat list
    when there is one input) or a folder: its files are the samples of a single input, or
    its ``log.csv`` (header row first) lists them for several inputs; relative file names
    in it are taken inside the folder. Files named by samples are read under the app's file
    policy (the working directory is readable by default) and copied into the file cache,
    so the page shows them (images as thumbnails) and clicking one loads it into the input.

    Inputs that no sample gives a value are left out of the table. Clicking a sample runs
    the ``load_example`` event (``api_name``), which sets the inputs; ``run_on_click`` then
    runs ``fn`` on the inputs into ``outputs``; ``cache_examples=True`` instead shows the
    fn's outputs for the sample, computed on the first click and remembered (Gradio
    computes them all at launch and keeps them on disk).

    Raises ``ValueError`` for ``examples=None`` or of another shape, a ``cache_examples``
    that is not a bool, caching or ``run_on_click`` without ``fn`` (and ``outputs``), and
    ``example_labels`` of the wrong length; ``FileNotFoundError`` for a missing folder, or
    a folder without ``log.csv`` for several inputs.
    """

    def __init__(
        self,
        examples: list[Any] | list[list[Any]] | str,
        inputs: Component | Sequence[Component],
        outputs: Component | Sequence[Component] | None = None,
        fn: Callable[..., Any] | None = None,
        cache_examples: bool | None = None,
        cache_mode: Literal["eager", "lazy"] | None = None,
        examples_per_page: int = 10,
        _api_mode: bool = False,
        label: str | None = "Examples",
        elem_id: str | None = None,
        run_on_click: bool = False,
        preprocess: bool = True,
        postprocess: bool = True,
        api_visibility: Literal["public", "private", "undocumented"] = "undocumented",
        api_name: str | None = "load_example",
        api_description: str | None | Literal[False] = None,
        batch: bool = False,
        *,
        example_labels: list[str] | None = None,
        visible: bool | Literal["hidden"] = True,
        preload: int | Literal[False] = 0,
        _initiated_directly: bool = True,
    ) -> None:
        self.inputs = [inputs] if isinstance(inputs, Component) else list(inputs)
        self.outputs = (
            []
            if outputs is None
            else [outputs]
            if isinstance(outputs, Component)
            else list(outputs)
        )
        self.cache_examples = _resolve_cache(cache_examples, fn, outputs)
        self.cache_mode = cache_mode
        if run_on_click and fn is None and not self.cache_examples:
            raise ValueError("Examples: run_on_click needs a fn to run.")
        self.examples = _samples(examples, len(self.inputs))
        self.input_has_examples = [
            any(i < len(sample) and sample[i] is not None for sample in self.examples)
            for i in range(len(self.inputs))
        ]
        self.inputs_with_examples = [
            c for c, keep in zip(self.inputs, self.input_has_examples, strict=True) if keep
        ]
        self.non_none_examples = [
            [v for v, keep in zip(sample, self.input_has_examples, strict=False) if keep]
            for sample in self.examples
        ]
        if example_labels is not None and len(example_labels) != len(self.examples):
            raise ValueError(
                "Examples: example_labels must have one label per example "
                f"({len(self.examples)}), not {len(example_labels)}."
            )
        self.fn = fn
        self.run_on_click = run_on_click
        self.preprocess = preprocess
        self.postprocess = postprocess
        self.batch = batch
        self.api_name = api_name
        self.api_description = api_description
        self.api_visibility = api_visibility
        self.example_labels = example_labels
        self.preload = preload
        self.dataset = Dataset(
            components=self.inputs_with_examples,
            samples=self.non_none_examples,
            type="tuple",
            label=label,
            samples_per_page=examples_per_page,
            elem_id=elem_id,
            visible=visible,
            sample_labels=example_labels,
        )
        self._cached: dict[int, Any] = {}
        self._cache_lock: anyio.Lock | None = None  # made on the loop that first needs it
        self.load_input_event: Dependency | None = None
        self.cache_event: Dependency | None = None
        self.create()

    def create(self) -> None:
        """Wire the Dataset's click into the app being built (warns outside ``Blocks``)."""
        if current_blocks() is None:
            warnings.warn(
                "Examples made outside a Blocks context do nothing until their dataset is "
                "rendered in one; make them inside `with gr.Blocks():`.",
                UserWarning,
                stacklevel=3,
            )
            return
        options: dict[str, Any] = {
            "api_name": self.api_name,
            "api_description": self.api_description,
            "api_visibility": self.api_visibility,
        }
        if self.cache_examples:
            self.load_input_event = self.dataset.click(
                self._load_inputs,
                [self.dataset],
                self.inputs_with_examples,
                show_progress="hidden",
                postprocess=False,
                queue=False,
                api_visibility="undocumented",
                api_name="load_example_input",
            )
            self.cache_event = self.load_input_event.then(
                self._load_outputs, [self.dataset], self.outputs, postprocess=False, **options
            )
            return
        self.load_input_event = self.dataset.click(
            self._load_inputs,
            [self.dataset],
            self.inputs_with_examples,
            show_progress="hidden",
            postprocess=False,
            queue=False,
            **options,
        )
        if self.run_on_click and self.fn is not None:
            self.load_input_event.then(
                self.fn, self.inputs, self.outputs, api_visibility="undocumented"
            )

    def _load_inputs(self, example: tuple[int, list[Any]]) -> Any:
        """The clicked sample as the inputs' client values (already postprocessed)."""
        index, _ = example
        values = self.dataset.samples[index]
        return values[0] if len(values) == 1 else values

    async def _load_outputs(self, example: tuple[int, list[Any]]) -> Any:
        """The fn's outputs for the clicked sample as client values, computed once."""
        index, _ = example
        if self._cache_lock is None:
            self._cache_lock = anyio.Lock()
        async with self._cache_lock:
            if index not in self._cached:
                self._cached[index] = await self._compute_outputs(index)
        values = self._cached[index]
        return values[0] if len(values) == 1 else values

    async def _compute_outputs(self, index: int) -> list[Any]:
        """Run the fn on sample ``index`` as a click of the app would (preprocessing and
        postprocessing in worker threads)."""
        assert self.fn is not None  # checked at construction when caching
        args = await anyio.to_thread.run_sync(self._fn_args, index)
        result = await call_once(self.fn, tuple(args))
        return await anyio.to_thread.run_sync(self._client_outputs, result)

    def _fn_args(self, index: int) -> list[Any]:
        payloads = iter(self.dataset.samples[index])
        args = [next(payloads) if keep else None for keep in self.input_has_examples]
        if self.preprocess:
            args = [c.preprocess(a) for c, a in zip(self.inputs, args, strict=True)]
        return [[a] for a in args] if self.batch else args

    def _client_outputs(self, result: Any) -> list[Any]:
        values = [result] if len(self.outputs) == 1 else list(result)
        if self.batch:
            values = [v[0] for v in values]
        if not self.postprocess:
            return values
        return [to_wire(c.postprocess(v)) for c, v in zip(self.outputs, values, strict=True)]


def _resolve_cache(cache: object, fn: object, outputs: object) -> bool:
    if cache is None:
        wanted = os.environ.get("GRADIO_CACHE_EXAMPLES", "").lower() in ("true", "lazy")
        return wanted and fn is not None and outputs is not None
    if not isinstance(cache, bool):
        raise ValueError(f"Examples: cache_examples must be True or False, not {cache!r}.")
    if cache and (fn is None or outputs is None):
        raise ValueError("Examples: caching examples needs `fn` and `outputs`.")
    return cache


def _samples(examples: object, inputs: int) -> list[list[Any]]:
    """The samples of ``examples`` (a list of lists, a flat list for one input, a folder)."""
    if examples is None:
        raise ValueError("Examples: the parameter `examples` cannot be None.")
    if isinstance(examples, list):
        if all(isinstance(e, list) for e in examples):
            return [list(e) for e in examples]
        if inputs == 1:
            return [[e] for e in examples]
    if isinstance(examples, str | os.PathLike):
        return _folder_samples(Path(examples), inputs)
    raise ValueError(
        "Examples: `examples` must be a folder, a list of samples (one list of input values "
        "per sample) or, for a single input, a list of values."
    )


def _folder_samples(folder: Path, inputs: int) -> list[list[Any]]:
    if not folder.is_dir():
        raise FileNotFoundError(f"Examples: could not find the examples folder {str(folder)!r}.")
    log = folder / LOG_FILE
    if not log.exists():
        if inputs != 1:
            raise FileNotFoundError(
                f"Examples: the folder {str(folder)!r} needs a {LOG_FILE} listing the samples "
                f"for {inputs} inputs."
            )
        return [[str(folder / name)] for name in sorted(os.listdir(folder))]
    with log.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    return [[_inside(folder, value) for value in row[:inputs]] for row in rows]


def _inside(folder: Path, value: str) -> str:
    """A relative file name of a ``log.csv`` taken inside its folder; other text unchanged."""
    candidate = folder / value
    return (
        str(candidate) if value and not Path(value).is_absolute() and candidate.is_file() else value
    )
