"""The simple value components Gradio apps use next to ``Image``: ``Slider``, ``Number``,
``Textbox``, ``Label``, ``State``, ``JSON``, ``Markdown``, ``Button`` and ``Timer``.

Each takes Gradio 6's constructor parameters with Gradio 6's defaults and sends the same
client-side value format. Where Gradio trusts the client, these check: a value a client
sent that cannot be used raises :class:`InvalidInputError` whose message starts with the
component's kind (``"Slider: ..."``) and says what was wrong. A value a fn returned that
cannot be shown raises ``ValueError`` naming the component and the offending type.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import enum
import inspect
import json
import math
import numbers
import random
import uuid
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, ClassVar, Final, Literal

import numpy as np

from ..errors import Error, InvalidInputError
from ..files import check_readable, current_file_access
from .base import Component

__all__ = [
    "BUTTON_SIZES",
    "BUTTON_VARIANTS",
    "JSON",
    "TEXTBOX_TYPES",
    "Button",
    "Label",
    "Markdown",
    "Number",
    "Slider",
    "State",
    "Textbox",
    "Timer",
]

BUTTON_VARIANTS: Final = ("primary", "secondary", "stop", "huggingface")
"""The ``variant`` values ``Button`` accepts."""

BUTTON_SIZES: Final = ("sm", "md", "lg")
"""The ``size`` values ``Button`` accepts."""

TEXTBOX_TYPES: Final = ("text", "password", "email")
"""The ``type`` values ``Textbox`` accepts."""

_LINK_TARGETS: Final = ("_self", "_blank", "_parent", "_top")
_DEFAULT_LATEX_DELIMITERS: Final = ({"left": "$$", "right": "$$", "display": True},)

Key = int | str | tuple[int | str, ...] | None
"""The type of every component's ``key`` parameter."""


# -- shared helpers ---------------------------------------------------------------------


def _is_real(value: object) -> bool:
    """True for ints and floats (numpy's included), False for bools and everything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_builtin_number(value: numbers.Real) -> int | float:
    """``value`` as a Python int (for integral types) or float, so it is JSON-serialisable."""
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _client_number(kind: str, payload: object) -> int | float:
    """The number a client sent, or :class:`InvalidInputError` if it is not a finite number."""
    if not _is_real(payload):
        raise InvalidInputError(
            f"{kind}: expected a number, got {_describe(payload)}. Send an int or a float."
        )
    number = _as_builtin_number(payload)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise InvalidInputError(f"{kind}: expected a finite number, got {number}.")
    return number


def _fn_number(kind: str, value: object) -> int | float:
    """The number a fn returned, or ``ValueError`` naming the type it returned instead."""
    if not _is_real(value):
        raise ValueError(
            f"{kind} expects an int or a float from the function, got {_describe(value)}."
        )
    return _as_builtin_number(value)  # type: ignore[arg-type]


def _number_param(owner: str, name: str, value: object) -> int | float:
    """A numeric constructor parameter, or ``ValueError`` if it is not a finite number."""
    if not _is_real(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(f"{owner} {name} must be a finite number, not {value!r}.")
    return _as_builtin_number(value)  # type: ignore[arg-type]


def _describe(value: object) -> str:
    """A short description of a value's type for error messages (``null`` for None)."""
    return "null" if value is None else f"a value of type {type(value).__name__}"


def _round_to_precision(number: int | float, precision: int | None) -> int | float:
    """Gradio's rounding: ``None`` keeps the number, ``0`` makes it an int, ``n`` rounds."""
    if precision is None:
        return number
    if precision == 0:
        return round(number)
    return round(number, precision)


def _check_bounds(
    kind: str, number: int | float, minimum: float | None, maximum: float | None
) -> None:
    """Raise :class:`InvalidInputError` (Gradio's wording) if ``number`` is out of bounds."""
    if minimum is not None and number < minimum:
        raise InvalidInputError(f"{kind}: value {number} is less than minimum value {minimum}.")
    if maximum is not None and number > maximum:
        raise InvalidInputError(f"{kind}: value {number} is greater than maximum value {maximum}.")


