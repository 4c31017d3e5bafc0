"""``Slider`` and ``Number``: numeric values, checked against their bounds."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Literal

from ._common import (
    Key,
    buttons_prop,
    check_bounds,
    check_precision,
    client_number,
    fn_number,
    is_real,
    number_param,
    round_to_precision,
)
from .base import Component

__all__ = ["Number", "Slider"]


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
        self.minimum = number_param("Slider", "minimum", minimum)
        self.maximum = number_param("Slider", "maximum", maximum)
        if not self.minimum < self.maximum:
            raise ValueError("Slider minimum must be less than maximum.")
        self.step = _default_step(self.maximum - self.minimum) if step is None else step
        if not is_real(self.step) or not self.step > 0:
            raise ValueError(f"Slider step must be a positive number, not {step!r}.")
        self.precision = check_precision("Slider", precision)
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
        number = client_number("Slider", payload)
        check_bounds("Slider", number, self.minimum, self.maximum)
        return round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> int | float:
        """The value to show: ``None`` becomes ``minimum``; rounded to ``precision``.
        Out-of-range values are sent as they are (as Gradio); non-numbers raise ValueError."""
        number = self.minimum if value is None else fn_number("Slider", value)
        return round_to_precision(number, self.precision)

    def props(self) -> dict[str, Any]:
        """Gradio's Slider config props, JSON-serialisable."""
        return {
            **super().props(),
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "precision": self.precision,
            "info": self.info,
            "buttons": buttons_prop(self.buttons),
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
        self.precision = check_precision("Number", precision)
        self.minimum = None if minimum is None else number_param("Number", "minimum", minimum)
        self.maximum = None if maximum is None else number_param("Number", "maximum", maximum)
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
        number = client_number("Number", payload)
        check_bounds("Number", number, self.minimum, self.maximum)
        return round_to_precision(number, self.precision)

    def postprocess(self, value: Any) -> int | float | None:
        """``None`` stays ``None``; a number is rounded to ``precision``; anything else
        raises ValueError. Bounds apply to inputs only, as in Gradio."""
        if value is None:
            return None
        return round_to_precision(fn_number("Number", value), self.precision)

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
            "buttons": buttons_prop(self.buttons),
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
