"""``Button`` and ``Timer``: controls that trigger events."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..errors import InvalidInputError
from ._common import (
    BUTTON_SIZES,
    BUTTON_VARIANTS,
    LINK_TARGETS,
    Key,
    check_choice,
    client_number,
    fn_number,
)
from .base import Component

__all__ = ["Button", "Timer"]


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
        self.variant = check_choice("Button", "variant", variant, BUTTON_VARIANTS)
        self.size = check_choice("Button", "size", size, BUTTON_SIZES)
        self.link_target = check_choice("Button", "link_target", link_target, LINK_TARGETS)
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
        seconds = client_number("Timer", payload)
        if seconds <= 0:
            raise InvalidInputError(f"Timer: the interval must be positive, got {seconds}.")
        return float(seconds)

    def postprocess(self, value: Any) -> float | None:
        """The interval in seconds as a float; ``ValueError`` unless positive and finite."""
        if value is None:
            return None
        seconds = fn_number("Timer", value)
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
