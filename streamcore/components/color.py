"""``ColorPicker``: a colour as a CSS string."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final, Literal

from PIL import ImageColor

from ..errors import InvalidInputError
from ._common import Key, describe
from .base import Component

__all__ = ["ColorPicker", "is_colour"]

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:%|deg)?"
_COLOUR_PATTERNS: Final = (
    re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})", re.IGNORECASE),
    re.compile(
        rf"(?:rgba?|hsla?|hsva?)\(\s*{_NUMBER}(?:\s*[,\s]\s*{_NUMBER}){{2}}"
        rf"(?:\s*[,/]\s*{_NUMBER})?\s*\)",
        re.IGNORECASE,
    ),
)


def is_colour(text: str) -> bool:
    """True for the colour strings Gradio's picker understands: ``#rgb``, ``#rgba``,
    ``#rrggbb``, ``#rrggbbaa``, ``rgb(...)``/``rgba(...)``, ``hsl(...)``/``hsla(...)``,
    ``hsv(...)``/``hsva(...)`` (comma- or space-separated) and CSS colour names."""
    text = text.strip()
    if any(pattern.fullmatch(text) for pattern in _COLOUR_PATTERNS):
        return True
    return text.lower() in ImageColor.colormap or text.lower() == "transparent"


class ColorPicker(Component):
    """A colour picker (``gr.ColorPicker``).

    The client value is a colour string or ``null``; the page's picker sends ``#rrggbb``
    (lower case), as Gradio's. :meth:`preprocess` passes the string on as sent and raises
    :class:`InvalidInputError` for a non-string or a string that is not a colour (see
    :func:`is_colour`; Gradio passes any string on). A fn's colour is sent as it returned
    it; a non-string or a string that is not a colour raises ``ValueError``.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "release", "submit", "focus", "blur")

    def __init__(
        self,
        value: Any = None,
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
    ) -> None:
        self.info = info
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
        """The colour string as sent; ``None`` stays ``None``; :class:`InvalidInputError`
        for anything that is not a colour string."""
        if payload is None:
            return None
        if not isinstance(payload, str):
            raise InvalidInputError(
                f"ColorPicker: expected a colour string such as '#ff8800', got {describe(payload)}."
            )
        if not is_colour(payload):
            raise InvalidInputError(
                f"ColorPicker: {payload[:40]!r} is not a colour; send '#rgb', '#rrggbb', "
                "'rgb(r, g, b)' or 'rgba(r, g, b, a)'."
            )
        return payload

    def postprocess(self, value: Any) -> str | None:
        """The colour to show, as returned; ``None`` stays ``None``; ``ValueError`` for
        anything that is not a colour string."""
        if value is None:
            return None
        if not isinstance(value, str) or not is_colour(value):
            raise ValueError(
                "ColorPicker expects a colour string such as '#ff8800' or 'rgba(255, 136, 0, 1)' "
                f"from the function, got {value!r:.60}."
            )
        return value

    def example_value(self) -> str:
        """``"#000000"``, as Gradio."""
        return "#000000"

    def props(self) -> dict[str, Any]:
        """Gradio's ColorPicker config props."""
        return {**super().props(), "info": self.info, "value": self.value}

    def api_info(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}
