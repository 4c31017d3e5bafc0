"""Which files and URLs an app may read, and the content-addressed file cache.

A :class:`FileAccess` policy says where files may be read from, where cached files are
written and how large images and downloads may be. The policy in force is the value of
the context variable :data:`current_file_access`; the Blocks layer sets it for the code
it runs, tests and scripts use :func:`use_file_access`.

Cached files live at ``<cache_dir>/<sha256(seed + bytes)>/<name>``: identical bytes land in
the same directory (so repeated frames map to one file and one URL), while the per-cache
random ``seed`` keeps the names unguessable from the content alone. The seed is kept beside
the cache, in the hidden file ``.<cache_dir name>.hash_seed`` of its parent (readable by its
owner only), so the cache folder holds nothing but the cached files.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Final

from ..errors import MissingFileError, PathNotAllowedError
from .encoding import DEFAULT_MAX_PIXELS

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_MAX_URL_BYTES",
    "CacheWrite",
    "FileAccess",
    "cache_writes_told_to",
    "check_readable",
    "current_file_access",
    "default_file_access",
    "readable_returned_file",
    "save_bytes_to_cache",
    "save_stream_to_cache",
    "seed_file",
    "serve_returned_file",
    "use_file_access",
]

CACHE_DIR_ENV: Final = "STREAMCORE_CACHE_DIR"
"""Environment variable naming the default cache directory."""

DEFAULT_MAX_URL_BYTES: Final = 50 * 1024 * 1024
"""Largest body :func:`~streamcore.media.url_fetch.fetch_url` accepts by default (50 MiB)."""

log = logging.getLogger("streamcore.media")

_SEED_SUFFIX: Final = ".hash_seed"
_CHUNK: Final = 64 * 1024
_MAX_NAME_CHARS: Final = 200


def _as_paths(paths: object) -> tuple[Path, ...]:
    if isinstance(paths, (str, os.PathLike)):
        paths = (paths,)
    if not isinstance(paths, (list, tuple, set, frozenset)):
        raise TypeError(f"expected a sequence of paths, got {type(paths).__name__}")
    return tuple(Path(p).resolve() for p in paths)


@dataclass(frozen=True)
class FileAccess:
    """A file access policy; every path is stored absolute with symlinks resolved.

    ``cache_dir`` is where processed images are written, and is always readable.
    ``allowed_paths`` are the other directories (or single files) that may be read;
    ``blocked_paths`` win over them. ``max_pixels`` bounds every image decoded,
    ``url_timeout`` (seconds) and ``max_url_bytes`` bound every download, ``max_file_size``
    (bytes, ``None`` for no limit) every file a client uploads. ``allow_private_urls`` lets
    downloads reach loopback, private, link-local and other non-public addresses, which
    are refused by default (:mod:`streamcore.media.url_fetch`).

    ``copied_roots`` are directories whose files an app's fn may *return* although they
    are not served: such a file is copied into the cache and served from there
    (:func:`serve_returned_file`; a running server sets the working directory and the
    system temp folder, Gradio's rule). They never make a path a client names readable.
    """

    cache_dir: Path
    allowed_paths: tuple[Path, ...] = ()
    blocked_paths: tuple[Path, ...] = ()
    max_pixels: int = DEFAULT_MAX_PIXELS
    url_timeout: float = 10
    max_url_bytes: int = DEFAULT_MAX_URL_BYTES
    max_file_size: int | None = None
    allow_private_urls: bool = False
    copied_roots: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).resolve())
        object.__setattr__(self, "allowed_paths", _as_paths(self.allowed_paths))
        object.__setattr__(self, "copied_roots", _as_paths(self.copied_roots))
        object.__setattr__(self, "blocked_paths", _as_paths(self.blocked_paths))
        if self.max_pixels <= 0 or self.max_url_bytes <= 0 or self.url_timeout <= 0:
            raise ValueError("max_pixels, max_url_bytes and url_timeout must be positive")
        if self.max_file_size is not None and self.max_file_size <= 0:
            raise ValueError("max_file_size must be positive (None: no limit)")

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The cache directory followed by ``allowed_paths``."""
        return (self.cache_dir, *self.allowed_paths)


def default_file_access() -> FileAccess:
    """The policy used when none is set: the cache in ``$STREAMCORE_CACHE_DIR`` (default
    ``<system temp dir>/streamcore``), reading allowed from it and the working directory,
    and the files an app gives from the working directory or the system temp folder
    (an initial value at build, a fn's result) copied into the cache (``copied_roots``)."""
    temp = tempfile.gettempdir()
    cache = os.environ.get(CACHE_DIR_ENV) or os.path.join(temp, "streamcore")
    return FileAccess(
        cache_dir=Path(cache), allowed_paths=(Path.cwd(),), copied_roots=(Path.cwd(), Path(temp))
    )


_DEFAULT_POLICY: Final = default_file_access()  # built once, at import

current_file_access: contextvars.ContextVar[FileAccess] = contextvars.ContextVar(
    "current_file_access", default=_DEFAULT_POLICY
)
"""The policy in force for the running code (see :func:`use_file_access`)."""


@contextlib.contextmanager
def use_file_access(policy: FileAccess) -> Iterator[FileAccess]:
    """Make ``policy`` the current policy inside the ``with`` block (context-local, so
    other tasks and threads keep theirs); the previous one is restored on exit."""
    token = current_file_access.set(policy)
    try:
        yield policy
    finally:
        current_file_access.reset(token)


# -- reading local files ----------------------------------------------------------------


def check_readable(
    path: str | os.PathLike[str],
    policy: FileAccess,
    *,
    named_by_client: bool = False,
    name: str | None = None,
) -> Path:
    """Return ``path`` absolute with symlinks resolved, if ``policy`` allows reading it.

    A path is readable when it lies inside the cache directory or one of
    ``allowed_paths``, not inside any of ``blocked_paths``, and has no hidden part (a
    name starting with ``.``, such as ``.env`` or ``.git/``) below the allowed directory.
    Raises :class:`PathNotAllowedError` otherwise, then :class:`MissingFileError` (a
    ``FileNotFoundError``) if it does not exist (the policy is checked first, so refusals
    reveal nothing about existence).

    The messages name the file by ``name`` (the name a client knows it by) or else the base
    name of ``path``: they reach clients, who must learn neither the server's directories
    nor its roots. ``named_by_client`` words them for a
    client that named the file in a value (``upload it first``); otherwise they speak of a
    file the app gave. The full path and the reason go to the server's log.
    """
    name = PurePath(name or os.fspath(path)).name[-80:] or os.fspath(path)[-60:]
    resolved = Path(path).resolve()
    reason = None
    for blocked in policy.blocked_paths:
        if resolved.is_relative_to(blocked):
            reason = f"it is inside {blocked}, one of the blocked_paths"
    if reason is None and not any(
        _is_visible_inside(resolved, root) for root in policy.readable_roots
    ):
        roots = ", ".join(str(root) for root in policy.readable_roots)
        reason = f"it is not inside the readable directories ({roots}) or it is a hidden file"
    if reason is not None:
        log.warning("refused to read %s: %s", resolved, reason)
        if named_by_client:
            raise PathNotAllowedError(
                f"the file {name!r} is not one this server gave or received; upload it first"
            )
        raise PathNotAllowedError(
            f"the file {name!r} is not one the app may serve (its cache and allowed_paths "
            "are; the server's log names it)"
        )
    if not resolved.is_file():
        log.info("no file at %s", resolved)
        if named_by_client:
            raise MissingFileError(
                f"the file {name!r} is not on this server (any more): upload it again"
            )
        raise MissingFileError(f"the file {name!r} the app gave does not exist")
    return resolved


def serve_returned_file(path: str | os.PathLike[str], policy: FileAccess) -> Path:
    """The file a fn returned (``path``), as a file the server serves: a file of the cache
    as it is; a file inside one of ``policy.copied_roots`` (and not in the cache) copied
    into the cache under its own name (the copy is recorded like every cache write, so a
    session's copies are deleted with it); anything else checked by
    :func:`check_readable` (``allowed_paths`` are served where they are).

    Blocked paths and hidden files are refused in the copied roots too. Raises what
    :func:`check_readable` raises, and ``OSError`` if the cache is not writable.
    Blocking (it may copy a large file): run it where the fn's outputs are processed.
    """
    resolved = Path(path).resolve()
    copied = policy.copied_roots
    if not resolved.is_relative_to(policy.cache_dir) and any(
        _is_visible_inside(resolved, root) for root in copied
    ):
        source = check_readable(path, dataclasses.replace(policy, allowed_paths=copied))
        with source.open("rb") as file:
            return save_stream_to_cache(file, source.name, policy)
    return check_readable(path, policy)


def readable_returned_file(path: str | os.PathLike[str], policy: FileAccess) -> Path:
    """:func:`check_readable` for a file a fn returned that the server only reads (to
    send its bytes inline): ``policy.copied_roots`` are readable too."""
    if not policy.copied_roots:
        return check_readable(path, policy)
    extended = (*policy.allowed_paths, *policy.copied_roots)
    return check_readable(path, dataclasses.replace(policy, allowed_paths=extended))


def _is_visible_inside(path: Path, root: Path) -> bool:
    if not path.is_relative_to(root):
        return False
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


# -- the content-addressed cache --------------------------------------------------------


CacheWrite = Callable[[Path, int, bool], None]
"""Told of each file stored in the cache: its path, its size, whether this call created it
(``False``: the same bytes under that name were there already)."""

_cache_writes: contextvars.ContextVar[CacheWrite | None] = contextvars.ContextVar(
    "streamcore_cache_writes", default=None
)


@contextlib.contextmanager
def cache_writes_told_to(record: CacheWrite) -> Iterator[None]:
    """For the body of the ``with`` (and the worker threads it starts, which copy the
    context), every :func:`save_bytes_to_cache` and :func:`save_stream_to_cache` calls
    ``record`` (from the thread that stored the file)."""
    token = _cache_writes.set(record)
    try:
        yield
    finally:
        _cache_writes.reset(token)


def _tell(target: Path, size: int, created: bool) -> None:
    record = _cache_writes.get()
    if record is not None:
        record(target, size, created)


def save_bytes_to_cache(data: bytes, name: str, policy: FileAccess) -> Path:
    """Store ``data`` as ``<cache_dir>/<hash>/<name>`` and return that absolute path.

    ``hash`` is the sha256 of the cache's seed followed by ``data``, so the same bytes
    always give the same path (an existing file is not rewritten). ``name`` is reduced
    to a plain file name (no directories, no leading dots). The file appears atomically:
    readers never see a partly written one. Raises ``OSError`` if the cache is not writable.
    """
    digest = hashlib.sha256(_cache_seed(policy) + data).hexdigest()
    target = policy.cache_dir / digest / _safe_name(name)
    created = not target.is_file()
    if created:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, data)
    _tell(target, len(data), created)
    return target


