"""``Textbox`` and ``Markdown``: text values."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from ..errors import InvalidInputError
from ._common import (
    TEXTBOX_TYPES,
    Key,
    buttons_prop,
    describe,
)
from .base import Component

__all__ = ["Textbox"]


class Textbox(Component):
    """A text field (``gr.Textbox``).

    The client value is a string or ``null``; :meth:`preprocess` raises
    :class:`InvalidInputError` for any other type and for text longer than
    ``max_length`` characters (Python code points, so never stricter than the browser's
    own UTF-16 count). Fn outputs are sent as ``str(value)``. The constructor raises
    ``ValueError`` for an unknown ``type`` and, as Gradio, warns and resets ``lines`` and
    ``max_lines`` to 1 for ``"password"`` and ``"email"``.
    """

    EVENTS: ClassVar[tuple[str, ...]] = (
        "change",
        "input",
        "select",
        "submit",
        "focus",
        "blur",
        "stop",
        "copy",
    )

    def __init__(
        self,
        value: str | Callable[..., Any] | None = None,
        *,
        type: Literal["text", "password", "email"] = "text",
        lines: int = 1,
        max_lines: int | None = None,
        placeholder: str | None = None,
        label: str | None = None,
        info: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        autofocus: bool = False,
        autoscroll: bool = True,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        text_align: Literal["left", "right"] | None = None,
        rtl: bool = False,
        buttons: list[Any] | None = None,
        max_length: int | None = None,
        submit_btn: str | bool | None = False,
        stop_btn: str | bool | None = False,
        html_attributes: Any = None,
    ) -> None:
        if type not in TEXTBOX_TYPES:
            raise ValueError('`type` must be one of "text", "password", or "email".')
        if type != "text":
            lines, max_lines = _single_line(lines, max_lines)
        if max_length is not None and (
            not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 0
        ):
            raise ValueError(
                f"Textbox max_length must be None or a non-negative int, not {max_length!r}."
            )
        self.type = type
        self.lines = lines
        self.max_lines = max_lines
        self.placeholder = placeholder
        self.info = info
        self.autofocus = autofocus
        self.autoscroll = autoscroll
        self.text_align = text_align
        self.rtl = rtl
        self.buttons = buttons
        self.max_length = max_length
        self.submit_btn = submit_btn
        self.stop_btn = stop_btn
        self.html_attributes = html_attributes
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> str | None:
        """The text for the fn (``None`` stays ``None``); raises :class:`InvalidInputError`
        for a non-string or text over ``max_length``."""
        if payload is None:
            return None
        if not isinstance(payload, str):
            raise InvalidInputError(f"Textbox: expected a string, got {describe(payload)}.")
        if self.max_length is not None and len(payload) > self.max_length:
            raise InvalidInputError(
                f"Textbox: the text is {len(payload)} characters long, over the "
                f"max_length of {self.max_length}. Shorten it."
            )
        return payload

    def postprocess(self, value: Any) -> str | None:
        """``None`` stays ``None``; anything else is sent as ``str(value)`` (as Gradio)."""
        return None if value is None else str(value)

    def props(self) -> dict[str, Any]:
        """Gradio's Textbox config props, JSON-serialisable."""
        return {
            **super().props(),
            "type": self.type,
            "lines": self.lines,
            "max_lines": self.max_lines,
            "placeholder": self.placeholder,
            "info": self.info,
            "autofocus": self.autofocus,
            "autoscroll": self.autoscroll,
            "text_align": self.text_align,
            "rtl": self.rtl,
            "buttons": buttons_prop(self.buttons),
            "max_length": self.max_length,
            "submit_btn": self.submit_btn,
            "stop_btn": self.stop_btn,
            "html_attributes": _html_attributes_prop(self.html_attributes),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string, with ``maxLength`` when ``max_length`` is set."""
        if self.max_length is None:
            return {"type": "string"}
        return {"type": "string", "maxLength": self.max_length}


def _single_line(lines: int, max_lines: int | None) -> tuple[int, int | None]:
    """Gradio's rule for password and email boxes: one line, with a warning if asked for more."""
    if lines != 1:
        warnings.warn(
            "The `lines` parameter must be 1 for `type` of 'password' or 'email'. "
            "Setting `lines` to 1.",
            UserWarning,
            stacklevel=3,
        )
        lines = 1
    if max_lines not in (None, 1):
        warnings.warn(
            "The `max_lines` parameter must be None or 1 for `type` of 'password' or 'email'. "
            "Setting `max_lines` to 1.",
            UserWarning,
            stacklevel=3,
        )
        max_lines = 1
    return lines, max_lines


def _html_attributes_prop(attributes: Any) -> dict[str, Any] | None:
    """``html_attributes`` (a dataclass such as ``InputHTMLAttributes`` or a dict) as a dict."""
    if attributes is None:
        return None
    if dataclasses.is_dataclass(attributes) and not isinstance(attributes, type):
        return dataclasses.asdict(attributes)
    return dict(attributes)


# -- Label ------------------------------------------------------------------------------
