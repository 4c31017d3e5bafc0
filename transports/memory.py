"""Giving freed video-frame memory back to the OS: glibc's malloc, tuned for a server.

Why. A WebRTC stream allocates frame-sized buffers (a 640x480 frame is 0.9 MB as RGB, 0.45
MB as YUV) in one thread and frees them in another: aiortc's decoder and encoder threads,
the fn's worker threads, the event loop. glibc gives each thread an arena and, after the
first such buffer is freed, raises its mmap threshold (the "dynamic threshold") to the
buffer's size, so later frame buffers come from the arenas, which keep freed memory for
reuse instead of returning it. The server's resident memory then grows by about 20 MB in a
stream's first seconds and stays there: no leak (Python's heap hardly moves), but memory
no other process gets (``benchmarks/RESULTS.md``, ``slow_handler``).

The policy (:class:`MallocPolicy`, read from :data:`MALLOC_ENV` by :func:`policy_from_env`)
is applied once per process by :func:`apply_policy`, which every server streamcore starts
calls before serving (``launch()``, ``serve()``, each worker of ``streamcore serve``):

* ``trim_interval`` (default 1 s): ``malloc_trim(0)`` every this many seconds in a thread of
  its own while WebRTC streams run, and once when the last one ends (:func:`media_stream`).
  A trim hands the free memory of every arena back to the OS; the loop never waits for it
  (ctypes releases the GIL for the call). Measured: no cost per frame.
* ``mmap_threshold`` (off by default): ``mallopt(M_MMAP_THRESHOLD, n)``. Every allocation
  of ``n`` bytes or more is its own ``mmap`` and goes back to the OS when freed; setting it
  also turns glibc's dynamic threshold off. It keeps the arenas small without any trim, but
  every frame-sized buffer then costs an ``mmap``, a ``munmap`` and a page fault per 4 KiB:
  measured, 35 % to 45 % more CPU a frame, and far more for fns that allocate large
  temporaries (numpy filters).
* ``arena_max`` (off by default): ``mallopt(M_ARENA_MAX, n)``, fewer arenas (measured: it
  kept more than either of the others).

Where the C library is not glibc (musl, macOS, Windows) or when :data:`MALLOC_ENV` is
``off``, nothing is done and :func:`apply_policy` returns ``False``. ``mallopt`` is
process-wide: the first server of a process applies the policy, later ones find it applied.
``docs/deployment.md`` ("Memory") has the measurements behind the defaults.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DEFAULT_POLICY",
    "MALLOC_ENV",
    "MallocPolicy",
    "apply_policy",
    "glibc",
    "media_stream",
    "policy_from_env",
    "trim",
    "trim_statistics",
]

log = logging.getLogger("streamcore.transports")

MALLOC_ENV: Final = "STREAMCORE_MALLOC"
"""``auto`` (or unset: :data:`DEFAULT_POLICY`), ``off``, or comma-separated settings that
replace the default's: ``trim_interval=5``, ``mmap_threshold=262144,trim_interval=0``
(``0`` turns one off)."""

_M_MMAP_THRESHOLD: Final = -3
_M_ARENA_MAX: Final = -8
_MAX_MMAP_THRESHOLD: Final = 32 * 1024 * 1024  # glibc's bound on 64-bit (HEAP_MAX_SIZE / 2)


@dataclass(frozen=True)
class MallocPolicy:
    """What :func:`apply_policy` sets; ``None`` leaves glibc's own behaviour."""

    mmap_threshold: int | None = None
    """Bytes from which an allocation is an ``mmap`` of its own (at most 32 MiB)."""
    arena_max: int | None = None
    """The most arenas glibc makes."""
    trim_interval: float | None = None
    """Seconds between two ``malloc_trim(0)`` while WebRTC streams run."""

    def __post_init__(self) -> None:
        if self.mmap_threshold is not None and not 0 < self.mmap_threshold <= _MAX_MMAP_THRESHOLD:
            raise ValueError(f"mmap_threshold must be 1 to {_MAX_MMAP_THRESHOLD} bytes")
        if self.arena_max is not None and self.arena_max < 1:
            raise ValueError("arena_max must be at least 1")
        if self.trim_interval is not None and self.trim_interval <= 0:
            raise ValueError("trim_interval must be a positive number of seconds")


DEFAULT_POLICY: Final = MallocPolicy(trim_interval=1.0)
OFF: Final = MallocPolicy()


