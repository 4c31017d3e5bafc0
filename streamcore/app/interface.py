"""``Interface``: a one-function app, built as a :class:`Blocks` (Gradio's high-level API)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Literal

from ..components.base import Component
from ..components.shortcuts import component_from_string
from ..components.values import Button
from ..events import Dependency, EventListener, on
from .blocks import Blocks
from .special_args import input_parameter_names

__all__ = ["Interface"]


def _components(value: Any, role: str) -> list[Component]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    result = []
    for item in items:
        if isinstance(item, str):
            item = component_from_string(item)
        if not isinstance(item, Component):
            raise TypeError(
                f"Interface {role} must be components or shortcut strings, got {item!r}"
            )
        result.append(item)
    return result


class Interface(Blocks):
    """Wrap ``fn`` in an app with ``inputs`` and ``outputs`` (components or shortcuts).

    Without ``live`` a Submit button runs ``fn`` (api name ``api_name``). With ``live``,
    streaming Image inputs run it as a stream (``time_limit``, ``stream_every``) and the
    other inputs on change.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        inputs: Any,
        outputs: Any,
        examples: Any = None,
        *,
        cache_examples: bool | None = None,
        live: bool = False,
        title: str | None = None,
        description: str | None = None,
        article: str | None = None,
        flagging_mode: str | None = None,
        api_name: str | None = "predict",
        api_description: str | None | Literal[False] = None,
        batch: bool = False,
        max_batch_size: int = 4,
        concurrency_limit: int | None | Literal["default"] = "default",
        time_limit: float | None = 30,
        stream_every: float = 0.5,
        show_progress: str = "full",
        submit_btn: str = "Submit",
        additional_inputs: Any = None,
        **blocks_options: Any,
    ) -> None:
        super().__init__(title=title or "streamcore", mode="interface", **blocks_options)
        self.fn = fn
        self.live = live
        self.description = description
        self.article = article
        self.examples = examples
        self.input_components = _components(inputs, "inputs") + _components(
            additional_inputs, "additional_inputs"
        )
        self.output_components = _components(outputs, "outputs")
        self._label_from_parameters()
        streaming = [c for c in self.input_components if getattr(c, "streaming", False)]
        if streaming and not live:
            warnings.warn(
                "Streaming components are only supported in live interfaces.", stacklevel=2
            )
        options: dict[str, Any] = {
            "api_name": api_name,
            "api_description": api_description,
            "batch": batch,
            "max_batch_size": max_batch_size,
            "concurrency_limit": concurrency_limit,
        }
        with self:
            for component in (*self.input_components, *self.output_components):
                self.add_component(component)
            if live:
                self.dependency_: Dependency = self._wire_live(
                    streaming, time_limit, stream_every, show_progress, options
                )
            else:
                self.submit_button = Button(submit_btn, variant="primary")
                self.dependency_ = self.submit_button.click(
                    fn,
                    self.input_components,
                    self.output_components,
                    show_progress=show_progress,
                    **options,
                )

    def _wire_live(
        self,
        streaming: list[Component],
        time_limit: float | None,
        stream_every: float,
        show_progress: str,
        options: dict[str, Any],
    ) -> Dependency:
        triggers = [
            EventListener(c, "stream") if c in streaming else EventListener(c, "change")
            for c in self.input_components
        ]
        dependency: Dependency = on(
            triggers,
            self.fn,
            self.input_components,
            self.output_components,
            show_progress="hidden" if streaming else show_progress,
            trigger_mode="multiple" if streaming else "always_last",
            time_limit=time_limit,
            stream_every=stream_every,
            **options,
        )
        return dependency

    def _label_from_parameters(self) -> None:
        """Unlabelled inputs take the fn's parameter names; outputs ``output``/``output N``."""
        names = input_parameter_names(self.fn)  # gr.Request, gr.Progress... left out
        for component, name in zip(self.input_components, names, strict=False):
            if component.label is None:
                component.label = name
        for index, component in enumerate(self.output_components):
            if component.label is None:
                component.label = (
                    "output" if len(self.output_components) == 1 else f"output {index}"
                )
