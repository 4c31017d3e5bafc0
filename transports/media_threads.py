"""WebRTC's codec threads run as ``SCHED_BATCH`` (Linux): a woken one does not preempt the loop.

Why. A WebRTC server's event loop hands every received video frame to the receiver's
decoder thread (aiortc's ``video-decoder``, one per stream) and every outgoing one to an
encoder in the loop's default executor. Each hand-over wakes that thread, and on a busy
machine Linux lets the woken thread preempt the loop at once: the loop, holding the GIL,
waits in the run queue, and the woken thread waits for the GIL. A profile of the loop with
4 WebRTC streams found 12 % of its samples in the hand-over to the decoder threads alone
(``benchmarks/RESULTS.md``).

``SCHED_BATCH`` tells the kernel a thread is CPU-bound and not interactive: woken, it does
not preempt the thread that runs (it takes an idle CPU, or waits until the running thread's
slice ends); its share of the CPU, against other threads and other processes, stays that
of its nice value. Setting it needs no privilege. The threads that run the app's fns are
left as they are: only the codec threads, which are streamcore's own business.

:class:`MediaThreads` marks the live threads named as aiortc's decoder threads
(:data:`MEDIA_THREAD_NAMES`) and as the loop's default executor's (:data:`MEDIA_THREAD_PREFIXES`,
where aiortc encodes; ``asyncio.to_thread`` runs there too), each once.
:func:`mark_media_threads_from_now`, called once per process by every server streamcore
starts (``launch()``, ``serve()``, each worker of ``streamcore serve``:
:mod:`transports.process_setup`), starts a daemon thread that sweeps every
:data:`SWEEP_INTERVAL`: a codec thread started after a sweep runs as before until the next.
:data:`MEDIA_THREADS_ENV` set to ``normal`` leaves every thread as it is; where the OS has
no ``SCHED_BATCH`` nothing is done. Measured in ``docs/deployment.md`` ("WebRTC's codec
threads").
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from typing import Final

__all__ = [
    "MEDIA_THREADS_ENV",
    "MEDIA_THREAD_NAMES",
    "MEDIA_THREAD_PREFIXES",
    "SWEEP_INTERVAL",
    "MediaThreads",
    "batch_media_threads_from_env",
    "is_media_thread",
    "mark_media_threads_from_now",
]

log = logging.getLogger("streamcore.transports")

MEDIA_THREADS_ENV: Final = "STREAMCORE_MEDIA_THREADS"
"""``batch`` (or unset: the default) or ``normal`` (the scheduler's default class, untouched)."""

MEDIA_THREAD_NAMES: Final = frozenset({"video-decoder", "audio-decoder"})
"""The names of aiortc's decoder threads, one per receiver."""

MEDIA_THREAD_PREFIXES: Final = ("asyncio_", "uvloop_")
"""Name prefixes of the loop's default executor threads (asyncio's and uvloop's), where
aiortc encodes each outgoing video frame."""

SWEEP_INTERVAL: Final = 1.0
"""Seconds between two sweeps of the thread :func:`mark_media_threads_from_now` starts."""

_SCHED_BATCH: Final[int | None] = getattr(os, "SCHED_BATCH", None)


def batch_media_threads_from_env() -> bool:
    """Whether codec threads run as ``SCHED_BATCH``, from :data:`MEDIA_THREADS_ENV`. Raises
    ``ValueError`` naming the variable for anything but ``batch`` or ``normal``."""
    raw = os.environ.get(MEDIA_THREADS_ENV, "").strip().lower()
    if raw in ("", "batch"):
        return True
    if raw == "normal":
        return False
    raise ValueError(f"{MEDIA_THREADS_ENV}={raw!r}: give batch (the default) or normal")


def is_media_thread(thread: threading.Thread) -> bool:
    """Whether ``thread`` is a codec thread the loop hands frames to (by its name)."""
    return thread.name in MEDIA_THREAD_NAMES or thread.name.startswith(MEDIA_THREAD_PREFIXES)


class MediaThreads:
    """Marks the codec threads ``SCHED_BATCH``, each once (see the module docstring).

    ``enabled`` defaults to :func:`batch_media_threads_from_env`; marking is off where the
    OS has no ``SCHED_BATCH``.
    """

    def __init__(self, enabled: bool | None = None) -> None:
        wanted = batch_media_threads_from_env() if enabled is None else enabled
        supported = _SCHED_BATCH is not None and hasattr(os, "sched_setscheduler")
        self._policy: int | None = _SCHED_BATCH if wanted and supported else None
        self._marked: weakref.WeakSet[threading.Thread] = weakref.WeakSet()

    @property
    def enabled(self) -> bool:
        """Whether sweeps mark anything (wanted, and the OS has ``SCHED_BATCH``)."""
        return self._policy is not None

    def sweep(self) -> int:
        """Mark the live codec threads not marked yet; returns how many were marked now.
        A thread that ends meanwhile, or that the OS refuses, is skipped (logged at debug
        level)."""
        policy = self._policy
        if policy is None:
            return 0
        marked = 0
        for thread in threading.enumerate():
            native_id = thread.native_id
            if thread in self._marked or native_id is None or not is_media_thread(thread):
                continue
            try:
                os.sched_setscheduler(native_id, policy, os.sched_param(0))
            except OSError as exc:  # the thread just ended, or a sandbox forbids it
                log.debug("codec thread %r left as it was: %s", thread.name, exc)
            else:
                marked += 1
            self._marked.add(thread)
        return marked

    def keep_marked(self, interval: float = SWEEP_INTERVAL) -> None:
        """Sweep now and every ``interval`` seconds, for ever: the body of a daemon thread
        (a sweep lists the live threads and costs microseconds)."""
        while True:
            self.sweep()
            time.sleep(interval)


_lock = threading.Lock()
_sweeper: threading.Thread | None = None


def mark_media_threads_from_now() -> bool:
    """Start the process's sweeping thread, once (later calls find it running); returns
    whether codec threads are being marked. Raises ``ValueError`` naming
    :data:`MEDIA_THREADS_ENV` for a bad value."""
    global _sweeper
    media = MediaThreads()
    if not media.enabled:
        return False
    with _lock:
        if _sweeper is None:
            _sweeper = threading.Thread(
                target=media.keep_marked, name="streamcore-media-threads", daemon=True
            )
            _sweeper.start()
    return True
