"""``gr.Progress``: a fn reports how far it has got.

A fn declares a parameter whose default is ``gr.Progress()`` (see :mod:`.special_args`) and
calls it: ``progress(0.5, desc="Halfway")``, ``progress((3, 10))`` (3 of 10 steps),
``for x in progress.tqdm(items, desc="Denoising"):``. Each report becomes Gradio's
``progress_data``: one ``{"index", "length", "unit", "progress", "desc"}`` per level, the
``tqdm`` loops running (outermost first) and then the last direct call, sent through the
running job's :class:`~streamcore.app.notices.JobNotices` (rate-limited there).
``Progress(track_tqdm=True)`` also reports the ``tqdm.tqdm`` loops the fn runs.

One ``Progress`` default serves every call of the fn: what a call tracks lives in its
job's notices, not in the instance. Outside a call the tracker does nothing
(``progress.tqdm(x)`` is ``iter(x)``).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .notices import JobNotices, current_notices

__all__ = ["Progress", "tracking_tqdm"]

_tqdm_tracker: ContextVar[Progress | None] = ContextVar("streamcore_tqdm_tracker", default=None)


@dataclass
class _Level:
    """One level of progress: a ``tqdm`` loop, or a direct call's report."""

    index: float | None
    length: float | None
    desc: str | None
    unit: str = "steps"
    progress: float | None = None
    owner: Any = None
    """The ``tqdm.tqdm`` object a tracked loop belongs to, if any."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "length": self.length,
            "unit": self.unit,
            "progress": self.progress,
            "desc": self.desc,
        }


class Progress:
    """A progress tracker for a fn's default argument (see the module docstring)."""

    def __init__(self, track_tqdm: bool = False) -> None:
        self.track_tqdm = track_tqdm
        if track_tqdm:
            _patch_tqdm()

    def __call__(
        self,
        progress: float | tuple[int, int | None] | None,
        desc: str | None = None,
        total: float | None = None,
        unit: str = "steps",
    ) -> float | tuple[int, int | None] | None:
        """Report ``progress``: a fraction in [0, 1], ``(done, total)`` steps (``total``
        ``None`` when unknown), or ``None`` (no figure, only ``desc``). Returns
        ``progress``."""
        notices = current_notices()
        if notices is not None:
            if isinstance(progress, tuple):
                level = _Level(progress[0], progress[1], desc, unit)
            else:
                level = _Level(None, total, desc, unit, progress=progress)
            _report(notices, [*notices.tracked, level])
        return progress

    def tqdm(
        self,
        iterable: Iterable[Any] | None,
        desc: str | None = None,
        total: float | None = None,
        unit: str = "steps",
    ) -> Iterator[Any]:
        """``iterable``'s items, reporting each step (``total`` when it has no
        ``len``)."""
        if iterable is None:
            return iter([])
        notices = current_notices()
        if notices is None:
            return iter(iterable)
        length = len(iterable) if hasattr(iterable, "__len__") else total  # type: ignore[arg-type]
        return _tracked(notices, iterable, _Level(0, length, desc, unit))

    def update(self, n: float = 1) -> None:
        """Advance the innermost ``tqdm`` loop by ``n`` steps."""
        notices = current_notices()
        if notices is not None and notices.tracked:
            level = notices.tracked[-1]
            level.index = (level.index or 0) + n
            _report(notices, notices.tracked)

    def __repr__(self) -> str:
        return f"Progress(track_tqdm={self.track_tqdm})"


def _report(notices: JobNotices, levels: list[_Level]) -> None:
    notices.progress([level.to_dict() for level in levels])


def _tracked(notices: JobNotices, iterable: Iterable[Any], level: _Level) -> Iterator[Any]:
    notices.tracked.append(level)
    try:
        for item in iterable:
            _report(notices, notices.tracked)
            yield item
            level.index = (level.index or 0) + 1
    finally:
        if level in notices.tracked:
            notices.tracked.remove(level)


@contextlib.contextmanager
def tracking_tqdm(progress: Progress | None) -> Iterator[None]:
    """In the body (and the worker threads it starts), ``tqdm.tqdm`` loops report to the
    running job when ``progress`` has ``track_tqdm``."""
    if progress is None or not progress.track_tqdm:
        yield
        return
    token = _tqdm_tracker.set(progress)
    try:
        yield
    finally:
        _tqdm_tracker.reset(token)


_PATCHED = False


def _patch_tqdm() -> None:
    """Make ``tqdm.tqdm`` report to the running job's tracker while one with ``track_tqdm``
    is current (Gradio patches it the same way, once, for the process). A no-op when tqdm
    is not installed."""
    global _PATCHED
    if _PATCHED:
        return
    try:
        tqdm = importlib.import_module("tqdm")
    except ImportError:
        return
    _PATCHED = True
    cls: Any = tqdm.tqdm
    original_init, original_iter = cls.__init__, cls.__iter__
    original_update, original_close = cls.update, cls.close

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        notices = current_notices() if _tqdm_tracker.get() is not None else None
        self._streamcore_level = None
        if notices is not None:
            level = _Level(0, self.total, self.desc or None, self.unit, owner=self)
            self._streamcore_level = (notices, level)
            notices.tracked.append(level)
            _report(notices, notices.tracked)

    def __iter__(self: Any) -> Iterator[Any]:
        tracked = getattr(self, "_streamcore_level", None)
        if tracked is None:
            yield from original_iter(self)
            return
        notices, level = tracked
        for item in original_iter(self):
            _report(notices, notices.tracked)
            yield item
            level.index = (level.index or 0) + 1

    def update(self: Any, n: float | None = 1) -> Any:
        tracked = getattr(self, "_streamcore_level", None)
        if tracked is not None:
            notices, level = tracked
            level.index = (level.index or 0) + (n or 0)
            _report(notices, notices.tracked)
        return original_update(self, n)

    def close(self: Any) -> Any:
        tracked = getattr(self, "_streamcore_level", None)
        if tracked is not None:
            notices, level = tracked
            self._streamcore_level = None
            if level in notices.tracked:
                notices.tracked.remove(level)
        return original_close(self)

    cls.__init__, cls.__iter__, cls.update, cls.close = __init__, __iter__, update, close
