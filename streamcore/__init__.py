"""streamcore: an async streaming engine for image frames, with Gradio's Image event API.

``import streamcore as gr`` gives the documented API (``gr.Image``, ``gr.Interface``,
``gr.Blocks``, the event listeners and their parameters); the engine underneath is
available too (:class:`StreamSession`, :class:`Frame`, the operators and clocks).
"""

from .app.blocks import Blocks, mount_gradio_app
from .app.interface import Interface
from .components.base import Component
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
from .media.image_data import ImageData
from .media.options import WatermarkOptions, WebcamOptions

EventData = SelectData

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "AnnotatedImage",
    "Audio",
    "Blocks",
    "Button",
    "Clock",
    "Component",
    "Dependency",
    "EndReason",
    "Error",
    "EventData",
    "EventListener",
    "FakeClock",
    "FetchError",
    "File",
    "Frame",
    "FrameRejected",
    "Gallery",
    "Image",
    "ImageData",
    "ImageDecodeError",
    "ImageSlider",
    "ImageTooLargeError",
    "Interface",
    "InvalidInputError",
    "Label",
    "LatestSlot",
    "Markdown",
    "MonotonicClock",
    "Number",
    "PathNotAllowedError",
    "QueueFullError",
    "SelectData",
    "Slider",
    "State",
    "StreamClosedError",
    "StreamEnd",
    "StreamError",
    "StreamOutput",
    "StreamSession",
    "StreamcoreError",
    "Textbox",
    "Timer",
    "UnsupportedImageError",
    "UploadButton",
    "Video",
    "WatermarkOptions",
    "WebcamOptions",
    "WouldBlockError",
    "__version__",
    "mount_gradio_app",
    "on",
    "open_stream",
    "stop_when",
    "throttle",
    "validate",
]
