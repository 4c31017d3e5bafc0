"""How soon the event loop gets the GIL back: the interpreter's switch interval, for a server.

Why. The event loop of a WebRTC server lets go of the GIL hundreds of times a second for
short C calls (SRTP for every packet, DTLS for the data channel's messages), and must then
wait to take it back. When a worker thread is running Python code (a fn, a conversion, a
codec's Python side), the loop waits until the interpreter asks that thread to let go:
after the switch interval, 5 ms by default. Those waits add up to the loop's stalls.

:func:`apply_switch_interval` sets the interval to :data:`DEFAULT_SWITCH_INTERVAL` (1 ms),
or to :data:`SWITCH_INTERVAL_ENV`'s value, once per process, before a server serves
(``launch()``, ``serve()``, each worker of ``streamcore serve``). A thread that holds the GIL
is asked to let go only when another thread is waiting for it, so threads that compute
alone pay nothing; under contention they switch at most a thousand times a second.
Measured with 8 WebRTC streams on 2 cores (``benchmarks/RESULTS.md``, ``loop_stall``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Final

__all__ = [
    "DEFAULT_SWITCH_INTERVAL",
    "SWITCH_INTERVAL_ENV",
    "apply_switch_interval",
    "switch_interval_from_env",
]

log = logging.getLogger("streamcore.transports")

SWITCH_INTERVAL_ENV: Final = "STREAMCORE_SWITCH_INTERVAL"
"""Seconds (``0.001``), ``auto`` (or unset: :data:`DEFAULT_SWITCH_INTERVAL`), or ``off``
(the interpreter's own, untouched)."""

DEFAULT_SWITCH_INTERVAL: Final = 0.001
"""The switch interval a server sets: 1 ms, Python's default being 5 ms."""

_lock = threading.Lock()
_applied = False


def switch_interval_from_env() -> float | None:
    """The interval :func:`apply_switch_interval` sets, from :data:`SWITCH_INTERVAL_ENV`;
    ``None`` for ``off``. Raises ``ValueError`` naming the variable for anything but
    ``auto``, ``off`` or a number of seconds from 0.0001 to 0.1."""
    raw = os.environ.get(SWITCH_INTERVAL_ENV, "").strip().lower()
    if raw in ("", "auto"):
        return DEFAULT_SWITCH_INTERVAL
    if raw == "off":
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0.0001 <= seconds <= 0.1:
        raise ValueError(
            f"{SWITCH_INTERVAL_ENV}={raw!r}: give seconds from 0.0001 to 0.1 (e.g. 0.001), "
            "auto or off"
        )
    return seconds


def apply_switch_interval() -> float | None:
    """Set the process's switch interval from :func:`switch_interval_from_env`, the first
    time a server of the process starts; later calls change nothing. Returns the interval
    in force after the call when this call set it, else ``None``."""
    global _applied
    with _lock:
        if _applied:
            return None
        seconds = switch_interval_from_env()
        _applied = True
        if seconds is None:
            return None
        sys.setswitchinterval(seconds)
        log.debug("switch interval set to %s s", seconds)
        return sys.getswitchinterval()
