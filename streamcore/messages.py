"""What a client session hears about its calls, transport-neutral.

The WebSocket codec turns these into JSON (see ``docs/protocol.md``); the in-process test
client reads them directly. Every message names the job (one call or one stream) it is
about. A job's last message is always :class:`Completed`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "COMPLETION_REASONS",
    "Accepted",
    "Completed",
    "Estimation",
    "FrameError",
    "LogMessage",
    "Message",
    "Output",
    "ProgressUpdate",
    "Started",
]

COMPLETION_REASONS = (
    "done",
    "time_limit",
    "closed",
    "cancelled",
    "idle",
    "error",
    "exhausted",
    "validation",
    "skipped",
    "superseded",
)
"""``done``: the fn returned or the generator ended; ``time_limit`` / ``closed`` / ``idle`` /
``exhausted``: a stream ended so; ``cancelled``: by ``cancels=``, the client or a
disconnect; ``error``: the fn raised or the input was refused; ``validation``: the validator
refused the inputs; ``skipped``: ``trigger_mode="once"`` dropped the trigger;
``superseded``: ``trigger_mode="always_last"`` replaced it by a newer one."""


@dataclass(frozen=True, slots=True)
class Message:
    job: str

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Accepted(Message):
    """The client's request ``ref`` became ``job``; every other message of the job follows."""

    ref: str


@dataclass(frozen=True, slots=True)
class Estimation(Message):
    """The job waits in the queue at ``rank`` (0 = next) of ``queue_size`` waiting; ``eta``
    is the server's estimate in seconds of when it starts, if it has one."""

    rank: int
    queue_size: int
    eta: float | None = None


@dataclass(frozen=True, slots=True)
class Started(Message):
    """The job left the queue and runs; a stream now takes frames."""

    time_limit: float | None = None


@dataclass(frozen=True, slots=True)
class Output(Message):
    """One result: a generator's yield, or a stream's output for frame ``seq``.

    ``data`` has one client-side value per output component. In binary mode a stream's
    image output is carried as ``frame`` (encoded bytes) instead of a data URL.
    """

    data: list[Any]
    seq: int | None = None
    latency_ms: float | None = None
    frame: bytes | None = field(default=None, repr=False)
    frame_mime: str | None = None
    frame_index: int | None = None
    """Which output ``frame`` belongs to (``data`` holds ``None`` there)."""
    waited_ms: float | None = field(default=None, compare=False)
    """A stream output's forward delay: from its frame's arrival to the fn starting on it.
    For the server's metrics; not sent to clients."""
    received: int | None = None
    """A stream output: the frames the stream was offered so far (``None`` for a call)."""
    replaced: int | None = None
    """A stream output: the frames replaced so far in the stream's latest-wins slot by a
    newer one before the fn took them (``None`` for a call)."""


@dataclass(frozen=True, slots=True)
class Completed(Message):
    """The job ended; ``reason`` is one of :data:`COMPLETION_REASONS`.

    ``data`` is the final output (the last one sent, or the fn's result). ``error`` is
    ``{"message", "title", "type"}`` when something went wrong; ``validation`` lists
    ``{"parameter_name", "message", "is_valid"}`` per input when the validator refused.
    """

    reason: str
    success: bool = True
    data: list[Any] | None = None
    error: dict[str, Any] | None = None
    validation: list[dict[str, Any]] | None = None
    stats: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FrameError(Message):
    """One stream frame was refused (undecodable, too large...); the stream goes on."""

    seq: int
    error: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProgressUpdate(Message):
    """The running fn reported its progress (``gr.Progress``).

    ``progress_data`` lists one ``{"index", "length", "unit", "progress", "desc"}`` per
    nested level (an outer ``progress.tqdm`` loop first), as Gradio's ``progress_data``:
    ``progress`` is a fraction in [0, 1] when the fn gave one, else ``index`` of ``length``
    steps (``length`` ``None`` when unknown). Sent at most every 0.1 s per job, the newest
    wins; never after the job's completion."""

    progress_data: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class LogMessage(Message):
    """The running fn called ``gr.Info``, ``gr.Warning`` or ``gr.Success``: ``level`` is
    ``"info"``, ``"warning"`` or ``"success"``; ``duration`` in seconds (``None``: until
    closed); ``visible=False`` is for the log only."""

    log: str
    level: str
    title: str
    duration: float | None = 10
    visible: bool = True


_KINDS: dict[type[Message], str] = {
    Accepted: "accepted",
    FrameError: "frame_error",
    Estimation: "estimation",
    Started: "started",
    Output: "output",
    Completed: "completed",
    ProgressUpdate: "progress",
    LogMessage: "log",
}
