"""What a client session shows an observer (the server's metrics), with no I/O.

The runtime knows nothing of metrics: a transport that wants figures gives
:meth:`~streamcore.app.runtime.AppRuntime.session` a :class:`SessionObserver`, and the
session calls it at three points only: when a job is triggered (:meth:`~SessionObserver.job`),
when a client offers a stream a frame (:meth:`~SessionObserver.frame`) and for every message
the session posts to its client (:meth:`~SessionObserver.message`, before it is queued).
Everything else (outputs, latencies, errors, completions and their reasons, a stream's final
statistics) is read from those messages.

The calls are made on the event loop, on the frame path for :meth:`~SessionObserver.frame`
and for stream outputs: an observer must return at once, never block, never raise.
"""

from __future__ import annotations

from typing import Protocol

from streamcore.messages import Message

__all__ = ["SessionObserver"]


class SessionObserver(Protocol):
    """Sees one client session's jobs, frames and messages (see the module docstring)."""

    def job(self, job_id: str, api_name: str, *, stream: bool, video: bool) -> None:
        """A job of the event ``api_name`` was triggered (before any message about it);
        ``stream``: it takes frames; ``video``: a stream whose image output goes to a video
        track (WebRTC)."""
        ...

    def frame(self, job_id: str, replaced: bool) -> None:
        """The client offered the stream ``job_id`` a frame; ``replaced``: it replaced one
        the fn had not taken (a drop)."""
        ...

    def message(self, message: Message) -> None:
        """The session posts ``message`` to its client."""
        ...

    def closed(self) -> None:
        """The session has ended; no call follows."""
        ...
