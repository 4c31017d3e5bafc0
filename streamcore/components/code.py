"""``Code``: source text shown (or edited) in a fixed-width box."""

from __future__ import annotations

from typing import Any, ClassVar, Final, Literal

from ..errors import InvalidInputError
from ._common import Key, buttons_prop, describe
from .base import Component

__all__ = ["CODE_LANGUAGES", "Code"]

CODE_LANGUAGES: Final = (
    "python",
    "c",
    "cpp",
    "markdown",
    "latex",
    "json",
    "html",
    "css",
    "javascript",
    "jinja2",
    "typescript",
    "yaml",
    "dockerfile",
    "shell",
    "r",
    "sql",
    "sql-msSQL",
    "sql-mySQL",
    "sql-mariaDB",
    "sql-sqlite",
    "sql-cassandra",
    "sql-plSQL",
    "sql-hive",
    "sql-pgSQL",
    "sql-gql",
    "sql-gpSQL",
    "sql-sparkSQL",
    "sql-esper",
    None,
)
"""The ``language`` values ``Code`` accepts (Gradio's list; ``None`` is plain text)."""


class Code(Component):
    """A code box (``gr.Code``); the page shows it in a fixed-width text area, with no
    syntax colouring (``language`` is sent to the page and names the box's language).

    The client value is a string or ``null``; :meth:`preprocess` raises
    :class:`InvalidInputError` for anything else. A fn's string is sent stripped of
    leading and trailing whitespace (as Gradio); a tuple (Gradio's old file form) or any
    other non-string raises ``ValueError``. The constructor raises ``ValueError`` for a
    ``language`` not in :data:`CODE_LANGUAGES`; ``max_lines`` is raised to ``lines`` when
    smaller, as Gradio.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "focus", "blur")

    def __init__(
        self,
        value: Any = None,
        language: str | None = None,
        *,
        every: Any = None,
        inputs: Any = None,
        lines: int = 5,
        max_lines: int | None = None,
        label: str | None = None,
        interactive: bool | None = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        wrap_lines: bool = False,
        show_line_numbers: bool = True,
        autocomplete: bool = False,
        buttons: list[Any] | None = None,
    ) -> None:
        if language not in CODE_LANGUAGES:
            raise ValueError(
                f"Code: language {language!r} is not supported; use one of "
                f"{[lang for lang in CODE_LANGUAGES if lang is not None]} or None."
            )
        self.language = language
        self.lines = lines
        self.max_lines = None if max_lines is None else max(lines, max_lines)
        self.wrap_lines = wrap_lines
        self.show_line_numbers = show_line_numbers
        self.autocomplete = autocomplete
        self.buttons = ["copy", "download"] if buttons is None else buttons
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            interactive=interactive,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> str | None:
        """The code as sent; ``None`` stays ``None``; :class:`InvalidInputError` for a
        non-string."""
        if payload is None or isinstance(payload, str):
            return payload
        raise InvalidInputError(f"Code: expected a string, got {describe(payload)}.")

    def postprocess(self, value: Any) -> str | None:
        """The code stripped of surrounding whitespace; ``None`` stays ``None``."""
        if value is None:
            return None
        if isinstance(value, tuple):
            raise ValueError(
                "Code does not take a file as a tuple; read the file and return its text."
            )
        if not isinstance(value, str):
            raise ValueError(f"Code expects a string from the function, got {describe(value)}.")
        return value.strip()

    def example_value(self) -> str:
        """A line of Python, as Gradio."""
        return "print('Hello World')"

    def props(self) -> dict[str, Any]:
        """Gradio's Code config props."""
        return {
            **super().props(),
            "language": self.language,
            "lines": self.lines,
            "max_lines": self.max_lines,
            "wrap_lines": self.wrap_lines,
            "show_line_numbers": self.show_line_numbers,
            "autocomplete": self.autocomplete,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """A string."""
        return {"type": "string"}
