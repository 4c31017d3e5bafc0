"""What the choice components (``Dropdown``, ``Radio``, ``CheckboxGroup``) share: their
``choices`` as ``(label, value)`` pairs, and the checks of a chosen value."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Final

from ..errors import InvalidInputError
from ._common import describe, is_real

__all__ = [
    "CHOICE_TYPES",
    "Choice",
    "ChoiceValue",
    "check_type",
    "choice_index",
    "client_choice",
    "fn_choice",
    "normalize_choices",
]

ChoiceValue = str | int | float
"""A choice's value: what a client sends and the fn receives with ``type="value"``."""

Choice = tuple[str, ChoiceValue]
"""A choice as ``(label shown, value)``."""

CHOICE_TYPES: Final = ("value", "index")
"""The ``type`` values the choice components accept."""


def normalize_choices(kind: str, choices: Sequence[Any] | None) -> list[Choice]:
    """``choices`` as ``(label, value)`` pairs: a bare value ``v`` becomes ``(str(v), v)``
    and a 2-item tuple or list is taken as ``(label, value)`` (Gradio's rule). Raises
    ``ValueError`` naming ``kind`` for a pair of another length or a value that is not a
    string or number."""
    if not choices:
        return []
    pairs: list[Choice] = []
    for choice in choices:
        if isinstance(choice, tuple | list):
            if len(choice) != 2:
                raise ValueError(
                    f"{kind} choices must be values or (label, value) pairs, got {choice!r}."
                )
            label, value = choice
        else:
            label, value = str(choice), choice
        if not _is_choice_value(value):
            raise ValueError(
                f"{kind} choice values must be strings or numbers, got {describe(value)}."
            )
        pairs.append((str(label), value))
    return pairs


def check_type(kind: str, type: object) -> str:
    """``type`` if it is ``"value"`` or ``"index"``, else ``ValueError`` (Gradio's check)."""
    if type not in CHOICE_TYPES:
        raise ValueError(
            f"{kind}: invalid value for parameter `type`: {type!r}. "
            f"Please choose from one of: {list(CHOICE_TYPES)}"
        )
    return str(type)


def _is_choice_value(value: object) -> bool:
    return isinstance(value, str) or is_real(value)


def client_choice(
    kind: str, payload: object, choices: list[Choice], *, allow_custom: bool = False
) -> ChoiceValue:
    """One value a client chose, as sent; :class:`InvalidInputError` if it is not a string
    or number, or (unless ``allow_custom``) not one of ``choices``' values."""
    if not _is_choice_value(payload):
        raise InvalidInputError(f"{kind}: expected a string or a number, got {describe(payload)}.")
    values = [value for _, value in choices]
    if not allow_custom and payload not in values:
        raise InvalidInputError(f"{kind}: {payload!r} is not one of the choices {values}")
    return payload  # type: ignore[return-value]


def choice_index(payload: ChoiceValue, choices: list[Choice]) -> int | None:
    """The position of ``payload`` among the choices' values (``None`` for a custom value)."""
    values = [value for _, value in choices]
    return values.index(payload) if payload in values else None


def fn_choice(
    kind: str, value: object, choices: list[Choice], *, allow_custom: bool = False
) -> ChoiceValue:
    """One value a fn chose: ``ValueError`` if it is not a string or number; a warning
    (as Gradio) if it is not one of ``choices`` and custom values are not allowed."""
    if not _is_choice_value(value):
        raise ValueError(
            f"{kind} expects a choice (a string or a number) from the function, "
            f"got {describe(value)}."
        )
    if not allow_custom and value not in [v for _, v in choices]:
        warnings.warn(
            f"{kind}: the value {value!r} is not in the list of choices; add it to the "
            "choices or set allow_custom_value=True.",
            UserWarning,
            stacklevel=4,
        )
    return value  # type: ignore[return-value]
