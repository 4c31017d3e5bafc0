"""``HTML``: the app author's HTML, shown as HTML."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any, ClassVar, Final, Literal

from ..errors import InvalidInputError
from ..events import EventListener
from ._common import Key, buttons_prop, describe
from .base import Component

__all__ = ["ALL_EVENTS", "HTML"]

ALL_EVENTS: Final = (
    "change",
    "input",
    "click",
    "double_click",
    "submit",
    "stop",
    "edit",
    "clear",
    "play",
    "pause",
    "end",
    "start_recording",
    "pause_recording",
    "stop_recording",
    "focus",
    "blur",
    "upload",
    "release",
    "select",
    "stream",
    "like",
    "example_select",
    "option_select",
    "load",
    "key_up",
    "apply",
    "delete",
    "tick",
    "undo",
    "retry",
    "expand",
    "collapse",
    "download",
    "copy",
)
"""Every event name Gradio 6 defines; ``HTML`` has them all."""

_SCRIPT_TAG = re.compile(r"<script[\s>]", re.IGNORECASE)


def _warn_if_script(content: object) -> None:
    """As Gradio: a ``<script>`` put in by ``innerHTML`` never runs, so say so."""
    if isinstance(content, str) and _SCRIPT_TAG.search(content):
        warnings.warn(
            "HTML: a <script> tag in the HTML of gr.HTML will not run (browsers do not run "
            "scripts inserted as innerHTML); load scripts with `head` and run code with "
            "`js_on_load`.",
            UserWarning,
            stacklevel=4,
        )


class HTML(Component):
    """HTML set by the app (``gr.HTML``): the constructor's value or a fn's return.

    The app author's HTML is trusted, as in Gradio: the page puts it in with
    ``innerHTML`` (so ``<script>`` tags do not run; a warning says so, as Gradio's) and
    runs ``js_on_load`` with ``element``, ``trigger(event, data)`` and ``props``.
    ``html_template`` is shown with each ``${name}`` replaced by the value (``${value}``)
    or the prop of that name; ``css_template`` is applied inside the component. Only the
    app's own text reaches the page this way: every other component shows the user's
    text as text. The value may be a string or any JSON value (for a template); the
    client's value is a string or ``null`` (:class:`InvalidInputError` otherwise). A
    custom event named in quotes in ``js_on_load`` is a listener too (``html.my_event``),
    as in Gradio.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ALL_EVENTS

    def __init__(
        self,
        value: Any = None,
        *,
        label: str | None = None,
        html_template: str = "${value}",
        css_template: str = "",
        js_on_load: str | None = (
            "element.addEventListener('click', function() { trigger('click') });"
        ),
        apply_default_css: bool = True,
        every: Any = None,
        inputs: Any = None,
        show_label: bool = False,
        scale: int | None = None,
        min_width: int | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        min_height: int | None = None,
        max_height: int | None = None,
        container: bool = False,
        padding: bool = False,
        autoscroll: bool = False,
        buttons: list[Any] | None = None,
        head: str | None = None,
        server_functions: list[Any] | None = None,
        **props: Any,
    ) -> None:
        if server_functions:
            raise ValueError(
                "HTML server_functions are not supported by streamcore; use an event instead."
            )
        _warn_if_script(html_template)
        self.html_template = html_template
        self.css_template = css_template
        self.js_on_load = js_on_load
        self.apply_default_css = apply_default_css
        self.head = head
        self.min_height = min_height
        self.max_height = max_height
        self.padding = padding
        self.autoscroll = autoscroll
        self.buttons = buttons
        self.extra_props = props
        self._min_width = min_width
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            scale=scale,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
            container=container,
        )

    def __getattr__(self, name: str) -> EventListener:
        """``html.<name>`` for a custom event that ``js_on_load`` triggers (its name in
        quotes there); ``AttributeError`` otherwise."""
        js = self.__dict__.get("js_on_load") or ""
        if not name.startswith("_") and re.search(rf"""['"`]{re.escape(name)}['"`]""", js):
            return EventListener(self, name)
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}. For a custom "
            f"event, name {name!r} (in quotes) in js_on_load."
        )

    def preprocess(self, payload: Any) -> str | None:
        """The HTML as sent (rarely used); :class:`InvalidInputError` for a non-string."""
        if payload is None or isinstance(payload, str):
            return payload
        raise InvalidInputError(f"HTML: expected a string, got {describe(payload)}.")

    def postprocess(self, value: Any) -> Any:
        """The value as returned (a string, or JSON for a template); ``ValueError`` for a
        value that is not JSON-serialisable."""
        if value is None or isinstance(value, str):
            _warn_if_script(value)
            return value
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"HTML expects a string (or a JSON value for html_template) from the "
                f"function, got {describe(value)}: {error}"
            ) from None
        return value

    def example_value(self) -> str:
        """A paragraph, as Gradio."""
        return "<p>Hello</p>"

    def props(self) -> dict[str, Any]:
        """Gradio's HTML config props (extra keyword arguments are sent as props)."""
        return {
            **self.extra_props,
            **super().props(),
            "min_width": self._min_width,
            "html_template": self.html_template,
            "css_template": self.css_template,
            "js_on_load": self.js_on_load,
            "apply_default_css": self.apply_default_css,
            "head": self.head,
            "min_height": self.min_height,
            "max_height": self.max_height,
            "padding": self.padding,
            "autoscroll": self.autoscroll,
            "buttons": buttons_prop(self.buttons),
            "component_class_name": type(self).__name__,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}
