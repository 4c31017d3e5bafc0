"""Where a job stands, in ``gradio_client``'s terms: :class:`Status` and :class:`StatusUpdate`.

A job's status is derived from the messages its client has seen of it, in this order::

    JOINING_QUEUE   accepted by the server, nothing heard yet
    IN_QUEUE        waiting in the queue (``rank`` 0 is next, of ``queue_size`` waiting)
    PROCESSING      the fn runs
    ITERATING       a generator has yielded at least once
    FINISHED        ended: ``success`` says how, ``reason`` why (``done``, ``error``, ...)
    CANCELLED       ended by a cancel (the client's, ``cancels=`` or a disconnect)

``reason`` carries streamcore's completion reason, so a call that ``trigger_mode="once"``
skipped reads ``FINISHED``, ``success=False``, ``reason="skipped"``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["NOT_RUN", "Status", "StatusUpdate"]

NOT_RUN = frozenset({"skipped", "superseded"})
"""Completion reasons of a call whose fn never ran (the server dropped the trigger)."""


class Status(enum.Enum):
    """The status codes a job reports (``gradio_client.utils.Status``'s names)."""

    STARTING = "STARTING"
    JOINING_QUEUE = "JOINING_QUEUE"
    IN_QUEUE = "IN_QUEUE"
    PROCESSING = "PROCESSING"
    ITERATING = "ITERATING"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class StatusUpdate:
    """One reading of a job's status; the fields of ``gradio_client``'s, plus ``reason``.

    ``rank`` and ``queue_size`` are set while ``IN_QUEUE``; ``eta`` (seconds) when the
    server estimated one; ``success`` once the job ended; ``progress_data`` is the running
    fn's last ``gr.Progress`` report (a list of ``{"index", "length", "unit", "progress",
    "desc"}``) and ``log`` its last ``gr.Info`` / ``gr.Warning`` as ``(message, level)``,
    while it runs.
    """

    code: Status
    rank: int | None = None
    queue_size: int | None = None
    eta: float | None = None
    success: bool | None = None
    time: datetime = field(default_factory=datetime.now)
    progress_data: list[Any] | None = None
    reason: str | None = None
    log: tuple[str, str] | None = None
