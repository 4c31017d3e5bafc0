"""The exception tree of streamcore.

Every error a user or a client can cause is one of these, and its message says what was
wrong and, where it helps, what to do instead::

    StreamcoreError
    ├── Error                     raised by user code to show a message to the client (gr.Error)
    ├── InvalidInputError         a value a client sent cannot be used (also a ValueError)
    │   ├── ImageDecodeError      bytes that are not a decodable image
    │   ├── ImageTooLargeError    an image over the configured pixel or byte limit
    │   └── UnsupportedImageError an image kind this component refuses (SVG for numpy, ...)
    ├── PathNotAllowedError       a path outside the allowed directories (also a PermissionError)
    ├── FetchError                a URL that could not be fetched within the limits
    ├── QueueFullError            ``Blocks.queue(max_size=...)`` is reached
    ├── StreamError               a stream was used in a state that does not allow it
    │   ├── StreamClosedError     sending to or reading from a stream that has ended
    │   └── WouldBlockError       a ``*_nowait`` call that would have to wait
    └── FrameRejected             raised by a frame handler to refuse one frame
"""

from __future__ import annotations

__all__ = [
    "Error",
    "FetchError",
    "FrameRejected",
    "ImageDecodeError",
    "ImageTooLargeError",
    "InvalidInputError",
    "PathNotAllowedError",
    "QueueFullError",
    "StreamClosedError",
    "StreamError",
    "StreamcoreError",
    "UnsupportedImageError",
    "WouldBlockError",
]


class StreamcoreError(Exception):
    """Base class of every exception streamcore raises on purpose."""


class Error(StreamcoreError):
    """An error whose message is shown to the client as is (Gradio's ``gr.Error``).

    Raise it from an event function. Unlike any other exception from user code, its
    message always reaches the client; ``title``, ``duration`` (seconds, ``None`` keeps it
    until dismissed) and ``visible`` tell the page how to show it.
    """

    def __init__(
        self,
        message: str = "Error raised.",
        duration: float | None = 10,
        visible: bool = True,
        title: str = "Error",
        print_exception: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.duration = duration
        self.visible = visible
        self.title = title
        self.print_exception = print_exception

    def __str__(self) -> str:
        return self.message


class InvalidInputError(StreamcoreError, ValueError):
    """A value sent by a client cannot be used; the message names the problem."""


class ImageDecodeError(InvalidInputError):
    """The bytes are not an image that can be decoded."""


class ImageTooLargeError(InvalidInputError):
    """The image is over the configured pixel (or byte) limit."""


class UnsupportedImageError(InvalidInputError):
    """The image is of a kind this component does not accept (e.g. SVG for ``type="numpy"``)."""


class PathNotAllowedError(StreamcoreError, PermissionError):
    """A file path lies outside the directories the app allows reading from."""


class FetchError(StreamcoreError, OSError):
    """A URL could not be fetched: bad scheme, timeout, too large or an HTTP error."""


class QueueFullError(StreamcoreError):
    """The event queue is at its ``max_size``; the call was not queued."""


class StreamError(StreamcoreError):
    """A stream was used in a state that does not allow the call."""


class StreamClosedError(StreamError):
    """The stream has ended: nothing more can be sent to it or read from it."""


class WouldBlockError(StreamError):
    """A ``*_nowait`` call would have had to wait."""


class FrameRejected(StreamcoreError):
    """Raised by a stream's frame handler to refuse one frame: the stream goes on.

    ``reason`` is the error that names the problem (an undecodable or oversized image).
    """

    def __init__(self, reason: InvalidInputError) -> None:
        super().__init__(str(reason))
        self.reason = reason