def save_stream_to_cache(source: BinaryIO, name: str, policy: FileAccess) -> Path:
    """Store what is left to read of ``source`` as ``<cache_dir>/<hash>/<name>`` and return
    that absolute path: :func:`save_bytes_to_cache` for a file too large to hold in memory.

    The bytes are copied in chunks to a hidden temporary file in the cache directory while
    they are hashed (the same hash as :func:`save_bytes_to_cache`, so the same bytes give
    the same path either way), then moved into place atomically; an existing file is kept.
    The temporary file is removed whatever happens. Blocking: call it from a worker thread.
    Raises ``OSError`` if the cache is not writable, and what reading ``source`` raises.
    """
    digest = hashlib.sha256(_cache_seed(policy))
    fd, temp = tempfile.mkstemp(dir=policy.cache_dir, prefix=".partial-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as file:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                file.write(chunk)
                size += len(chunk)
        target = policy.cache_dir / digest.hexdigest() / _safe_name(name)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            _tell(target, size, True)
            return target
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    os.unlink(temp)  # the same bytes were there already
    _tell(target, size, False)
    return target


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").lstrip(".")
    if len(base) > _MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        keep = _MAX_NAME_CHARS - len(suffix) - 1
        base = f"{stem[:keep]}.{suffix}" if dot and keep > 0 else base[:_MAX_NAME_CHARS]
    return base or "file"


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


_seeds: dict[Path, bytes] = {}
_seeds_lock = threading.Lock()


def _cache_seed(policy: FileAccess) -> bytes:
    seed = _seeds.get(policy.cache_dir)
    if seed is None:
        with _seeds_lock:
            seed = _seeds.get(policy.cache_dir) or _load_or_create_seed(policy.cache_dir)
            _seeds[policy.cache_dir] = seed
    return seed


def seed_file(cache_dir: Path) -> Path:
    """Where the hash seed of ``cache_dir`` is kept: a hidden file beside it (hidden, so
    :func:`check_readable` never serves it even when its folder is allowed)."""
    return cache_dir.parent / f".{cache_dir.name}{_SEED_SUFFIX}"


def _load_or_create_seed(cache_dir: Path) -> bytes:
    """Read the seed file, creating it first if needed; safe against concurrent creators
    in other processes (the file is linked into place complete, and the first link wins)."""
    seed_path = seed_file(cache_dir)
    if not seed_path.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=seed_path.parent, prefix=f".{cache_dir.name}.partial-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(uuid.uuid4().hex)
            with contextlib.suppress(FileExistsError):
                os.link(temp, seed_path)
        finally:
            os.unlink(temp)
    return seed_path.read_bytes().strip()
