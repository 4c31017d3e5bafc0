"""Log resource exhaustion once per interval, with a count, not once per attempt.

When a process runs out of file descriptors, asyncio's accept loop fails on every
``accept()`` and reports each failure, with a traceback, through the loop's exception
handler (Python 3.11: thousands a second, 188 MB of log in 35 s in the measurement of
``docs/security.md``). :func:`throttle_accept_errors` installs, once per process, a filter
on the ``asyncio`` logger that lets one such record through per :data:`INTERVAL_SECONDS`
(without its traceback: it is not a bug in the code) and says how many were held back since
the last one. It does the same on ``uvicorn.error`` for :data:`DENIED_UPGRADE`, which
uvicorn logs for every WebSocket upgrade the app refuses with an HTTP response (a ``Host``
or origin refused): one line per refused attempt would let any client fill the log.
:class:`ThrottledLog` does the same for the server's own refusals (sessions past
``max_connections``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

__all__ = [
    "ACCEPT_ERROR",
    "CLIENT_CAUSED_LOGGERS",
    "DENIED_UPGRADE",
    "INTERVAL_SECONDS",
    "AcceptErrorFilter",
    "RecordRateFilter",
    "ThrottledLog",
    "throttle_accept_errors",
]

INTERVAL_SECONDS = 10.0
"""At most one record of a kind per this many seconds."""

ACCEPT_ERROR = "socket.accept() out of system resource"
"""How asyncio's accept loop begins the message it logs when ``accept()`` fails for want
of a resource (EMFILE, ENFILE, ENOBUFS, ENOMEM)."""


DENIED_UPGRADE = "ASGI callable returned without completing handshake."
"""What uvicorn's WebSocket protocol logs after the app refused an upgrade with an HTTP
response (it logs it for every such refusal, though nothing is wrong)."""


class _Interval:
    """Counts events and says which may be reported: the first at once, then one per
    ``interval`` seconds, with how many were held back since the last. Thread-safe."""

    def __init__(self, interval: float, clock: Callable[[], float]) -> None:
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self._held = 0
        self.total = 0

    def due(self) -> int | None:
        """Count one event; the number held back since the last report if this one is to
        be reported, else ``None``."""
        with self._lock:
            self.total += 1
            now = self._clock()
            if self._last is not None and now - self._last < self._interval:
                self._held += 1
                return None
            held, self._held, self._last = self._held, 0, now
            return held


class ThrottledLog:
    """Counts events and logs at most one line per ``interval`` seconds about them.

    :meth:`note` returns whether it logged. The first event logs at once; later ones are
    counted, and the first event after ``interval`` has passed logs the count of those held
    back. Thread-safe (an event may be noted from any thread).
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._events = _Interval(interval, clock)

    @property
    def total(self) -> int:
        """Every event noted since this object was made."""
        return self._events.total

    def note(self, message: str, level: int = logging.WARNING) -> bool:
        """Count one event; log ``message`` (plus the count held back) if the interval
        since the last line has passed."""
        held = self._events.due()
        if held is None:
            return False
        if held:
            message = f"{message} ({held} more since the last report)"
        self._logger.log(level, message)
        return True


class AcceptErrorFilter(logging.Filter):
    """A filter for the ``asyncio`` logger: one accept-failure record per ``interval``.

    The record let through loses its traceback and says how many were held back since the
    last one and what to do; every other record passes unchanged. With ``prefix`` and
    ``advice`` it does the same for records beginning with ``prefix`` (another logger's).
    """

    def __init__(
        self,
        interval: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = ACCEPT_ERROR,
        advice: str = (
            "new connections wait in the listen queue until a descriptor is free. Lower "
            "max_connections or raise the file-descriptor limit (ulimit -n); see "
            "docs/security.md"
        ),
    ) -> None:
        super().__init__()
        self._prefix = prefix
        self._advice = advice
        self._events = _Interval(interval, clock)

    @property
    def total(self) -> int:
        """Accept-failure records seen since this filter was made."""
        return self._events.total

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not record.msg.startswith(self._prefix):
            return True
        held = self._events.due()
        if held is None:
            return False
        error = record.exc_info[1] if record.exc_info else None
        detail = f": {error}" if error else ""
        since = f" ({held} more since the last report)" if held else ""
        record.msg = f"{self._prefix.rstrip('.')}{detail}{since}; {self._advice}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


class RecordRateFilter(logging.Filter):
    """A filter for a library's logger whose records a client can cause at will (a
    malformed body): one record per ``interval`` passes, saying how many were held back
    since the last one; the others are dropped."""

    def __init__(
        self, interval: float = INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._events = _Interval(interval, clock)

    @property
    def total(self) -> int:
        """Records seen since this filter was made."""
        return self._events.total

    def filter(self, record: logging.LogRecord) -> bool:
        held = self._events.due()
        if held is None:
            return False
        if held:
            record.msg = f"{record.getMessage()} ({held} more since the last report)"
            record.args = ()
        return True


CLIENT_CAUSED_LOGGERS = ("python_multipart.multipart",)
"""Libraries' loggers that log a record per malformed request (python-multipart: one warning
per malformed multipart body, such as a login form): rate-limited by
:func:`throttle_accept_errors`."""

_installed: AcceptErrorFilter | None = None
_install_lock = threading.Lock()


def throttle_accept_errors() -> AcceptErrorFilter:
    """Install the process's :class:`AcceptErrorFilter` on the ``asyncio`` logger, one
    for :data:`DENIED_UPGRADE` on ``uvicorn.error`` and a :class:`RecordRateFilter` on each of
    :data:`CLIENT_CAUSED_LOGGERS` (once; later calls return the same
    accept filter). They stay for the life of the process: they change nothing but those
    records."""
    global _installed
    with _install_lock:
        if _installed is None:
            _installed = AcceptErrorFilter()
            logging.getLogger("asyncio").addFilter(_installed)
            denied = AcceptErrorFilter(
                prefix=DENIED_UPGRADE,
                advice="uvicorn says so of every WebSocket upgrade refused with an HTTP status",
            )
            logging.getLogger("uvicorn.error").addFilter(denied)
            for name in CLIENT_CAUSED_LOGGERS:
                logging.getLogger(name).addFilter(RecordRateFilter())
        return _installed
