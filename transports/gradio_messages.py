"""Gradio's HTTP API on the wire, sans-I/O: what ``/config`` adds, the server-sent events.

A session's :mod:`~streamcore.messages` become the ``sse_v3`` messages that
``gradio_client`` and ``@gradio/client`` read from ``GET /gradio_api/queue/data``
(``docs/protocol.md``, "Gradio's HTTP API"). :class:`EventTranslator` keeps what one stream
needs to know (which job is which event, which generator has already sent its first
output); :func:`sse_event` frames one message. No socket, no event loop.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from streamcore.messages import (
    Accepted,
    Completed,
    Estimation,
    LogMessage,
    Message,
    Output,
    ProgressUpdate,
    Started,
)

from .protocol import json_default

__all__ = [
    "API_PREFIX",
    "GRADIO_VERSION",
    "EventTranslator",
    "call_event",
    "gradio_config_keys",
    "sse_event",
    "value_diff",
    "with_file_urls",
]

GRADIO_VERSION = "6.31.0"
"""The Gradio version ``/config`` claims: the API spoken is Gradio 6's (a client seeing no
version, or one before 4, would take the Gradio 3 path that sends the config elsewhere)."""

API_PREFIX = "/gradio_api"

_SUCCESS_REASONS = frozenset({"done", "time_limit", "closed", "idle", "exhausted"})
_STOPPED = {
    "cancelled": "the call was cancelled",
    "skipped": "the call was skipped: the event was already running",
    "superseded": "the call was replaced by a newer one",
}


def gradio_config_keys() -> dict[str, Any]:
    """The ``/config`` keys Gradio's clients read before calling anything."""
    return {
        "version": GRADIO_VERSION,
        "protocol": "sse_v3",
        "api_prefix": API_PREFIX,
        "connect_heartbeat": True,  # clients hold /heartbeat/{session_hash}: the session's life
        "enable_queue": True,
    }


def sse_event(payload: dict[str, Any]) -> bytes:
    """One server-sent event: ``data: <json>`` and a blank line."""
    return b"data: " + json.dumps(payload, default=json_default).encode() + b"\n\n"


def call_event(payload: dict[str, Any]) -> bytes | None:
    """The ``/call`` form of the Gradio message ``payload`` (what curl users read), or
    ``None`` for messages it leaves out (queue estimates, ``process_starts``):
    ``event: generating`` / ``complete`` with the outputs' list as ``data``, ``event:
    error`` with the error (``null`` when ``show_error`` hides it), ``event: heartbeat``."""
    kind = payload["msg"]
    if kind == "heartbeat":
        name, data = "heartbeat", None
    elif kind in ("process_generating", "process_completed"):
        output = payload.get("output") or {}
        if not payload.get("success"):
            name, data = "error", output.get("error")
        else:
            name = "generating" if kind == "process_generating" else "complete"
            data = output.get("data")
    else:
        return None
    body = json.dumps(data, default=json_default).encode()
    return b"event: " + name.encode() + b"\ndata: " + body + b"\n\n"


def with_file_urls(value: Any, file_root: str) -> Any:
    """``value`` with every FileData dict that names a ``path`` and no ``url`` given the
    url ``{file_root}{path}`` (``file_root`` ends with ``file=``); other values unchanged."""
    if isinstance(value, list):
        return [with_file_urls(item, file_root) for item in value]
    if not isinstance(value, dict):
        return value
    meta = value.get("meta")
    if (
        isinstance(meta, dict)
        and meta.get("_type") == "gradio.FileData"
        and isinstance(value.get("path"), str)
        and value.get("url") is None
    ):
        return {**value, "url": file_root + quote(value["path"], safe="/")}
    return {key: with_file_urls(item, file_root) for key, item in value.items()}


def value_diff(old: Any, new: Any) -> list[list[Any]]:
    """The edits that turn the JSON value ``old`` into ``new``, in Gradio's diff format:
    ``[action, path, value]`` with ``action`` one of ``replace``, ``append`` (a string that
    grew), ``add`` and ``delete`` (list items and dict keys), ``path`` the keys and indices
    leading to the edited value; ``[]`` when they are equal. Applied in order, they rebuild
    ``new`` (a list's deleted indices are given as they are when the edit applies)."""
    return _edits(old, new, [])


