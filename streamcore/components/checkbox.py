"""``Checkbox`` (a boolean) and ``CheckboxGroup`` (a subset of choices)."""

from __future__ import annotations

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

__all__ = ["Checkbox", "CheckboxGroup"]


class Checkbox(Component):
    """A box that is ticked or not (``gr.Checkbox``).

    The client value is ``true``, ``false`` or ``null``; :meth:`preprocess` raises
    :class:`InvalidInputError` for anything else (Gradio passes any value on). A fn's
    value is sent as ``bool(value)``, as Gradio (so ``None`` is sent as ``false``).
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "select")

    def __init__(
        self,
        value: Any = False,
        *,
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

    def preprocess(self, payload: Any) -> bool | None:
        """The box's state; ``None`` stays ``None``; :class:`InvalidInputError` for a
        non-boolean."""
        if payload is None or isinstance(payload, bool):
            return payload
        raise InvalidInputError(f"Checkbox: expected true or false, got {describe(payload)}.")

    def postprocess(self, value: Any) -> bool:
        """``bool(value)``, as Gradio."""
        return bool(value)

    def example_value(self) -> bool:
        """``True``, as Gradio."""
        return True

    def props(self) -> dict[str, Any]:
        """Gradio's Checkbox config props; as Gradio, a label makes ``show_label`` true."""
        props = {
            **super().props(),
            "info": self.info,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }
        if self.label is not None:
            props["show_label"] = True
        return props

    def api_info(self) -> dict[str, Any]:
        """A boolean."""
        return {"type": "boolean"}


class CheckboxGroup(Component):
    """A set of checkboxes, any of which may be ticked (``gr.CheckboxGroup``).

    ``choices`` are values or ``(label, value)`` pairs; the client value is the list of
    the ticked choices' values. :meth:`preprocess` raises :class:`InvalidInputError` for
    anything but a list (``null`` counts as an empty one) and for a value that is not one
    of the choices; ``type="index"`` gives the fn the positions. A fn may return a list,
    a single value (wrapped in a list) or ``None`` (an empty list); anything but strings
    and numbers raises ``ValueError``. The constructor raises ``ValueError`` for an
    unknown ``type``.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "select")

    def __init__(
        self,
        choices: Sequence[ChoiceValue | tuple[str, ChoiceValue]] | None = None,
        *,
        value: Any = None,
        type: Literal["value", "index"] = "value",
        label: str | None = None,
        info: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        show_select_all: bool = False,
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
        self.choices = normalize_choices("CheckboxGroup", choices)
        self.type = check_type("CheckboxGroup", type)
        self.info = info
        self.show_select_all = show_select_all
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

    def preprocess(self, payload: Any) -> list[ChoiceValue] | list[int | None]:
        """The ticked values (their positions with ``type="index"``); raises
        :class:`InvalidInputError` (see the class docstring)."""
        if payload is None:
            payload = []
        if not isinstance(payload, list):
            raise InvalidInputError(
                f"CheckboxGroup: expected a list of choices, got {describe(payload)}."
            )
        values = [client_choice("CheckboxGroup", item, self.choices) for item in payload]
        if self.type == "index":
            return [choice_index(item, self.choices) for item in values]
        return values

    def postprocess(self, value: Any) -> list[ChoiceValue]:
        """The values to tick, as a list (see the class docstring)."""
        if value is None:
            return []
        items = list(value) if isinstance(value, list | tuple) else [value]
        return [fn_choice("CheckboxGroup", item, self.choices, allow_custom=True) for item in items]

    def example_value(self) -> Any:
        """The first choice's value in a list (``None`` without choices), as Gradio."""
        return [self.choices[0][1]] if self.choices else None

    def props(self) -> dict[str, Any]:
        """Gradio's CheckboxGroup config props, JSON-serialisable (``choices`` as pairs)."""
        return {
            **super().props(),
            "choices": [list(choice) for choice in self.choices],
            "type": self.type,
            "info": self.info,
            "show_select_all": self.show_select_all,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Gradio's schema: an array of strings among the choices' values."""
        return {
            "items": {"enum": [value for _, value in self.choices], "type": "string"},
            "title": "Checkbox Group",
            "type": "array",
        }
