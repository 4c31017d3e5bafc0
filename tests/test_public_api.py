"""The public surface: ``import streamcore as gr`` exports exactly these names, each
importable, and every public module declares ``__all__`` of names it defines or re-exports."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import streamcore

PUBLIC = [
    "Blocks", "Button", "Clock", "Component", "Dependency", "EndReason", "Error", "EventData",
    "EventListener", "FakeClock", "FetchError", "Frame", "FrameRejected", "Image", "ImageData",
    "ImageDecodeError", "ImageTooLargeError", "Interface", "InvalidInputError", "JSON", "Label",
    "LatestSlot", "Markdown", "MonotonicClock", "Number", "PathNotAllowedError",
    "QueueFullError", "SelectData", "Slider", "State", "StreamClosedError", "StreamEnd",
    "StreamError", "StreamOutput", "StreamSession", "StreamcoreError", "Textbox", "Timer",
    "UnsupportedImageError", "WatermarkOptions", "WebcamOptions", "WouldBlockError",
    "__version__", "mount_gradio_app", "on", "open_stream", "stop_when", "throttle",
    "validate",
    # the choice and text components
    "Checkbox", "CheckboxGroup", "Code", "ColorPicker", "Dropdown", "DuplicateButton", "HTML",
    "HighlightedText", "Radio",
    # the layouts
    "Accordion", "Column", "Group", "Row", "Sidebar", "Tab", "TabItem", "TabbedInterface",
    "Tabs",
    "CSVLogger", "DataFrame", "Dataframe", "Dataset", "Examples", "FlaggingCallback",
    "AnnotatedImage", "Audio", "File", "Gallery", "ImageSlider", "UploadButton", "Video",
    # idioms (streamcore/app/{updates,request,progress,notices}.py)
    "Info", "Progress", "Request", "Success", "Warning", "set_static_paths", "update",
    # not supported: each raises NotSupportedError (streamcore/unsupported.py)
    "BarPlot", "ChatInterface", "Chatbot", "ImageEditor", "LinePlot", "Model3D",
    "MultimodalTextbox", "NotSupportedError", "Paint", "Plot", "ScatterPlot", "Sketchpad",
    "render",
    # Gradio's helpers
    "ClearButton", "NO_RELOAD", "skip", "themes",
]  # fmt: skip


def test_import_streamcore_as_gr_exports_exactly_these_names() -> None:
    assert sorted(streamcore.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(streamcore, name) is not None


MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(streamcore.__path__, "streamcore.")
    if not info.name.rsplit(".", 1)[-1].startswith("_") and not info.ispkg
)


@pytest.mark.parametrize("name", MODULES)
def test_every_public_module_declares_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which it lacks"