def _check_precision(kind: str, precision: object) -> int | None:
    if precision is not None and (not isinstance(precision, int) or isinstance(precision, bool)):
        raise ValueError(f"{kind} precision must be None or an int, not {precision!r}.")
    return precision


def _check_choice(kind: str, name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{kind} {name} must be one of {options}; got {value!r}.")
    return str(value)


def _buttons_prop(buttons: list[Any] | None) -> list[Any] | None:
    """Built-in buttons are sent as names, ``Button`` components as ``{"id": ...}``."""
    if buttons is None:
        return None
    return [b if isinstance(b, str) else {"id": getattr(b, "id", None)} for b in buttons]


# -- Slider -----------------------------------------------------------------------------


class Slider(Component):
    """A slider from ``minimum`` to ``maximum`` (``gr.Slider``).

    The client value is a number. :meth:`preprocess` passes it on as the client sent it
    (an int for a JSON integer, a float otherwise) unless ``precision`` says otherwise,
    and raises :class:`InvalidInputError` if it is not a finite number within
    ``[minimum, maximum]``. ``value`` defaults to ``minimum``. With ``randomize=True`` the
    value is drawn at load time by :meth:`random_value`. The constructor raises
    ``ValueError`` if ``minimum >= maximum``, ``step <= 0`` or ``precision`` is not an int.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "release")

    def __init__(
        self,
        minimum: float = 0,
        maximum: float = 100,
        value: float | Callable[..., Any] | None = None,
        *,
        step: float | None = None,
        precision: int | None = None,
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
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        randomize: bool = False,
        buttons: list[Literal["reset"]] | None = None,
    ) -> None:
        self.minimum = _number_param("Slider", "minimum", minimum)
        self.maximum = _number_param("Slider", "maximum", maximum)
        if not self.minimum < self.maximum:
            raise ValueError("Slider minimum must be less than maximum.")
        self.step = _default_step(self.maximum - self.minimum) if step is None else step
        if not _is_real(self.step) or not self.step > 0:
            raise ValueError(f"Slider step must be a positive number, not {step!r}.")
        self.precision = _check_precision("Slider", precision)
        self.info = info
        self.buttons = buttons
        if randomize:
            value = self.random_value
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

    def random_value(self, rng: random.Random | None = None) -> int | float:
        """A value drawn uniformly from the slider's steps, rounded to ``step``'s decimals."""
        n_steps = int((self.maximum - self.minimum) / self.step)
        value = self.minimum + (rng or random).randint(0, n_steps) * self.step
        decimals = _decimals(self.step)
        return round(value, decimals) if decimals else value

    def preprocess(self, payload: Any) -> int | float:
        """The slider value for the fn, rounded to ``precision``; raises
        :class:`InvalidInputError` for a non-number, NaN or a value out of bounds."""
        number = _client_number("Slider", payload)
        _check_bounds("Slider", number, self.minimum, self.maximum)
        return _round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> int | float:
        """The value to show: ``None`` becomes ``minimum``; rounded to ``precision``.
        Out-of-range values are sent as they are (as Gradio); non-numbers raise ValueError."""
        number = self.minimum if value is None else _fn_number("Slider", value)
        return _round_to_precision(number, self.precision)

    def props(self) -> dict[str, Any]:
        """Gradio's Slider config props, JSON-serialisable."""
        return {
            **super().props(),
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "precision": self.precision,
            "info": self.info,
            "buttons": _buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A number (an integer when ``precision == 0``) within the bounds."""
        return {
            "type": "integer" if self.precision == 0 else "number",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "description": f"numeric value between {self.minimum} and {self.maximum}",
        }


def _default_step(span: float) -> int | float:
    """Gradio's default step: a power of ten about a hundredth of the range (an int
    when it is 1 or more)."""
    power = math.floor(math.log10(span) - 2)
    return int(10**power) if power >= 0 else 10.0**power


def _decimals(step: float) -> int:
    """How many decimals ``step`` has as written (``0.05`` -> 2, ``1e-05`` -> 5, ``2`` -> 0)."""
    exponent = Decimal(str(step)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# -- Number -----------------------------------------------------------------------------


class Number(Component):
    """A numeric field (``gr.Number``).

    The client value is a number or ``null``. ``precision=None`` passes the number on as
    the client sent it, ``0`` rounds it to an int, ``n`` rounds to ``n`` decimals (the
    same rounding applies to fn outputs). :meth:`preprocess` raises
    :class:`InvalidInputError` for a non-number, NaN or infinity, or a value outside
    ``minimum``/``maximum``. ``step`` is a hint for the browser only, as in Gradio.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "submit", "focus", "blur")

    def __init__(
        self,
        value: float | Callable[..., Any] | None = None,
        *,
        label: str | None = None,
        placeholder: str | None = None,
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
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        buttons: list[Any] | None = None,
        precision: int | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        step: float = 1,
    ) -> None:
        self.precision = _check_precision("Number", precision)
        self.minimum = None if minimum is None else _number_param("Number", "minimum", minimum)
        self.maximum = None if maximum is None else _number_param("Number", "maximum", maximum)
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(
                f"Number minimum ({self.minimum}) must not be greater than "
                f"maximum ({self.maximum})."
            )
        self.step = step
        self.placeholder = placeholder
        self.info = info
        self.buttons = buttons
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

    def preprocess(self, payload: Any) -> int | float | None:
        """``None`` for an empty field, else the number rounded to ``precision``; raises
        :class:`InvalidInputError` for a non-number, NaN or a value out of bounds."""
        if payload is None:
            return None
        number = _client_number("Number", payload)
        _check_bounds("Number", number, self.minimum, self.maximum)
        return _round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> int | float | None:
        """``None`` stays ``None``; a number is rounded to ``precision``; anything else
        raises ValueError. Bounds apply to inputs only, as in Gradio."""
        if value is None:
            return None
        return _round_to_precision(_fn_number("Number", value), self.precision)

    def props(self) -> dict[str, Any]:
        """Gradio's Number config props, JSON-serialisable."""
        return {
            **super().props(),
            "precision": self.precision,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "placeholder": self.placeholder,
            "info": self.info,
            "buttons": _buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A number (an integer when ``precision == 0``), with its bounds when set."""
        info: dict[str, Any] = {"type": "integer" if self.precision == 0 else "number"}
        if self.minimum is not None:
            info["minimum"] = self.minimum
        if self.maximum is not None:
            info["maximum"] = self.maximum
        return info


# -- Textbox ----------------------------------------------------------------------------


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
            raise InvalidInputError(f"Textbox: expected a string, got {_describe(payload)}.")
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
            "buttons": _buttons_prop(self.buttons),
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


class Label(Component):
    """A classification result (``gr.Label``).

    Fn outputs: a ``str``/``int``/``float`` becomes ``{"label": str(value),
    "confidences": None}``; a ``{class: confidence}`` dict becomes ``{"label": top_class,
    "confidences": [{"label": ..., "confidence": ...}, ...]}`` sorted by descending
    confidence (ties keep their order) and cut to ``num_top_classes``; ``None`` or ``{}``
    becomes ``{}``; a path ending in ``.json`` to an existing file is read as that
    structure (subject to the file access policy). Anything else raises ``ValueError``.
    :meth:`preprocess` reverses this: the label, or the ``{class: confidence}`` dict.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "select")

    def __init__(
        self,
        value: dict[str, float] | str | float | Callable[..., Any] | None = None,
        *,
        num_top_classes: int | None = None,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        color: str | None = None,
        show_heading: bool = True,
        buttons: list[Any] | None = None,
    ) -> None:
        if num_top_classes is not None and (
            not isinstance(num_top_classes, int)
            or isinstance(num_top_classes, bool)
            or num_top_classes < 1
        ):
            raise ValueError(
                f"Label num_top_classes must be None or a positive int, not {num_top_classes!r}."
            )
        self.num_top_classes = num_top_classes
        self.color = color
        self.show_heading = show_heading
        self.buttons = buttons
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> dict[Any, float | None] | str | int | float | None:
        """The label, or ``{class: confidence}`` when the payload has confidences; raises
        :class:`InvalidInputError` for a payload not of that shape."""
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise InvalidInputError(
                f"Label: expected an object with 'label' and 'confidences', "
                f"got {_describe(payload)}."
            )
        confidences = payload.get("confidences")
        if confidences is None:
            label = payload.get("label")
            if label is not None and not isinstance(label, (str, int, float)):
                raise InvalidInputError(
                    f"Label: 'label' must be a string or a number, got {_describe(label)}."
                )
            return label
        if not isinstance(confidences, list):
            raise InvalidInputError(
                f"Label: 'confidences' must be a list, got {_describe(confidences)}."
            )
        return dict(_client_confidence(entry) for entry in confidences)

    def postprocess(self, value: Any) -> dict[str, Any]:
        """The client's ``LabelData`` dict for ``value`` (see the class docstring)."""
        if value is None or (isinstance(value, dict) and not value):
            return {}
        if isinstance(value, str) and value.endswith(".json") and Path(value).is_file():
            path = check_readable(value, current_file_access.get())
            value = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(value, dict):
                raise ValueError(f"Label: the JSON file {path} must hold an object.")
        if isinstance(value, (str, bool)) or _is_real(value):
            return {"label": str(value), "confidences": None}
        if isinstance(value, dict):
            return self._postprocess_mapping(value)
        raise ValueError(
            "The Label output expects one of: a string label, an int label, a float label, "
            "or a dictionary whose keys are labels and values are confidences. "
            f"Instead, got a {type(value).__name__}."
        )

    def _postprocess_mapping(self, value: dict[Any, Any]) -> dict[str, Any]:
        if isinstance(value.get("confidences"), list):
            if not value["confidences"]:
                return {}
            value = dict(_fn_confidence_entry(entry) for entry in value["confidences"])
        ranked = sorted(
            (_fn_confidence(label, conf) for label, conf in value.items()),
            key=lambda pair: pair[1],
            reverse=True,
        )
        if self.num_top_classes is not None:
            ranked = ranked[: self.num_top_classes]
        return {
            "label": ranked[0][0],
            "confidences": [{"label": lbl, "confidence": conf} for lbl, conf in ranked],
        }

    def props(self) -> dict[str, Any]:
        """Gradio's Label config props, JSON-serialisable."""
        return {
            **super().props(),
            "num_top_classes": self.num_top_classes,
            "color": self.color,
            "show_heading": self.show_heading,
            "buttons": _buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """The JSON schema of ``LabelData``."""
        label_type = {
            "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "null"}]
        }
        confidence = {
            "type": "object",
            "properties": {
                "label": label_type,
                "confidence": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            },
        }
        return {
            "title": "LabelData",
            "type": "object",
            "properties": {
                "label": label_type,
                "confidences": {
                    "anyOf": [{"type": "array", "items": confidence}, {"type": "null"}]
                },
            },
        }


def _client_confidence(entry: object) -> tuple[Any, float | None]:
    """One ``{"label": ..., "confidence": ...}`` entry a client sent, as a pair."""
    if not isinstance(entry, dict) or "label" not in entry:
        raise InvalidInputError(
            "Label: each entry of 'confidences' must be an object with 'label' and "
            f"'confidence', got {_describe(entry)}."
        )
    confidence = entry.get("confidence")
    if confidence is not None and not _is_real(confidence):
        raise InvalidInputError(
            f"Label: the confidence of {entry['label']!r} must be a number, "
            f"got {_describe(confidence)}."
        )
    return entry["label"], None if confidence is None else float(confidence)


def _fn_confidence_entry(entry: object) -> tuple[Any, Any]:
    if not isinstance(entry, dict) or "label" not in entry or "confidence" not in entry:
        raise ValueError(
            "Label: each entry of 'confidences' must be a dict with 'label' and 'confidence', "
            f"got a {type(entry).__name__}."
        )
    return entry["label"], entry["confidence"]


def _fn_confidence(label: object, confidence: object) -> tuple[str | int | float, float]:
    """A ``(class, confidence)`` pair a fn returned, checked and made JSON-serialisable."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (str, numbers.Real)):
        raise ValueError(
            f"Label: class names must be str, int or float, got a {type(label).__name__}."
        )
    if not _is_real(confidence) or not math.isfinite(confidence):  # type: ignore[arg-type]
        raise ValueError(
            f"Label: the confidence of {label!r} must be a finite number, "
            f"got {type(confidence).__name__} {confidence!r}."
        )
    name = label if isinstance(label, str) else _as_builtin_number(label)
    return name, float(confidence)  # type: ignore[arg-type]


# -- State ------------------------------------------------------------------------------


class State(Component):
    """Per-session server-side state (``gr.State``); never rendered nor sent to clients.

    ``value`` is deep-copied at construction (``TypeError`` if it cannot be) and again by
    :meth:`initial_value` for every session, so sessions never share a mutable object.
    ``time_to_live`` (seconds, ``None`` for no limit) and ``delete_callback`` (called with
    the value when it is deleted) are for the session layer, which owns the lifetimes.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change",)

    def __init__(
        self,
        value: Any = None,
        render: bool = True,
        *,
        time_to_live: float | None = None,
        delete_callback: Callable[[Any], None] | None = None,
    ) -> None:
        if time_to_live is not None and (not _is_real(time_to_live) or not time_to_live > 0):
            raise ValueError(
                f"State time_to_live must be None or a positive number of seconds, "
                f"not {time_to_live!r}."
            )
        self.time_to_live = time_to_live
        self.delete_callback: Callable[[Any], None] = delete_callback or _ignore
        if not callable(value):
            value = _deepcopy_initial(value)
        super().__init__(value, render=render)

    @property
    def stateful(self) -> bool:
        """Always True: the value lives on the server, per session."""
        return True

    def initial_value(self) -> Any:
        """A fresh deep copy of the initial value, for one new session (``None`` when the
        value is computed by ``load_fn`` instead)."""
        return copy.deepcopy(self.value)

    def props(self) -> dict[str, Any]:
        """Marks the component as server-side only; the value is never sent."""
        return {"stateful": True, "render": self.render}

    def api_info(self) -> dict[str, Any]:
        """Any value (State is not part of the API)."""
        return {"type": {}, "description": "any valid json"}


def _ignore(_value: Any) -> None:
    """The default ``delete_callback``: do nothing."""


def _deepcopy_initial(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except TypeError as err:
        raise TypeError(
            "The initial value of `gr.State` must be able to be deepcopied. The initial "
            f"value of type {type(value).__name__} cannot be deepcopied."
        ) from err


# -- JSON -------------------------------------------------------------------------------


class JSON(Component):
    """Arbitrary JSON shown prettily (``gr.JSON``).

    :meth:`postprocess` parses a ``str`` as JSON (raising :class:`Error`, shown to the
    client, for invalid JSON, as Gradio) and converts anything else to plain JSON values:
    tuples and numpy arrays become lists, numpy scalars numbers, NaN and infinity
    ``None``, dates/times, UUIDs and paths strings, enums their value, dataclasses
    dicts. Any other type raises ``ValueError`` naming the type and where it was.
    :meth:`preprocess` passes the client's (already JSON) value through.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change",)

    def __init__(
        self,
        value: str | dict[str, Any] | list[Any] | Callable[..., Any] | None = None,
        *,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        open: bool = False,
        show_indices: bool = False,
        height: int | str | None = None,
        max_height: int | str | None = 500,
        min_height: int | str | None = None,
        buttons: list[Any] | None = None,
    ) -> None:
        self.open = open
        self.show_indices = show_indices
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.buttons: list[Any] = ["copy"] if buttons is None else list(buttons)
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def postprocess(self, value: Any) -> Any:
        """``value`` as plain JSON values (see the class docstring)."""
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as err:
                raise Error(f"Invalid JSON string: {err}") from err
        return _to_json(value, "$", set())

    def props(self) -> dict[str, Any]:
        """Gradio's JSON config props, JSON-serialisable."""
        return {
            **super().props(),
            "open": self.open,
            "show_indices": self.show_indices,
            "height": self.height,
            "max_height": self.max_height,
            "min_height": self.min_height,
            "buttons": _buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Any JSON value (Gradio's description)."""
        return {"type": {}, "description": "any valid json"}


def _to_json(value: Any, where: str, seen: set[int]) -> Any:
    """``value`` as plain JSON values; ``where`` is its JSON path, for error messages."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.bool_, numbers.Real)):
        return _json_scalar(value)
    if isinstance(value, (dict, list, tuple, np.ndarray)) or _is_dataclass_instance(value):
        return _json_container(value, where, seen)
    if isinstance(value, enum.Enum):
        return _to_json(value.value, where, seen)
    if isinstance(value, (datetime.date, datetime.time, uuid.UUID, PurePath)):
        return str(value)
    raise ValueError(
        f"JSON: the value at {where} is of type {type(value).__name__}, which is not "
        "JSON-serialisable. Return dicts, lists, strings, numbers, bools or None."
    )


def _json_scalar(value: np.bool_ | numbers.Real) -> bool | int | float | None:
    if isinstance(value, np.bool_):
        return bool(value)
    number = _as_builtin_number(value)
    return number if math.isfinite(number) else None


def _json_container(value: Any, where: str, seen: set[int]) -> Any:
    """Convert a dict, sequence, array or dataclass, refusing reference cycles."""
    if id(value) in seen:
        raise ValueError(f"JSON: the value at {where} contains itself (a reference cycle).")
    seen.add(id(value))
    try:
        if isinstance(value, np.ndarray):
            return _to_json(value.tolist(), where, seen)
        if isinstance(value, (list, tuple)):
            return [_to_json(item, f"{where}[{i}]", seen) for i, item in enumerate(value)]
        if not isinstance(value, dict):
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {_json_key(k, where): _to_json(v, f"{where}[{k!r}]", seen) for k, v in value.items()}
    finally:
        seen.discard(id(value))


def _json_key(key: object, where: str) -> str:
    """A dict key as JSON's ``json.dumps`` writes it (numbers, bools and None as text)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    if isinstance(key, (np.bool_, numbers.Real)):
        return json.dumps(_json_scalar(key))
    raise ValueError(
        f"JSON: a key of the object at {where} is of type {type(key).__name__}; "
        "keys must be strings, numbers, bools or None."
    )


def _is_dataclass_instance(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


# -- Markdown ---------------------------------------------------------------------------


class Markdown(Component):
    """Rendered Markdown (``gr.Markdown``).

    :meth:`postprocess` removes the common indentation and surrounding blank lines
    (``inspect.cleandoc``, as Gradio); ``None`` stays ``None``; a non-string raises
    ``ValueError``. ``container`` defaults to False and ``min_width`` to None, as Gradio.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "copy")

    def __init__(
        self,
        value: str | Callable[..., Any] | None = None,
        *,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        scale: int | None = None,
        min_width: int | None = None,
        rtl: bool = False,
        latex_delimiters: list[dict[str, str | bool]] | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        sanitize_html: bool = True,
        line_breaks: bool = False,
        header_links: bool = False,
        height: int | str | None = None,
        max_height: int | str | None = None,
        min_height: int | str | None = None,
        buttons: list[Literal["copy"]] | None = None,
        container: bool = False,
        padding: bool = False,
    ) -> None:
        self.rtl = rtl
        self.latex_delimiters = (
            [dict(d) for d in _DEFAULT_LATEX_DELIMITERS]
            if latex_delimiters is None
            else latex_delimiters
        )
        self.sanitize_html = sanitize_html
        self.line_breaks = line_breaks
        self.header_links = header_links
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.buttons = buttons
        self.padding = padding
        self._min_width = min_width
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def postprocess(self, value: Any) -> str | None:
        """The Markdown text, dedented and stripped; ``ValueError`` for a non-string."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(
                f"Markdown expects a str from the function, got a {type(value).__name__}."
            )
        return inspect.cleandoc(value)

    def props(self) -> dict[str, Any]:
        """Gradio's Markdown config props, JSON-serialisable."""
        return {
            **super().props(),
            "min_width": self._min_width,
            "rtl": self.rtl,
            "latex_delimiters": self.latex_delimiters,
            "sanitize_html": self.sanitize_html,
            "line_breaks": self.line_breaks,
            "header_links": self.header_links,
            "height": self.height,
            "max_height": self.max_height,
            "min_height": self.min_height,
            "buttons": _buttons_prop(self.buttons),
            "padding": self.padding,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}


# -- Button -----------------------------------------------------------------------------


class Button(Component):
    """A button whose ``value`` is its text (``gr.Button``).

    The constructor raises ``ValueError`` for a ``variant`` not in
    :data:`BUTTON_VARIANTS`, a ``size`` not in :data:`BUTTON_SIZES` or an unknown
    ``link_target``. ``icon`` is a path or URL, reported as given. The value is sent as
    ``str(value)`` (``None`` stays ``None``).
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "click")

    def __init__(
        self,
        value: str | Callable[..., Any] = "Run",
        *,
        every: Any = None,
        inputs: Any = None,
        variant: Literal["primary", "secondary", "stop", "huggingface"] = "secondary",
        size: Literal["sm", "md", "lg"] = "lg",
        icon: str | Path | None = None,
        link: str | None = None,
        link_target: Literal["_self", "_blank", "_parent", "_top"] = "_self",
        visible: bool | Literal["hidden"] = True,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        scale: int | None = None,
        min_width: int | None = None,
    ) -> None:
        self.variant = _check_choice("Button", "variant", variant, BUTTON_VARIANTS)
        self.size = _check_choice("Button", "size", size, BUTTON_SIZES)
        self.link_target = _check_choice("Button", "link_target", link_target, _LINK_TARGETS)
        self.icon = None if icon is None else str(icon)
        self.link = link
        self._min_width = min_width
        super().__init__(
            value,
            every=every,
            inputs=inputs,
            visible=visible,
            interactive=interactive,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
            scale=scale,
        )

    def postprocess(self, value: Any) -> str | None:
        """The button text: ``str(value)``, ``None`` stays ``None``."""
        return None if value is None else str(value)

    def props(self) -> dict[str, Any]:
        """Gradio's Button config props, JSON-serialisable."""
        return {
            **super().props(),
            "min_width": self._min_width,
            "variant": self.variant,
            "size": self.size,
            "icon": self.icon,
            "link": self.link,
            "link_target": self.link_target,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string (the button text)."""
        return {"type": "string"}


# -- Timer ------------------------------------------------------------------------------


class Timer(Component):
    """A hidden ticker (``gr.Timer``): fires ``tick`` every ``value`` seconds while
    ``active``. ``value`` must be a positive finite number (``ValueError`` otherwise, at
    construction and for fn outputs; :class:`InvalidInputError` for client values)."""

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "tick")

    def __init__(self, value: float = 1, *, active: bool = True, render: bool = True) -> None:
        self.active = active
        super().__init__(value, render=render)

    def preprocess(self, payload: Any) -> float | None:
        """The interval in seconds as a float; ``None`` stays ``None``."""
        if payload is None:
            return None
        seconds = _client_number("Timer", payload)
        if seconds <= 0:
            raise InvalidInputError(f"Timer: the interval must be positive, got {seconds}.")
        return float(seconds)

    def postprocess(self, value: Any) -> float | None:
        """The interval in seconds as a float; ``ValueError`` unless positive and finite."""
        if value is None:
            return None
        seconds = _fn_number("Timer", value)
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError(
                f"Timer value is the tick interval in seconds and must be a positive "
                f"number, not {value!r}."
            )
        return float(seconds)

    def props(self) -> dict[str, Any]:
        """Only what a client needs to run the timer."""
        return {"value": self.value, "active": self.active}

    def api_info(self) -> dict[str, Any]:
        """A positive number of seconds."""
        return {"type": "number", "exclusiveMinimum": 0}
