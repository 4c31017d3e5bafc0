"""The exception tree of streamcore, and the one table that maps it to the wire.

Every error a user or a client can meet is one of these, and its message says what was
wrong and, where it helps, what to do instead::

    StreamcoreError
    ├── Error                     raised by user code to show a message to the client (gr.Error)
    │   └── ValidationError       (client) the event's validator refused the inputs
    ├── InvalidInputError         a value a client sent cannot be used (also a ValueError)
    │   ├── ImageDecodeError      bytes that are not a decodable image
    │   ├── ImageTooLargeError    an image over the configured pixel or byte limit
    │   ├── FileTooLargeError     an upload over ``max_file_size``
    │   ├── UploadQuotaError      an upload past its session's or the server's byte quota
    │   ├── UnsupportedImageError an image kind this component refuses (SVG for numpy, ...)
    │   ├── EventKindError        a stream request (frames, inputs...) for a call
    │   └── FrameValueError       (client) a value given as a frame cannot be sent
    ├── UnknownEventError         no callable event has that api_name or index (also a KeyError)
    ├── UnknownJobError           a request names a job the session does not have (a KeyError)
    ├── PathNotAllowedError       a path outside the allowed directories (also a PermissionError)
    ├── MissingFileError          a path that names no file (also a FileNotFoundError)
    ├── FetchError                a URL that could not be fetched within the limits
    ├── QueueFullError            ``Blocks.queue(max_size=...)`` is reached
    ├── TooManyJobsError          a session has as many jobs open as it may
    │   └── TooManyPeersError     a session has as many WebRTC peers open as it may
    ├── StreamError               a stream was used in a state that does not allow it
    │   ├── StreamClosedError     sending to or reading from a stream that has ended
    │   └── WouldBlockError       a ``*_nowait`` call that would have to wait
    ├── FrameRejected             raised by a frame handler to refuse one frame
    ├── ProtocolError             a message that breaks the wire protocol (its own ``code``)
    ├── ClientError               (client) the server refused a request (the server's ``code``)
    ├── JobCancelledError         (client) the call was cancelled (a futures CancelledError)
    └── JobSkippedError           (client) the server dropped the call (trigger_mode)

:data:`WIRE_CODES` is the one table from an exception to the error code (and, where the
internal message is not for clients, the message) a client gets; :func:`wire_error` reads
it for the transports. ``(client)`` marks what only the Python client raises.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

__all__ = [
    "WIRE_CODES",
    "ClientError",
    "Error",
    "EventKindError",
    "FetchError",
    "FileTooLargeError",
    "FrameRejected",
    "FrameValueError",
    "ImageDecodeError",
    "ImageTooLargeError",
    "InvalidInputError",
    "JobCancelledError",
    "JobSkippedError",
    "MissingFileError",
    "PathNotAllowedError",
    "ProtocolError",
    "QueueFullError",
    "StreamClosedError",
    "StreamError",
    "StreamcoreError",
    "TooManyJobsError",
    "TooManyPeersError",
    "UnknownEventError",
    "UnknownJobError",
    "UnsupportedImageError",
    "UploadQuotaError",
    "ValidationError",
    "WouldBlockError",
    "wire_error",
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


class FileTooLargeError(InvalidInputError):
    """An uploaded file is over the server's ``max_file_size``; the message names the file
    and the limit. Over HTTP it is a ``413``."""


class UploadQuotaError(InvalidInputError):
    """An upload would pass a byte quota: its session's (``413`` over HTTP) or, when
    ``server_wide``, the server's (``507``). The message names the quota and what frees it."""

    def __init__(self, message: str, *, server_wide: bool) -> None:
        super().__init__(message)
        self.server_wide = server_wide


class UnsupportedImageError(InvalidInputError):
    """The image is of a kind this component does not accept (e.g. SVG for ``type="numpy"``)."""


class EventKindError(InvalidInputError):
    """A stream request (``open_stream``, frames, inputs, ``close_stream``) for a call."""


class FrameValueError(InvalidInputError):
    """A value given to a stream as a frame cannot be sent; the message names the frame."""


