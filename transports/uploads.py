"""``POST /gradio_api/upload``: files into the content-addressed cache, Gradio's route.

The body is ``multipart/form-data`` with one or more parts named ``files``; the answer is
the JSON list of the paths where they were stored, in the order sent. They land in the
same cache as the WebSocket's uploads (the same bytes give the same path), so they are
served at ``/file=<path>`` and taken as inputs.

The body is read as it arrives (:class:`~transports.multipart.UploadForm`), each file into
an anonymous temporary file in the cache directory (it has no name, so nothing is left
behind whatever happens), and only a request read in full and within its limits is stored
(:func:`~streamcore.media.files.save_stream_to_cache`): a refused request leaves nothing.
Parsing, writing and hashing run in worker threads, one call per piece of the body.

Each stored file is recorded in the server's
:class:`~streamcore.media.upload_ledger.UploadLedger`: owned by the session that
``?session_hash=`` names, else pending until a call names it; it is deleted when its
sessions end (``docs/protocol.md``, "Upload quotas and lifetime").

Refusals are JSON ``{"detail": "..."}`` and close the connection (the rest of the body is
not read): ``413`` for a file over ``max_file_size``, a body over its budget (announced
by ``Content-Length``: refused before reading; streamed: as soon as it passes) or files
past the session's upload quota, ``507`` past the server's upload quota, ``400`` for a
body that is not multipart, is malformed, has no ``files`` part or too many parts.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import BinaryIO, Final

import anyio
import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from streamcore.errors import FileTooLargeError, InvalidInputError, UploadQuotaError
from streamcore.media.files import FileAccess, save_stream_to_cache
from streamcore.media.upload_ledger import UploadLedger, remove_uploads

from .multipart import FileData, FileEnd, FileStart, FormEvent, UploadForm

__all__ = ["UPLOAD_PATH", "upload_route"]

UPLOAD_PATH: Final = "/gradio_api/upload"


def upload_route(
    files: FileAccess, max_file_size: int | None, ledger: UploadLedger | None = None
) -> Route:
    """The ``POST`` route at :data:`UPLOAD_PATH` (see the module docstring); files are stored
    in ``files.cache_dir``, each at most ``max_file_size`` bytes (``None``: no limit), and
    recorded in ``ledger`` (its quotas apply) when one is given."""
    ledger = UploadLedger() if ledger is None else ledger

    async def upload(request: Request) -> Response:
        session_hash = request.query_params.get("session_hash", "")
        uploader = session_hash or f"address:{request.client.host if request.client else ''}"
        try:
            stored = await _receive_files(request, files, max_file_size, ledger, uploader)
        except FileTooLargeError as exc:
            return _refusal(413, str(exc))
        except UploadQuotaError as exc:
            return _refusal(507 if exc.server_wide else 413, str(exc))
        except InvalidInputError as exc:
            return _refusal(400, str(exc))
        except ClientDisconnect:
            return _refusal(400, "the client went away before the end of the upload")
        expired: list[Path] = []
        for path, size in stored:
            expired += ledger.record(path, size, uploader, owned=bool(session_hash))
        if expired:
            await anyio.to_thread.run_sync(remove_uploads, expired)
        return JSONResponse([str(path) for path, _ in stored])

    return Route(UPLOAD_PATH, upload, methods=["POST"])


def _refusal(status: int, detail: str) -> Response:
    return JSONResponse({"detail": detail}, status, headers={"Connection": "close"})


async def _receive_files(
    request: Request,
    policy: FileAccess,
    max_file_size: int | None,
    ledger: UploadLedger,
    uploader: str,
) -> list[tuple[Path, int]]:
    """Read the request's files within their limits and store them; their paths and sizes.
    Raises the form's refusals, ``uploader``'s quota refusal (and ``ClientDisconnect``)
    with nothing stored."""
    form = UploadForm(request.headers.get("content-type", ""), max_file_size)
    length = request.headers.get("content-length", "")
    if length.isdigit():
        form.check_length(int(length))
    spooled = _SpooledFiles(policy)
    try:
        async for chunk in request.stream():
            if chunk:
                await anyio.to_thread.run_sync(spooled.take, form, chunk)
        form.close()
        ledger.admit(uploader, spooled.size, spooled.names())
        return await anyio.to_thread.run_sync(spooled.store)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(spooled.close)


class _SpooledFiles:
    """The files of one request, each in an anonymous temporary file, until stored.

    Blocking: every method runs in a worker thread, one at a time.
    """

    def __init__(self, policy: FileAccess) -> None:
        self._policy = policy
        self._files: list[tuple[str, BinaryIO]] = []
        self._open = contextlib.ExitStack()
        self.size = 0
        """Bytes of every file so far."""

    def names(self) -> str:
        """The files' names, for messages."""
        return ", ".join(name for name, _ in self._files) or "the upload"

    def take(self, form: UploadForm, chunk: bytes) -> None:
        """Feed ``chunk`` to ``form`` and write the files' bytes it gives."""
        for event in form.feed(chunk):
            self._apply(event)

    def _apply(self, event: FormEvent) -> None:
        if isinstance(event, FileStart):
            self._policy.cache_dir.mkdir(parents=True, exist_ok=True)
            file = tempfile.TemporaryFile(dir=self._policy.cache_dir)  # noqa: SIM115 - see close
            self._files.append((event.filename, self._open.enter_context(file)))
        elif isinstance(event, FileData):
            self._files[-1][1].write(event.data)
            self.size += len(event.data)
        elif isinstance(event, FileEnd):
            self._files[-1][1].seek(0)

    def store(self) -> list[tuple[Path, int]]:
        """Store every file in the cache; their paths and sizes, in order."""
        stored = []
        for name, spool in self._files:
            size = spool.seek(0, io.SEEK_END)
            spool.seek(0)
            stored.append((save_stream_to_cache(spool, name, self._policy), size))
        return stored

    def close(self) -> None:
        """Drop the temporary files (stored or not)."""
        self._files.clear()
        self._open.close()