def _edits(old: Any, new: Any, path: list[Any]) -> list[list[Any]]:
    if old == new:
        return []
    if type(old) is not type(new):
        return [["replace", path, new]]
    if isinstance(old, str) and new.startswith(old):
        return [["append", path, new[len(old) :]]]
    if isinstance(old, list):
        kept = min(len(old), len(new))
        edits = [edit for i in range(kept) for edit in _edits(old[i], new[i], [*path, i])]
        edits += [["delete", [*path, kept], None] for _ in range(kept, len(old))]
        edits += [["add", [*path, i], new[i]] for i in range(kept, len(new))]
        return edits
    if isinstance(old, dict):
        edits = []
        for key, value in old.items():
            if key in new:
                edits += _edits(value, new[key], [*path, key])
            else:
                edits.append(["delete", [*path, key], None])
        edits += [["add", [*path, key], value] for key, value in new.items() if key not in old]
        return edits
    return [["replace", path, new]]


class EventTranslator:
    """Turns the messages of one session into the Gradio messages of its events.

    A job becomes known by the :class:`Accepted` message whose ``ref`` is its event id
    (the HTTP API submits with ``ref=event_id``); messages of unknown jobs are dropped.
    ``file_root`` prefixes the paths of output files (see :func:`with_file_urls`). With
    ``diffs`` (``queue/data``), a generator's yields after its first are sent as each
    output's :func:`value_diff` from the one before, as Gradio does; without (``/call``),
    whole.
    """

    def __init__(self, file_root: str, *, diffs: bool = True) -> None:
        self._file_root = file_root
        self._diffs = diffs
        self._events: dict[str, str] = {}
        self._previous: dict[str, list[Any]] = {}
        """Per generating job, the outputs it sent last (for the next diff)."""

    def job_of(self, event_id: str) -> str | None:
        """The job of ``event_id``, while it runs."""
        return next((job for job, event in self._events.items() if event == event_id), None)

    def translate(self, message: Message | Any) -> dict[str, Any] | None:
        """The Gradio message for ``message``, or ``None`` when it has none."""
        if isinstance(message, Accepted):
            self._events[message.job] = message.ref
            return None
        event_id = self._events.get(getattr(message, "job", ""))
        if event_id is None:
            return None
        if isinstance(message, Estimation):
            return {
                "msg": "estimation",
                "event_id": event_id,
                "rank": message.rank,
                "queue_size": message.queue_size,
                "rank_eta": message.eta,
            }
        if isinstance(message, Started):
            return {"msg": "process_starts", "event_id": event_id, "eta": None}
        if isinstance(message, Output):
            return self._generating_message(message, event_id)
        if isinstance(message, ProgressUpdate):
            return {"msg": "progress", "event_id": event_id, "progress_data": message.progress_data}
        if isinstance(message, LogMessage):
            return {
                "msg": "log",
                "event_id": event_id,
                "log": message.log,
                "level": message.level,
                "duration": message.duration,
                "visible": message.visible,
                "title": message.title,
            }
        if isinstance(message, Completed):
            del self._events[message.job]
            self._previous.pop(message.job, None)
            return {"msg": "process_completed", "event_id": event_id, **self._outcome(message)}
        return None

    def _generating_message(self, message: Output, event_id: str) -> dict[str, Any]:
        data = with_file_urls(message.data, self._file_root)
        previous = self._previous.get(message.job)
        if self._diffs:
            self._previous[message.job] = data
        if previous is not None and len(previous) == len(data):  # a later yield
            data = [value_diff(old, new) for old, new in zip(previous, data, strict=True)]
        return {
            "msg": "process_generating",
            "event_id": event_id,
            "success": True,
            "output": {"data": data, "is_generating": True},
        }

    def _outcome(self, message: Completed) -> dict[str, Any]:
        if message.reason in _SUCCESS_REASONS:
            data = with_file_urls(message.data or [], self._file_root)
            return {"success": True, "output": {"data": data, "is_generating": False}}
        if message.reason == "validation":
            refused = [v for v in message.validation or [] if not v.get("is_valid", True)]
            text = "; ".join(f"{v['parameter_name']}: {v['message']}" for v in refused)
            error = {"error": text or "the inputs were refused", "title": "Validation error"}
            return {"success": False, "output": error}
        if message.reason in _STOPPED:
            error = {"error": _STOPPED[message.reason], "title": message.reason.capitalize()}
            return {"success": False, "output": error}
        payload = message.error or {}
        if payload.get("hidden"):  # show_error is off: Gradio's clients say how to turn it on
            return {"success": False, "output": {"error": None}}
        error = {
            "error": payload.get("message", "the call failed"),
            "title": payload.get("title", "Error"),
            "duration": payload.get("duration", 10),
            "visible": payload.get("visible", True),
        }
        return {"success": False, "output": error}
