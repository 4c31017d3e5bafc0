"""``Dropdown``: one or several values chosen from a list."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from ..errors import InvalidInputError
from ._choices import (
    ChoiceValue,
    check_type,
    choice_index,
    client_choice,
    fn_choice,
    normalize_choices,
)
from ._common import Key, buttons_prop, describe
from .base import Component

__all__ = ["Dropdown"]


class _FirstChoice:
    """The default ``value``: the first choice (``[]`` with ``multiselect``)."""

    def __repr__(self) -> str:
        return "<first choice>"


_FIRST_CHOICE: Any = _FirstChoice()


class Dropdown(Component):
    """A list of choices to pick one (or, with ``multiselect``, several) from (``gr.Dropdown``).

    ``choices`` are values or ``(label, value)`` pairs; the client value is a choice's
    value (a list of them with ``multiselect``) or ``null``. ``value`` defaults to the
    first choice (``[]`` with ``multiselect``); ``value=None`` selects nothing.
    :meth:`preprocess` raises :class:`InvalidInputError` for a value that is not one of the
    choices (unless ``allow_custom_value``), a list sent to a single dropdown or a single
    value to a ``multiselect`` one, and more than ``max_choices`` values; ``type="index"``
    gives the fn the choice's position (``None`` for a custom value). A fn may return a
    choice or, with ``multiselect``, a list of them (a single value is wrapped); a value
    outside the choices gets a warning, as in Gradio, and anything but strings and numbers
    a ``ValueError``. The constructor raises ``ValueError`` for an unknown ``type`` and
    warns (as Gradio) when ``max_choices`` is set without ``multiselect`` or
    ``filterable=False`` with ``allow_custom_value`` (then ``filterable`` stays True).
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "select", "focus", "blur", "key_up")

    def __init__(
        self,
        choices: Sequence[ChoiceValue | tuple[str, ChoiceValue]] | None = None,
        *,
        value: Any = _FIRST_CHOICE,
        type: Literal["value", "index"] = "value",
        multiselect: bool | None = None,
        allow_custom_value: bool = False,
        max_choices: int | None = None,
        filterable: bool = True,
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
        buttons: list[Any] | None = None,
    ) -> None:
        self.choices = normalize_choices("Dropdown", choices)
        self.type = check_type("Dropdown", type)
        self.multiselect = multiselect
        if value is _FIRST_CHOICE:
            value = [] if multiselect else (self.choices[0][1] if self.choices else None)
        if not multiselect and max_choices is not None:
            warnings.warn(
                "Dropdown: max_choices is ignored when multiselect is False.",
                UserWarning,
                stacklevel=2,
            )
        if not filterable and allow_custom_value:
            warnings.warn(
                "Dropdown: filterable cannot be False when allow_custom_value is True; "
                "setting filterable to True.",
                UserWarning,
                stacklevel=2,
            )
            filterable = True
        if max_choices is not None and (
            not isinstance(max_choices, int) or isinstance(max_choices, bool) or max_choices < 1
        ):
            raise ValueError(
                f"Dropdown max_choices must be None or a positive int, not {max_choices!r}."
            )
        self.max_choices = max_choices
        self.allow_custom_value = allow_custom_value
        self.filterable = filterable
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

    def preprocess(self, payload: Any) -> Any:
        """The chosen value(s) for the fn, or their positions with ``type="index"``;
        ``None`` stays ``None``. Raises :class:`InvalidInputError` (see the class docstring)."""
        if payload is None:
            return None
        if not self.multiselect:
            if isinstance(payload, list):
                raise InvalidInputError(
                    "Dropdown: expected one choice, got a list (this dropdown is not multiselect)."
                )
            chosen = self._client_choice(payload)
            return choice_index(chosen, self.choices) if self.type == "index" else chosen
        if not isinstance(payload, list):
            raise InvalidInputError(
                f"Dropdown: expected a list of choices (multiselect), got {describe(payload)}."
            )
        if self.max_choices is not None and len(payload) > self.max_choices:
            raise InvalidInputError(
                f"Dropdown: {len(payload)} choices were sent, over max_choices of "
                f"{self.max_choices}."
            )
        values = [self._client_choice(item) for item in payload]
        if self.type == "index":
            return [choice_index(item, self.choices) for item in values]
        return values

    def _client_choice(self, payload: object) -> ChoiceValue:
        return client_choice(
            "Dropdown", payload, self.choices, allow_custom=self.allow_custom_value
        )

    def postprocess(self, value: Any) -> Any:
        """The value(s) to select: ``None`` stays ``None``; with ``multiselect`` a single
        value becomes a one-item list. ``ValueError`` for anything but strings and numbers."""
        if value is None:
            return None
        if self.multiselect:
            items = list(value) if isinstance(value, list | tuple) else [value]
            return [self._fn_choice(item) for item in items]
        return self._fn_choice(value)

    def _fn_choice(self, value: object) -> ChoiceValue:
        return fn_choice("Dropdown", value, self.choices, allow_custom=self.allow_custom_value)

    def example_value(self) -> Any:
        """The first choice's value (in a list with ``multiselect``), as Gradio."""
        if self.multiselect:
            return [self.choices[0][1]] if self.choices else []
        return self.choices[0][1] if self.choices else None

    def props(self) -> dict[str, Any]:
        """Gradio's Dropdown config props, JSON-serialisable (``choices`` as pairs)."""
        return {
            **super().props(),
            "choices": [list(choice) for choice in self.choices],
            "type": self.type,
            "multiselect": self.multiselect,
            "allow_custom_value": self.allow_custom_value,
            "max_choices": self.max_choices,
            "filterable": self.filterable,
            "info": self.info,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Gradio's schema: a string among the choices' values (an array of them with
        ``multiselect``)."""
        enum = [value for _, value in self.choices]
        if self.multiselect:
            return {"type": "array", "items": {"type": "string", "enum": enum}}
        return {"type": "string", "enum": enum}
