"""``Markdown``: text shown as Markdown."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from ._common import (
    DEFAULT_LATEX_DELIMITERS,
    Key,
    buttons_prop,
)
from .base import Component

__all__ = ["Markdown"]


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
            [dict(d) for d in DEFAULT_LATEX_DELIMITERS]
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
            "buttons": buttons_prop(self.buttons),
            "padding": self.padding,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}


# -- Button -----------------------------------------------------------------------------
