"""Where and when a call's inputs are preprocessed (decoded), relative to its slot.

Preprocessing turns small client payloads (an uploaded file's path, a ``data:`` URL) into
what the fn takes (a decoded array, a PIL image, a file): work and memory that scale with
the pixels, not with the bytes sent. So it belongs to the job's concurrency slot: a queued
job keeps its client-side values (paths, bytes) and is preprocessed when it holds its slot,
in a worker thread of the app's limiter (:meth:`InputPreprocessor.in_slot`).

Two things must look at the values before any slot: an event's ``validator`` (Gradio runs
it before the queue) and a stream's ``inputs`` update that arrives while it still waits
(its refusal is answered at once). They run in a small app-wide pool of their own
(:meth:`InputPreprocessor.before_slot`, ``prequeue_threads`` threads), so that however many
clients send such values, at most that many decodes run outside the concurrency limits; the
caller drops the values afterwards and the job preprocesses them again in its slot.

Either way the work runs in a worker thread that checks, before each input, whether its
caller was cancelled (a ``cancel``, a disconnect): a cancelled job's remaining inputs are
not decoded, and a job cancelled before its turn in the pool never starts. The per-image
work is bounded by the file access policy's ``max_pixels`` (an animation's frames count
together where they are all re-encoded, see :mod:`streamcore.components.image`).
"""

from __future__ import annotations

from typing import Any, Final

import anyio
import anyio.from_thread
import anyio.to_thread

from ..events import Dependency
from ..media.files import FileAccess, use_file_access
from .event_values import SessionValues

__all__ = ["DEFAULT_PREQUEUE_THREADS", "InputPreprocessor"]

DEFAULT_PREQUEUE_THREADS: Final = 2
"""Preprocessing runs outside any slot (validators, early ``inputs`` checks) at most this
many at once, app-wide."""


class InputPreprocessor:
    """Runs :meth:`SessionValues.preprocess` off the loop, under ``access`` (the policy
    for the paths a client names), in or before a job's slot (see the module docstring)."""

    def __init__(
        self,
        limiter: anyio.CapacityLimiter,
        access: FileAccess,
        prequeue_threads: int = DEFAULT_PREQUEUE_THREADS,
    ) -> None:
        if prequeue_threads < 1:
            raise ValueError(f"prequeue_threads must be at least 1, got {prequeue_threads}")
        self.limiter = limiter
        self.prequeue = anyio.CapacityLimiter(prequeue_threads)
        self.access = access

    async def in_slot(
        self,
        values: SessionValues,
        dependency: Dependency,
        data: list[Any],
        skip: int | None = None,
    ) -> list[Any]:
        """``data`` preprocessed for a job that holds its slot (or runs outside the queue),
        in a thread of the app's limiter. Raises what the components raise, and the
        cancellation of a cancelled caller."""
        return await self._run(values, dependency, data, skip, self.limiter)

    async def before_slot(
        self,
        values: SessionValues,
        dependency: Dependency,
        data: list[Any],
        skip: int | None = None,
    ) -> list[Any]:
        """``data`` preprocessed before any slot (a validator's or an early refusal's
        look), in the app-wide pre-queue pool. The caller must not keep the result in a
        queued job. Raises as :meth:`in_slot`."""
        async with self.prequeue:  # waits here, not holding one of the app's threads
            return await self._run(values, dependency, data, skip, self.limiter)

    async def _run(
        self,
        values: SessionValues,
        dependency: Dependency,
        data: list[Any],
        skip: int | None,
        limiter: anyio.CapacityLimiter,
    ) -> list[Any]:
        def work() -> list[Any]:
            with use_file_access(self.access):
                return values.preprocess(dependency, data, skip, anyio.from_thread.check_cancelled)

        return await anyio.to_thread.run_sync(work, limiter=limiter)