class _KeyErrorMessage(KeyError):
    """A ``KeyError`` whose ``str()`` is its message (``KeyError`` would quote it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownEventError(StreamcoreError, _KeyErrorMessage):
    """No event a client may call has the ``api_name`` (or index) asked for; the message
    lists the valid names."""


class UnknownJobError(StreamcoreError, _KeyErrorMessage):
    """A request named a job this session does not have (or has finished)."""


class PathNotAllowedError(StreamcoreError, PermissionError):
    """A file path lies outside the directories the app allows reading from."""


class MissingFileError(StreamcoreError, FileNotFoundError):
    """A path (allowed) names no file; the message names the file by its base name only."""


class FetchError(StreamcoreError, OSError):
    """A URL could not be fetched: bad scheme, timeout, too large or an HTTP error."""


class QueueFullError(StreamcoreError):
    """The event queue is at its ``max_size``; the call was not queued."""


class TooManyJobsError(StreamcoreError):
    """A session already has as many jobs (calls and streams, waiting or running) open as
    one session may (``max_jobs_per_session``); the message names the cap and what to do.
    Over HTTP it is a ``429``."""


class TooManyPeersError(TooManyJobsError):
    """A session already has as many WebRTC peers open as one session may
    (``max_rtc_peers_per_session``); the message names the cap and what to do."""


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


class ProtocolError(StreamcoreError):
    """A message that breaks the wire protocol; ``code`` is what the client sees
    (``bad_json``, ``bad_message``, ``bad_binary``, ``bad_frame``)."""

    def __init__(self, code: str, message: str, *, ref: str | None = None, job: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref
        self.job = job


# -- raised by the Python client ----------------------------------------------------------------


class ValidationError(Error):
    """The event's validator refused the inputs; ``messages`` maps parameter to message."""

    def __init__(self, report: list[dict[str, Any]]) -> None:
        self.report = report
        self.messages = {r["parameter_name"]: r["message"] for r in report if not r["is_valid"]}
        text = "; ".join(f"{name}: {message}" for name, message in self.messages.items())
        super().__init__(f"the inputs were refused: {text}", title="Validation error")


class ClientError(StreamcoreError):
    """The server refused a request; ``code`` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class JobCancelledError(StreamcoreError, concurrent.futures.CancelledError):
    """The job was cancelled (by the client, by another event's ``cancels`` or by a
    disconnect) before it finished. A ``concurrent.futures.CancelledError`` as well."""


class JobSkippedError(StreamcoreError):
    """The server dropped the call without running it: ``reason`` is ``"skipped"``
    (``trigger_mode="once"`` and the event was running) or ``"superseded"``
    (``trigger_mode="always_last"`` and a newer call replaced it)."""

    def __init__(self, api_name: str, reason: str) -> None:
        why = {
            "skipped": "its trigger_mode is 'once' and a call of it was running",
            "superseded": "its trigger_mode is 'always_last' and a newer call replaced this one",
        }[reason]
        super().__init__(f"the server did not run this call of {api_name!r}: {why}")
        self.reason = reason


# -- the wire -----------------------------------------------------------------------------------

WIRE_CODES: dict[type[StreamcoreError], tuple[str, str | None]] = {
    UnknownEventError: ("unknown_api", None),
    UnknownJobError: ("unknown_job", None),
    EventKindError: ("not_a_stream", None),
    StreamClosedError: ("stream_ended", "that stream has stopped taking frames"),
    QueueFullError: ("queue_full", None),
    TooManyJobsError: ("too_many_jobs", None),
    TooManyPeersError: ("too_many_peers", None),
    FileTooLargeError: ("file_too_large", None),
    UploadQuotaError: ("upload_quota", None),
    StreamcoreError: ("bad_input", None),
}
"""Exception class -> (error code, the message clients get instead of the exception's, if
any). An exception takes the entry of its nearest class in this table (its own, else its
closest base), so every ``StreamcoreError`` has one: ``bad_input`` unless said otherwise.
A :class:`ProtocolError` carries its own code."""


def wire_error(exc: StreamcoreError) -> tuple[str, str]:
    """``(code, message)`` of the ``error`` reply a client gets for ``exc``."""
    if isinstance(exc, ProtocolError):
        return exc.code, exc.message
    for cls in type(exc).__mro__:
        entry = WIRE_CODES.get(cls)
        if entry is not None:
            code, message = entry
            return code, message if message is not None else str(exc)
    raise AssertionError("StreamcoreError is in WIRE_CODES")  # pragma: no cover
