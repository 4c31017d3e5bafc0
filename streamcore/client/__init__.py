"""The client library: call an app's events and feed its streams, in gradio_client's terms.

Transport-neutral: a client talks to an app through a :class:`Channel` (in process, see
:mod:`streamcore.app.testing`; over a WebSocket or WebRTC, see :mod:`transports.client`).

- :class:`BaseAsyncClient`: ``predict``, ``submit`` (an :class:`AsyncJob`), ``stream``
  (a :class:`ClientStream`), ``view_api``;
- :class:`SyncClient`: the same for synchronous code, with :class:`Job` (a
  ``concurrent.futures.Future``) and :class:`SyncStream`;
- values: :func:`handle_file`, the codecs by component type, frame conversion;
- :class:`Status` / :class:`StatusUpdate`: where a job stands;
- the errors the client raises (defined in :mod:`streamcore.errors`, re-exported here).
"""

from ..errors import (
    FrameValueError,
    JobCancelledError,
    JobSkippedError,
    UnknownEventError,
    ValidationError,
)
from .base import BaseAsyncClient
from .channel import Channel
from .endpoints import Endpoint, api_info, find_endpoint, render_api_info
from .jobs import AsyncJob, JobInbox, raise_for_completion
from .status import Status, StatusUpdate
from .streams import ClientStream, FrameStream, InFlightWindow, StreamHost
from .sync import CLOSE_TIMEOUT, Job, SyncClient, SyncStream
from .values import frame_pixels, handle_file

__all__ = [
    "CLOSE_TIMEOUT",
    "AsyncJob",
    "BaseAsyncClient",
    "Channel",
    "ClientStream",
    "Endpoint",
    "FrameStream",
    "FrameValueError",
    "InFlightWindow",
    "Job",
    "JobCancelledError",
    "JobInbox",
    "JobSkippedError",
    "Status",
    "StatusUpdate",
    "StreamHost",
    "SyncClient",
    "SyncStream",
    "UnknownEventError",
    "ValidationError",
    "api_info",
    "find_endpoint",
    "frame_pixels",
    "handle_file",
    "raise_for_completion",
    "render_api_info",
]
