"""``gr.themes``: Gradio's theme classes, accepted and not applied.

Apps pass ``theme=gr.themes.Soft()`` (or a theme's name) to ``Blocks``, ``Interface`` or
``launch``, and customise one with ``.set(...)``, hues, sizes and fonts. streamcore's page
has one look of its own (light or dark as the system is) and does not draw Gradio's
themes, so these classes only keep what they were given: an app that uses them runs, and
looks like every streamcore app. (``docs/semantics.md`` says so.)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Base",
    "Citrus",
    "Color",
    "Cyberpunk",
    "Default",
    "Ember",
    "Font",
    "Glass",
    "GoogleFont",
    "LocalFont",
    "Mario",
    "Monochrome",
    "Neon",
    "Ocean",
    "Origin",
    "Size",
    "Soft",
    "ThemeClass",
    "colors",
    "sizes",
]


class ThemeClass:
    """A theme: the options it was made with and those :meth:`set` added (kept, not drawn)."""

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = dict(options)

    def set(self, **variables: Any) -> ThemeClass:
        """Gradio's way to override theme variables; returns the theme, as Gradio's."""
        self.options.update(variables)
        return self

    def __repr__(self) -> str:
        return f"gr.themes.{type(self).__name__}()"


class Base(ThemeClass):
    """Gradio's base theme."""


class Default(Base):
    """Gradio's default theme."""


class Soft(Base):
    """Gradio's ``Soft`` theme."""


class Monochrome(Base):
    """Gradio's ``Monochrome`` theme."""


class Glass(Base):
    """Gradio's ``Glass`` theme."""


class Origin(Base):
    """Gradio's ``Origin`` theme."""


class Citrus(Base):
    """Gradio's ``Citrus`` theme."""


class Ocean(Base):
    """Gradio's ``Ocean`` theme."""


class Ember(Base):
    """Gradio's ``Ember`` theme."""


class Neon(Base):
    """Gradio's ``Neon`` theme."""


class Cyberpunk(Base):
    """Gradio's ``Cyberpunk`` theme."""


class Mario(Base):
    """Gradio's ``Mario`` theme."""


class _Named:
    """A named value of a theme (a colour, a size, a font): its name and its options."""

    def __init__(self, name: str = "", *args: Any, **options: Any) -> None:
        self.name = name
        self.args = args
        self.options = options

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Color(_Named):
    """A hue (``gr.themes.colors.blue``, or ``Color(name=..., c50=..., ...)``)."""


class Size(_Named):
    """A size scale (``gr.themes.sizes.radius_md``)."""


class Font(_Named):
    """A font family by name."""


class GoogleFont(Font):
    """A Google font by name."""


class LocalFont(Font):
    """A font served by the app."""


class _Palette:
    """``gr.themes.colors`` / ``gr.themes.sizes``: any attribute is a named value."""

    def __init__(self, kind: type[_Named]) -> None:
        self._kind = kind

    def __getattr__(self, name: str) -> _Named:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._kind(name)


colors = _Palette(Color)
sizes = _Palette(Size)
