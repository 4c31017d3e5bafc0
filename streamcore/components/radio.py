"""``Radio``: one value chosen from a set of buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from ._choices import (
    ChoiceValue,
    check_type,
    choice_index,
    client_choice,
    fn_choice,
    normalize_choices,
)
from ._common import Key, buttons_prop
from .base import Component

__all__ = ["Radio"]


class Radio(Component):
    """Radio buttons of which one is selected (``gr.Radio``).

    ``choices`` are values or ``(label, value)`` pairs; the client value is a choice's value
    or ``null`` (``value`` defaults to ``None``: nothing selected). :meth:`preprocess`
    raises :class:`InvalidInputError` for a value that is not one of the choices;
    ``type="index"`` gives the fn the choice's position. A fn's value is sent as it is
    (Gradio does not check it against the choices), but anything other than a string or a
    number raises ``ValueError``. The constructor raises ``ValueError`` for an unknown
    ``type``.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("select", "change", "input")

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
        rtl: bool = False,
        buttons: list[Any] | None = None,
    ) -> None:
        self.choices = normalize_choices("Radio", choices)
        self.type = check_type("Radio", type)
        self.info = info
        self.rtl = rtl
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

    def preprocess(self, payload: Any) -> ChoiceValue | int | None:
        """The chosen value (its position with ``type="index"``); ``None`` stays ``None``.
        Raises :class:`InvalidInputError` for a value that is not one of the choices."""
        if payload is None:
            return None
        chosen = client_choice("Radio", payload, self.choices)
        return choice_index(chosen, self.choices) if self.type == "index" else chosen

    def postprocess(self, value: Any) -> ChoiceValue | None:
        """The value to select, as the fn returned it; ``None`` stays ``None``."""
        if value is None:
            return None
        return fn_choice("Radio", value, self.choices, allow_custom=True)

    def example_value(self) -> Any:
        """The first choice's value (``None`` without choices), as Gradio."""
        return self.choices[0][1] if self.choices else None

    def props(self) -> dict[str, Any]:
        """Gradio's Radio config props, JSON-serialisable (``choices`` as pairs)."""
        return {
            **super().props(),
            "choices": [list(choice) for choice in self.choices],
            "type": self.type,
            "info": self.info,
            "rtl": self.rtl,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Gradio's schema: a string among the choices' values."""
        return {"enum": [value for _, value in self.choices], "title": "Radio", "type": "string"}
