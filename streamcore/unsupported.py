"""The parts of Gradio 6 streamcore does not provide, each refusing at construction.

``import streamcore as gr`` keeps an app that uses one of these from starting half-built:
``gr.Chatbot(...)`` raises :class:`NotSupportedError` naming it, at once, rather than an
``AttributeError`` or a page that lacks a widget. ``launch(mcp_server=True)`` is refused
the same way (see :func:`refuse_mcp`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from .errors import StreamcoreError

__all__ = [
    "BarPlot",
    "ChatInterface",
    "Chatbot",
    "ImageEditor",
    "LinePlot",
    "Model3D",
    "MultimodalTextbox",
    "NotSupportedError",
    "Paint",
    "Plot",
    "ScatterPlot",
    "Sketchpad",
    "refuse_mcp",
    "render",
]


class NotSupportedError(StreamcoreError, NotImplementedError):
    """A Gradio feature streamcore does not provide was used."""


def _refuse(name: str, what: str) -> NoReturn:
    raise NotSupportedError(
        f"gr.{name} is not supported by streamcore ({what}); see docs/semantics.md, "
        "'Not supported', for what streamcore provides instead"
    )


class _Unsupported:
    """A Gradio class streamcore does not provide: constructing it raises."""

    WHAT = "a Gradio component"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _refuse(type(self).__name__, self.WHAT)


class ImageEditor(_Unsupported):
    """Not supported: Gradio's layered image editor."""

    WHAT = "the image editor component"


class Sketchpad(_Unsupported):
    """Not supported: Gradio's drawing canvas."""

    WHAT = "the drawing canvas component"


class Paint(_Unsupported):
    """Not supported: Gradio's painting canvas."""

    WHAT = "the painting canvas component"


class Chatbot(_Unsupported):
    """Not supported: Gradio's chat transcript component."""

    WHAT = "the chat component"


class ChatInterface(_Unsupported):
    """Not supported: Gradio's chat app wrapper."""

    WHAT = "the chat interface"


class MultimodalTextbox(_Unsupported):
    """Not supported: Gradio's text-and-files box."""

    WHAT = "the text-and-files input"


class Plot(_Unsupported):
    """Not supported: Gradio's plot component (matplotlib, plotly, bokeh, altair)."""

    WHAT = "plot components"


class LinePlot(_Unsupported):
    """Not supported: Gradio's native line plot."""

    WHAT = "plot components"


class ScatterPlot(_Unsupported):
    """Not supported: Gradio's native scatter plot."""

    WHAT = "plot components"


class BarPlot(_Unsupported):
    """Not supported: Gradio's native bar plot."""

    WHAT = "plot components"


class Model3D(_Unsupported):
    """Not supported: Gradio's 3D model viewer."""

    WHAT = "the 3D model viewer"


def render(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported: Gradio's ``@gr.render`` decorator (dynamic layouts); raises when
    called, before it decorates anything."""
    _refuse("render", "dynamic layouts built by a fn at run time")


def refuse_mcp(mcp_server: Any) -> None:
    """Raise :class:`NotSupportedError` when ``launch(mcp_server=...)`` asks for Gradio's
    MCP server (any value but ``None`` and ``False``)."""
    if mcp_server not in (None, False):
        raise NotSupportedError(
            "launch(mcp_server=True) is not supported by streamcore: it serves no MCP "
            "server (the app's API is Gradio's HTTP API, for gradio_client and "
            "@gradio/client)"
        )
