"""``Interface``: a one-function app, built as a :class:`Blocks` (Gradio's high-level API)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ..components.base import Component
from ..components.clear_button import clear_on_click
from ..components.markdown import Markdown
from ..components.shortcuts import component_from_string
from ..components.values import Button
from ..engine.functions import fn_kind
from ..events import Dependency, EventListener, default_api_name, on
from ..layouts import Column, Row, Tab, Tabs
from .blocks import Blocks
from .examples import Examples
from .flagging import DEFAULT_FLAGGING_DIR, FlaggingCallback, attach_flagging
from .special_args import input_parameter_names

__all__ = ["Interface", "TabbedInterface"]


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


def _button(spec: str | Button | None, variant: str) -> Button | None:
    """A button from Gradio's ``submit_btn`` / ``stop_btn`` / ``clear_btn`` forms: a label,
    a ``gr.Button`` (rendered here), or ``None`` for none."""
    if spec is None:
        return None
    if isinstance(spec, Button):
        return spec.render()  # type: ignore[return-value]
    if not isinstance(spec, str):
        raise TypeError(f"a button parameter must be a str or a gr.Button, not {spec!r}")
    return Button(spec, variant=variant)  # type: ignore[arg-type]


class Interface(Blocks):
    """Wrap ``fn`` in an app with ``inputs`` and ``outputs`` (components or shortcuts),
    laid out as Gradio's: the title and description on top, the inputs with Clear and
    Submit in the left column, the outputs in the right one, the article under them.

    Without ``live`` a Submit button (and Enter in a text input) runs ``fn``; with no
    inputs the button says "Generate"; a generator fn gets a Stop button that cancels
    it. With ``live``, streaming Image inputs run it as a stream (``time_limit``,
    ``stream_every``) and the other inputs on change. The event's api name is
    ``api_name``, by default the fn's name (``"lambda"`` for a lambda), as Gradio 6's.
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
        flagging_options: Any = None,
        flagging_dir: str = DEFAULT_FLAGGING_DIR,
        flagging_callback: FlaggingCallback | None = None,
        examples_per_page: int = 10,
        api_name: str | None = None,
        api_description: str | None | Literal[False] = None,
        api_visibility: Literal["public", "private", "undocumented"] = "public",
        batch: bool = False,
        max_batch_size: int = 4,
        concurrency_limit: int | None | Literal["default"] = "default",
        time_limit: float | None = 30,
        stream_every: float = 0.5,
        show_progress: str = "full",
        submit_btn: str | Button = "Submit",
        stop_btn: str | Button = "Stop",
        clear_btn: str | Button | None = "Clear",
        additional_inputs: Any = None,
        **blocks_options: Any,
    ) -> None:
        super().__init__(title=title or "streamcore", mode="interface", **blocks_options)
        self.fn = fn
        self.live = live
        self.interface_title = title
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
            "api_name": api_name or default_api_name(fn),
            "api_description": api_description,
            "api_visibility": api_visibility,
            "batch": batch,
            "max_batch_size": max_batch_size,
            "concurrency_limit": concurrency_limit,
        }
        with self:
            self._render_title_and_description()
            with Row():
                with Column(variant="panel") as self.input_column:
                    for component in self.input_components:
                        component.render()
                    with Row():
                        self.clear_button = _button(clear_btn, "secondary")
                        self.submit_button = (
                            None
                            if live and self.input_components
                            else _button(
                                submit_btn if self.input_components else "Generate", "primary"
                            )
                        )
                        is_generator = fn_kind(fn).is_generator
                        self.stop_button = (
                            _button(stop_btn, "stop")
                            if is_generator and self.submit_button is not None
                            else None
                        )
                self.output_column: Column | None = None
                if self.output_components:
                    with Column(variant="panel") as self.output_column:
                        for component in self.output_components:
                            component.render()
            if live and self.input_components:
                self.dependency_: Dependency = self._wire_live(
                    streaming, time_limit, stream_every, show_progress, options
                )
            else:
                assert self.submit_button is not None
                triggers = [self.submit_button.click] + [
                    EventListener(c, "submit")
                    for c in self.input_components
                    if "submit" in type(c).EVENTS
                ]
                self.dependency_ = on(
                    triggers,
                    fn,
                    self.input_components,
                    self.output_components,
                    show_progress=show_progress,
                    **options,
                )
            if self.stop_button is not None:
                self.stop_button.click(
                    None, None, None, cancels=[self.dependency_], api_visibility="private"
                )
            if self.clear_button is not None:  # as Gradio's Clear (a State is left as it is)
                clear_on_click(self.clear_button, [*self.input_components, *self.output_components])
            with self.output_column or self.input_column, Row():
                self.flag_buttons = attach_flagging(
                    self, flagging_mode, flagging_options, flagging_dir, flagging_callback
                )
            if examples is not None:
                self.examples_handler = Examples(
                    examples,
                    [c for c in self.input_components if not c.stateful],
                    [c for c in self.output_components if not c.stateful],
                    fn,
                    cache_examples,
                    examples_per_page=examples_per_page,
                    batch=batch,
                )
            if article:
                Markdown(article)

    def _render_title_and_description(self) -> None:
        if self.interface_title:
            Markdown(f"# {self.interface_title}", elem_classes="interface-title")
        if self.description:
            Markdown(self.description)

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


class TabbedInterface(Blocks):
    """Several apps (``Interface``\\ s or ``Blocks``), one per tab (Gradio's
    ``TabbedInterface``): ``tab_names`` label the tabs (``"Tab 0"``, ``"Tab 1"``... by
    default); ``title`` goes above them."""

    def __init__(
        self,
        interface_list: Sequence[Blocks],
        tab_names: Sequence[str] | None = None,
        title: str | None = None,
        **blocks_options: Any,
    ) -> None:
        if not interface_list or not all(isinstance(app, Blocks) for app in interface_list):
            raise TypeError("TabbedInterface takes a non-empty list of gr.Interface or gr.Blocks")
        names = list(tab_names) if tab_names is not None else []
        if tab_names is not None and len(names) != len(interface_list):
            raise ValueError(
                f"TabbedInterface got {len(interface_list)} apps but {len(names)} tab_names"
            )
        names = names or [f"Tab {index}" for index in range(len(interface_list))]
        super().__init__(title=title or "streamcore", **blocks_options)
        self.interface_list = list(interface_list)
        with self:
            if title:
                Markdown(f"# {title}", elem_classes="interface-title")
            with Tabs():
                for app, name in zip(self.interface_list, names, strict=True):
                    with Tab(label=name):
                        app.render()
