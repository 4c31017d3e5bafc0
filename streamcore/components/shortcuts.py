"""The string shortcuts ``Interface`` accepts in place of components (``"image"``,
``"text"``, ``"label"``, ...), each made with its default parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from . import choice_values, values
from .base import Component

__all__ = ["SHORTCUTS", "component_from_string"]


def _image(*, render: bool = True) -> Component:
    from .image import Image  # imported lazily: the image stack is the heaviest module

    return Image(render=render)


_FACTORIES: Final[dict[str, Callable[..., Component]]] = {
    "image": _image,
    "slider": values.Slider,
    "number": values.Number,
    "text": values.Textbox,
    "textbox": values.Textbox,
    "label": values.Label,
    "json": values.JSON,
    "markdown": values.Markdown,
    "state": values.State,
    "button": values.Button,
    # the choice and text components
    "checkbox": choice_values.Checkbox,
    "checkboxgroup": choice_values.CheckboxGroup,
    "code": choice_values.Code,
    "colorpicker": choice_values.ColorPicker,
    "dropdown": choice_values.Dropdown,
    "duplicatebutton": choice_values.DuplicateButton,
    "highlight": choice_values.HighlightedText,
    "highlightedtext": choice_values.HighlightedText,
    "html": choice_values.HTML,
    "radio": choice_values.Radio,
}

SHORTCUTS: Final = tuple(sorted(_FACTORIES))
"""The names :func:`component_from_string` accepts (lower case)."""


def component_from_string(name: str, *, render: bool = True) -> Component:
    """A new component with default parameters for the shortcut ``name`` (``render=False``:
    not added to the app being built).

    Matching ignores case and surrounding spaces (``"Image"`` works, as in Gradio).
    Raises ``ValueError`` listing the valid names for an unknown one, and ``TypeError``
    if ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"a component shortcut must be a str, not {type(name).__name__}")
    factory = _FACTORIES.get(name.strip().lower())
    if factory is None:
        raise ValueError(
            f"Unknown component shortcut {name!r}. Valid shortcuts: {', '.join(SHORTCUTS)}."
        )
    return factory(render=render)