def policy_from_env(value: str | None = None) -> MallocPolicy:
    """The policy :data:`MALLOC_ENV` (or ``value``) names. Raises ``ValueError`` saying
    what is accepted for anything else."""
    text = (os.environ.get(MALLOC_ENV, "auto") if value is None else value).strip().lower()
    if text in ("", "auto"):
        return DEFAULT_POLICY
    if text == "off":
        return OFF
    fields: dict[str, Any] = {
        "mmap_threshold": DEFAULT_POLICY.mmap_threshold,
        "arena_max": DEFAULT_POLICY.arena_max,
        "trim_interval": DEFAULT_POLICY.trim_interval,
    }
    try:
        for item in text.split(","):
            name, _, number = item.strip().partition("=")
            if name not in fields:
                raise ValueError(f"unknown setting {name!r}")
            parsed = float(number) if name == "trim_interval" else int(number)
            fields[name] = parsed or None
        return MallocPolicy(**fields)
    except ValueError as exc:
        raise ValueError(
            f"{MALLOC_ENV} must be auto, off or settings such as "
            f"'mmap_threshold=262144,arena_max=2,trim_interval=1', not {text!r} ({exc})"
        ) from None


def glibc() -> Any | None:
    """The process's C library when it is glibc (it has ``mallopt``, ``malloc_trim`` and
    ``gnu_get_libc_version``), else ``None``."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    if not all(hasattr(libc, name) for name in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


_applied: MallocPolicy | None = None
_taken = False
_lock = threading.Lock()


def apply_policy(policy: MallocPolicy | None = None) -> bool:
    """Apply ``policy`` (default: :func:`policy_from_env`) to this process's malloc, once:
    later calls do nothing and return what the first did. Returns whether glibc took it
    (``False`` without glibc, for ``off``, or when ``mallopt`` refused a setting: logged).
    Raises ``ValueError`` for a bad :data:`MALLOC_ENV`, before changing anything."""
    global _applied, _taken
    chosen = policy_from_env() if policy is None else policy
    with _lock:
        if _applied is not None:
            return _taken
        libc = glibc() if chosen != OFF else None
        if libc is None:
            _applied, _taken = OFF, False
            return False
        ok = True
        if chosen.mmap_threshold is not None:
            ok &= libc.mallopt(_M_MMAP_THRESHOLD, chosen.mmap_threshold) == 1
        if chosen.arena_max is not None:
            ok &= libc.mallopt(_M_ARENA_MAX, chosen.arena_max) == 1
        if not ok:
            log.warning("glibc's mallopt refused part of %s", chosen)
        _applied, _taken = chosen, ok
        return ok


def trim() -> int:
    """``malloc_trim(0)`` now, in the calling thread: every arena's free memory goes back to
    the OS. Returns the resident bytes it gave back (0 without glibc; read from
    ``/proc/self/statm`` around it, so other threads' work in between blurs it)."""
    libc = glibc()
    if libc is None:
        return 0
    before = _resident_bytes()
    libc.malloc_trim(0)
    returned = max(0, before - _resident_bytes())
    _trims.record(returned)
    return returned


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class _TrimCounts:
    trims: int = 0
    returned_bytes: int = 0

    def record(self, returned: int) -> None:
        self.trims += 1
        self.returned_bytes += returned


_trims = _TrimCounts()


def trim_statistics() -> tuple[int, int]:
    """``(trims, bytes given back)`` by :func:`trim` in this process so far."""
    return _trims.trims, _trims.returned_bytes


class _Trimmer:
    """Trims every ``interval`` seconds in a daemon thread while streams are open."""

    def __init__(self) -> None:
        self._open = 0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def opened(self, interval: float) -> None:
        with self._lock:
            self._open += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, args=(interval,), name="streamcore-malloc-trim", daemon=True
                )
                self._thread.start()

    def closed(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                self._wake.notify()

    def _run(self, interval: float) -> None:
        while True:
            with self._lock:
                if self._open > 0:
                    self._wake.wait(interval)
                last = self._open == 0
                if last:
                    self._thread = None
            trim()  # outside the lock: a stream opening meanwhile does not wait for it
            if last:
                return


_trimmer = _Trimmer()


@contextlib.contextmanager
def media_stream() -> Iterator[None]:
    """Around a WebRTC stream's life: with the policy's ``trim_interval``, trims run every
    interval while any such stream is open and once after the last closes; otherwise
    nothing. Cheap to enter (a lock); never blocks on a trim."""
    interval = _applied.trim_interval if _applied is not None else None
    if interval is None:
        yield
        return
    _trimmer.opened(interval)
    try:
        yield
    finally:
        _trimmer.closed()
