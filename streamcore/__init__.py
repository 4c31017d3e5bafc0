"""streamcore: an async streaming engine for image frames, with Gradio's Image event API.

``import streamcore as gr`` gives the documented API (``gr.Image``, ``gr.Interface``,
``gr.Blocks``, the event listeners and their parameters); the engine underneath is
available too (:class:`StreamSession`, :class:`Frame`, the operators and clocks).
"""

from . import themes
from .app.blocks import Blocks, mount_gradio_app
from .app.examples import Examples
from .app.flagging import CSVLogger, FlaggingCallback
from .app.interface import Interface, TabbedInterface
from .app.notices import Info, Success, Warning
from .app.progress import Progress
from .app.request import Request
from .app.updates import skip, update
from .components.base import Component
from .components.choice_values import (
    HTML,
    Checkbox,
    CheckboxGroup,
    Code,
    ColorPicker,
    Dropdown,
    DuplicateButton,
    HighlightedText,
    Radio,
)
from .components.clear_button import ClearButton
from .components.dataframe import Dataframe
from .components.dataset import Dataset
from .components.file import File, UploadButton
from .components.gallery import Gallery
from .components.image import Image
from .components.image_pairs import AnnotatedImage, ImageSlider
from .components.media_files import Audio, Video
from .components.values import (
    JSON,
    Button,
    Label,
    Markdown,
    Number,
    Slider,
    State,
    Textbox,
    Timer,
)
from .engine.clock import Clock, FakeClock, MonotonicClock
from .engine.frames import Frame
from .engine.operators import stop_when, throttle
from .engine.session import EndReason, StreamEnd, StreamOutput, StreamSession, open_stream
from .engine.slots import LatestSlot
from .errors import (
    Error,
    FetchError,
    FrameRejected,
    ImageDecodeError,
    ImageTooLargeError,
    InvalidInputError,
    PathNotAllowedError,
    QueueFullError,
    StreamClosedError,
    StreamcoreError,
    StreamError,
    UnsupportedImageError,
    WouldBlockError,
)
from .events import Dependency, EventListener, SelectData, on, validate
from .layouts import Accordion, Column, Group, Row, Sidebar, Tab, TabItem, Tabs
from .media.image_data import ImageData
from .media.options import WatermarkOptions, WebcamOptions
from .media.static_paths import set_static_paths
from .unsupported import (
    BarPlot,
    Chatbot,
    ChatInterface,
    ImageEditor,
    LinePlot,
    Model3D,
    MultimodalTextbox,
    NotSupportedError,
    Paint,
    Plot,
    ScatterPlot,
    Sketchpad,
    render,
)

EventData = SelectData
DataFrame = Dataframe

__version__ = "0.1.0"

NO_RELOAD = True
"""Gradio's flag for code that its reload mode should run once (``if gr.NO_RELOAD:``);
streamcore has no reload mode, so such code always runs."""

__all__ = [
    "HTML",
    "JSON",
    "NO_RELOAD",
    "Accordion",
    "AnnotatedImage",
    "Audio",
    "BarPlot",
    "Blocks",
    "Button",
    "CSVLogger",
    "ChatInterface",
    "Chatbot",
    "Checkbox",
    "CheckboxGroup",
    "ClearButton",
    "Clock",
    "Code",
    "ColorPicker",
    "Column",
    "Component",
    "DataFrame",
    "Dataframe",
    "Dataset",
    "Dependency",
    "Dropdown",
    "DuplicateButton",
    "EndReason",
    "Error",
    "EventData",
    "EventListener",
    "Examples",
    "FakeClock",
    "FetchError",
    "File",
    "FlaggingCallback",
    "Frame",
    "FrameRejected",
    "Gallery",
    "Group",
    "HighlightedText",
    "Image",
    "ImageData",
    "ImageDecodeError",
    "ImageEditor",
    "ImageSlider",
    "ImageTooLargeError",
    "Info",
    "Interface",
    "InvalidInputError",
    "Label",
    "LatestSlot",
    "LinePlot",
    "Markdown",
    "Model3D",
    "MonotonicClock",
    "MultimodalTextbox",
    "NotSupportedError",
    "Number",
    "Paint",
    "PathNotAllowedError",
    "Plot",
    "Progress",
    "QueueFullError",
    "Radio",
    "Request",
    "Row",
    "ScatterPlot",
    "SelectData",
    "Sidebar",
    "Sketchpad",
    "Slider",
    "State",
    "StreamClosedError",
    "StreamEnd",
    "StreamError",
    "StreamOutput",
    "StreamSession",
    "StreamcoreError",
    "Success",
    "Tab",
    "TabItem",
    "TabbedInterface",
    "Tabs",
    "Textbox",
    "Timer",
    "UnsupportedImageError",
    "UploadButton",
    "Video",
    "Warning",
    "WatermarkOptions",
    "WebcamOptions",
    "WouldBlockError",
    "__version__",
    "mount_gradio_app",
    "on",
    "open_stream",
    "render",
    "set_static_paths",
    "skip",
    "stop_when",
    "themes",
    "throttle",
    "update",
    "validate",
]
