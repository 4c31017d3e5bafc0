"""streamcore: an async streaming engine for image frames, with Gradio's Image event API.

``import streamcore as gr`` gives the documented API (``gr.Image``, ``gr.Interface``,
``gr.Blocks``, the event listeners and their parameters); the engine underneath is
available too (:class:`StreamSession`, :class:`Frame`, the operators and clocks).
"""

from .app.blocks import Blocks, mount_gradio_app
from .app.interface import Interface
from .app.notices import Info, Success, Warning
from .app.progress import Progress
from .app.request import Request
from .app.updates import update
from .components.base import Component
from .components.image import Image
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

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "BarPlot",
    "Blocks",
    "Button",
    "ChatInterface",
    "Chatbot",
    "Clock",
    "Component",
    "Dependency",
    "EndReason",
    "Error",
    "EventData",
    "EventListener",
    "FakeClock",
    "FetchError",
    "Frame",
    "FrameRejected",
    "Image",
    "ImageData",
    "ImageDecodeError",
    "ImageEditor",
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
    "Request",
    "ScatterPlot",
    "SelectData",
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
    "Textbox",
    "Timer",
    "UnsupportedImageError",
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
    "stop_when",
    "throttle",
    "update",
    "validate",
]
