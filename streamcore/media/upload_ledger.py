"""Who owns each uploaded file, the upload byte quotas, and when an upload is deleted.

A client's uploads land in the content-addressed cache (:mod:`streamcore.media.files`); the
:class:`UploadLedger` remembers them so that they do not stay on disk for good:

* an upload is **owned** by the sessions that use it: the session that sent it (the
  WebSocket's ``upload`` message, or ``POST /gradio_api/upload?session_hash=...``) and any
  HTTP API session whose call names its path (:meth:`UploadLedger.claim`);
* an upload no session owns yet (``gradio_client`` uploads before it calls, without a
  session) is **pending** and is deleted when ``claim_window`` seconds pass unclaimed;
* when a session ends (:meth:`UploadLedger.release`), the uploads it alone owned are
  deleted.

Quotas, checked before a file is stored (:meth:`UploadLedger.admit`): the bytes one
uploader holds (its session, or for a pending upload the address it came from) and the
bytes of all uploads together. The same bytes uploaded twice are one file, counted once
in the total and once per owner.

Files the server writes to the cache while it runs a session's job (an input re-encoded, a
picture fetched, an output) are that session's too when the write created them
(:meth:`UploadLedger.record_written`), so they go when it ends; files that were there
before (an app's examples, stored at build) are never recorded.

Bookkeeping only: the methods return the files to delete and :func:`remove_uploads` deletes
them (blocking: run it in a worker thread). Thread-safe (one lock): the event loop and the
worker threads that store files call it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import UploadQuotaError
from .sizes import format_size

__all__ = ["DEFAULT_CLAIM_WINDOW", "UploadLedger", "remove_uploads"]

log = logging.getLogger("streamcore.media")

DEFAULT_CLAIM_WINDOW = 300.0
"""Seconds an upload no session owns is kept for a call to name it."""


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _locked(method: _Method) -> _Method:
    @functools.wraps(method)
    def under_lock(self: UploadLedger, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return under_lock  # type: ignore[return-value]


@dataclass
class _Upload:
    size: int
    uploader: str
    owners: set[str] = field(default_factory=set)


class UploadLedger:
    """The uploads of one server (see the module docstring).

    ``session_quota`` bounds the bytes one uploader holds, ``total_quota`` those of all
    uploads (``None``: no bound); ``clock`` gives seconds (injected in tests).
    """

    def __init__(
        self,
        *,
        session_quota: int | None = None,
        total_quota: int | None = None,
        claim_window: float = DEFAULT_CLAIM_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_quota = session_quota
        self.total_quota = total_quota
        self.claim_window = claim_window
        self._clock = clock
        self._lock = threading.RLock()
        self._uploads: dict[Path, _Upload] = {}
        self._pending: OrderedDict[Path, float] = OrderedDict()
        """Uploads no session owns, oldest first, with when they arrived."""
        self._held: dict[str, int] = {}
        """Bytes per uploader or owner."""
        self.total = 0
        """Bytes of every upload known."""

    @_locked
    def held_by(self, owner: str) -> int:
        """The bytes of the uploads ``owner`` holds (owns, or sent and nobody claimed yet)."""
        return self._held.get(owner, 0)

    @_locked
    def admit(self, uploader: str, size: int, name: str = "the upload") -> None:
        """Check that ``uploader`` may store ``size`` more bytes. Raises
        :class:`~streamcore.errors.UploadQuotaError` naming the quota it would pass."""
        if self.total_quota is not None and self.total + size > self.total_quota:
            # what the other sessions hold is theirs: the client reads only that it is full
            log.warning(
                "upload quota: %s (%d bytes) refused, the uploads hold %d of %d bytes",
                name[:120],
                size,
                self.total,
                self.total_quota,
            )
            raise UploadQuotaError(
                f"{name[:120]} ({format_size(size)}) does not fit: the server's room for "
                f"uploads is full (its quota is {format_size(self.total_quota)}); try again "
                "once other sessions have ended",
                server_wide=True,
            )
        held = self.held_by(uploader)
        if self.session_quota is not None and held + size > self.session_quota:
            raise UploadQuotaError(
                f"{name[:120]} ({format_size(size)}) does not fit: this session holds "
                f"{format_size(held)} of files, its quota is "
                f"{format_size(self.session_quota)}; its uploads are freed when it ends",
                server_wide=False,
            )

    @_locked
    def record(self, path: Path, size: int, uploader: str, *, owned: bool) -> list[Path]:
        """Remember the upload stored at ``path``: owned by ``uploader`` (a session) when
        ``owned``, else pending (``uploader`` is who sent it). Returns the pending uploads
        whose claim window has passed, to delete."""
        upload = self._uploads.get(path)
        if upload is None:
            upload = self._uploads[path] = _Upload(size, uploader)
            self.total += size
            if not owned:
                self._pending[path] = self._clock()
                self._add(uploader, size)
        if owned and uploader not in upload.owners:
            self._own(path, upload, uploader)
        return self.expired()

    @_locked
    def record_written(self, owner: str, path: Path, size: int, created: bool) -> None:
        """The server stored ``path`` while it ran ``owner``'s job: ``owner``'s when the
        write ``created`` it, or when it is already an upload or such a file (then shared);
        anything else in the cache (stored before, at build) is left alone."""
        upload = self._uploads.get(path)
        if upload is None and created:
            self._uploads[path] = upload = _Upload(size, owner)
            self.total += size
        if upload is not None and owner not in upload.owners:
            self._own(path, upload, owner)

    @_locked
    def claim(self, owner: str, paths: Iterable[str]) -> None:
        """``owner`` (a session) uses the uploads at ``paths``: it owns them until it ends.
        Paths that are not uploads are ignored."""
        for name in paths:
            path = Path(name)
            upload = self._uploads.get(path)
            if upload is not None and owner not in upload.owners:
                self._own(path, upload, owner)

    @_locked
    def release(self, owner: str) -> list[Path]:
        """``owner`` has ended: forget its ownership; returns the uploads nobody owns any
        more (to delete)."""
        freed: list[Path] = []
        for path, upload in list(self._uploads.items()):
            if owner in upload.owners:
                upload.owners.discard(owner)
                self._add(owner, -upload.size)
                if not upload.owners:
                    self._forget(path, upload)
                    freed.append(path)
        self._held.pop(owner, None)
        return freed

    @_locked
    def release_all(self) -> list[Path]:
        """Every session has ended (the server stops): forget every upload; returns them
        (to delete)."""
        freed = list(self._uploads)
        self._uploads.clear()
        self._pending.clear()
        self._held.clear()
        self.total = 0
        return freed

    @_locked
    def expired(self) -> list[Path]:
        """Forget the pending uploads older than ``claim_window``; returns them (to delete)."""
        deadline = self._clock() - self.claim_window
        freed: list[Path] = []
        while self._pending:
            path, arrived = next(iter(self._pending.items()))
            if arrived > deadline:
                break
            upload = self._uploads[path]
            self._pending.popitem(last=False)
            self._add(upload.uploader, -upload.size)
            self._forget(path, upload)
            freed.append(path)
        return freed

    def _own(self, path: Path, upload: _Upload, owner: str) -> None:
        if self._pending.pop(path, None) is not None:
            self._add(upload.uploader, -upload.size)
        upload.owners.add(owner)
        self._add(owner, upload.size)

    def _forget(self, path: Path, upload: _Upload) -> None:
        del self._uploads[path]
        self.total -= upload.size

    def _add(self, owner: str, size: int) -> None:
        held = self._held.get(owner, 0) + size
        if held > 0:
            self._held[owner] = held
        else:
            self._held.pop(owner, None)


def remove_uploads(paths: Iterable[Path]) -> None:
    """Delete the files at ``paths`` and their cache directories once empty; files already
    gone are skipped. Blocking: run it in a worker thread."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(OSError):  # not empty: other files share the bytes' folder
            path.parent.rmdir()
