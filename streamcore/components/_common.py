"""What the value components share: the choices they accept and the checks of numbers,
choices and buttons (``Slider``, ``Number``, ``Textbox``, ``Label``, ``Button``...)."""

from __future__ import annotations

import math
import numbers
from typing import Any, Final

import numpy as np

from ..errors import InvalidInputError

__all__ = [
    "BUTTON_SIZES",
    "BUTTON_VARIANTS",
    "DEFAULT_LATEX_DELIMITERS",
    "LINK_TARGETS",
    "TEXTBOX_TYPES",
    "Key",
    "as_builtin_number",
    "buttons_prop",
    "check_bounds",
    "check_choice",
    "check_precision",
    "client_number",
    "describe",
    "fn_number",
    "is_real",
    "number_param",
    "round_to_precision",
]

BUTTON_VARIANTS: Final = ("primary", "secondary", "stop", "huggingface")
"""The ``variant`` values ``Button`` accepts."""

BUTTON_SIZES: Final = ("sm", "md", "lg")
"""The ``size`` values ``Button`` accepts."""

TEXTBOX_TYPES: Final = ("text", "password", "email")
"""The ``type`` values ``Textbox`` accepts."""

LINK_TARGETS: Final = ("_self", "_blank", "_parent", "_top")
DEFAULT_LATEX_DELIMITERS: Final = ({"left": "$$", "right": "$$", "display": True},)

Key = int | str | tuple[int | str, ...] | None
"""The type of every component's ``key`` parameter."""


# -- shared helpers ---------------------------------------------------------------------


def is_real(value: object) -> bool:
    """True for ints and floats (numpy's included), False for bools and everything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_builtin_number(value: numbers.Real) -> int | float:
    """``value`` as a Python int (for integral types) or float, so it is JSON-serialisable."""
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def client_number(kind: str, payload: object) -> int | float:
    """The number a client sent, or :class:`InvalidInputError` if it is not a finite number."""
    if not is_real(payload):
        raise InvalidInputError(
            f"{kind}: expected a number, got {describe(payload)}. Send an int or a float."
        )
    number = as_builtin_number(payload)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise InvalidInputError(f"{kind}: expected a finite number, got {number}.")
    return number


def fn_number(kind: str, value: object) -> int | float:
    """The number a fn returned, or ``ValueError`` naming the type it returned instead."""
    if not is_real(value):
        raise ValueError(
            f"{kind} expects an int or a float from the function, got {describe(value)}."
        )
    return as_builtin_number(value)  # type: ignore[arg-type]


def number_param(owner: str, name: str, value: object) -> int | float:
    """A numeric constructor parameter, or ``ValueError`` if it is not a finite number."""
    if not is_real(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(f"{owner} {name} must be a finite number, not {value!r}.")
    return as_builtin_number(value)  # type: ignore[arg-type]


def describe(value: object) -> str:
    """A short description of a value's type for error messages (``null`` for None)."""
    return "null" if value is None else f"a value of type {type(value).__name__}"


def round_to_precision(number: int | float, precision: int | None) -> int | float:
    """Gradio's rounding: ``None`` keeps the number, ``0`` makes it an int, ``n`` rounds."""
    if precision is None:
        return number
    if precision == 0:
        return round(number)
    return round(number, precision)


def check_bounds(
    kind: str, number: int | float, minimum: float | None, maximum: float | None
) -> None:
    """Raise :class:`InvalidInputError` (Gradio's wording) if ``number`` is out of bounds."""
    if minimum is not None and number < minimum:
        raise InvalidInputError(f"{kind}: value {number} is less than minimum value {minimum}.")
    if maximum is not None and number > maximum:
        raise InvalidInputError(f"{kind}: value {number} is greater than maximum value {maximum}.")


def check_precision(kind: str, precision: object) -> int | None:
    if precision is not None and (not isinstance(precision, int) or isinstance(precision, bool)):
        raise ValueError(f"{kind} precision must be None or an int, not {precision!r}.")
    return precision


def check_choice(kind: str, name: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{kind} {name} must be one of {options}; got {value!r}.")
    return str(value)


def buttons_prop(buttons: list[Any] | None) -> list[Any] | None:
    """Built-in buttons are sent as names, ``Button`` components as ``{"id": ...}``."""
    if buttons is None:
        return None
    return [b if isinstance(b, str) else {"id": getattr(b, "id", None)} for b in buttons]


# -- Slider -----------------------------------------------------------------------------
