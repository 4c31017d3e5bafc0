"""An upload's ``multipart/form-data`` body, read piece by piece within its limits (sans-I/O).

:class:`UploadForm` is fed the body as it arrives and gives back, for the parts named
``files``, what to store: :class:`FileStart`, :class:`FileData` and :class:`FileEnd` events.
Every other part is read past and dropped. It enforces the limits as it goes, so the
reader of the body can stop at the first byte too many:

- a file part over ``max_file_size`` raises :class:`~streamcore.errors.FileTooLargeError`
  naming the file (the parser of python-multipart does the parsing);
- the whole body over :attr:`UploadForm.budget` raises ``FileTooLargeError`` too: the
  budget is what the largest acceptable request takes, :data:`MAX_PARTS` parts of
  ``max_file_size`` each plus :data:`PART_OVERHEAD` bytes of boundary and headers each
  (no budget when there is no ``max_file_size``);
- more than :data:`MAX_PARTS` parts, a part's headers over :data:`MAX_PART_HEADER_BYTES`, a
  body that is not multipart, is malformed, ends early or has no ``files`` part raise
  :class:`~streamcore.errors.InvalidInputError` with a message saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from streamcore.errors import FileTooLargeError, InvalidInputError
from streamcore.media.sizes import file_too_large, format_size

__all__ = [
    "FILES_FIELD",
    "MAX_PARTS",
    "MAX_PART_HEADER_BYTES",
    "PART_OVERHEAD",
    "FileData",
    "FileEnd",
    "FileStart",
    "FormEvent",
    "UploadForm",
]

FILES_FIELD: Final = "files"
"""The name of the parts that carry files (Gradio's)."""
MAX_PARTS: Final = 100
"""The most parts (files and any other fields) one request may carry."""
MAX_PART_HEADER_BYTES: Final = 4 * 1024
"""The most bytes of header names and values one part may have."""
PART_OVERHEAD: Final = 8 * 1024
"""Bytes of the budget per part beyond its content: its boundary line and its headers."""


@dataclass(frozen=True)
class FileStart:
    """A ``files`` part begins; ``filename`` is the name the client gave (``file`` if none)."""

    filename: str


@dataclass(frozen=True)
class FileData:
    """The next bytes of the file begun last."""

    data: bytes


@dataclass(frozen=True)
class FileEnd:
    """The file begun last is complete."""


FormEvent: TypeAlias = "FileStart | FileData | FileEnd"


class UploadForm:
    """One request's body, read with :meth:`feed` and :meth:`close` (see the module
    docstring); ``content_type`` is the request's ``Content-Type`` header.

    Raises ``InvalidInputError`` at once when it is not ``multipart/form-data`` with a
    boundary. Not thread-safe: feed it from one thread at a time.
    """

    def __init__(self, content_type: str, max_file_size: int | None) -> None:
        kind, options = parse_options_header(content_type.encode("latin-1", "replace"))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise InvalidInputError(
                "an upload is a multipart/form-data body with its files in parts named "
                f"{FILES_FIELD!r}, not {content_type or 'a body with no Content-Type'!r:.100}"
            )
        self.max_file_size = max_file_size
        self.budget = None if max_file_size is None else MAX_PARTS * (max_file_size + PART_OVERHEAD)
        """The most bytes the body may take (``None``: no limit)."""
        self.files = 0
        """How many ``files`` parts have begun."""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )
        self._read = 0
        self._parts = 0
        self._ended = False
        self._events: list[FormEvent] = []
        self._header_bytes = 0
        self._field, self._value = bytearray(), bytearray()
        self._disposition: dict[bytes, bytes] = {}
        self._filename: str | None = None  # of the files part being read, else None
        self._size = 0

    def check_length(self, length: int) -> None:
        """Refuse, before reading it, a body announced as ``length`` bytes that cannot fit
        the budget: raises ``FileTooLargeError`` naming both."""
        if self.max_file_size is not None and self.budget is not None and length > self.budget:
            size = f"is {format_size(length)}"
            raise FileTooLargeError(_over_budget(size, self.budget, self.max_file_size))

    def feed(self, chunk: bytes) -> list[FormEvent]:
        """Read the next ``chunk`` of the body; the events for the files in it, in order.

        Raises as the module docstring says; after a raise the form is unusable.
        """
        self._read += len(chunk)
        if self.max_file_size is not None and self.budget is not None and self._read > self.budget:
            raise FileTooLargeError(_over_budget("is larger", self.budget, self.max_file_size))
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise InvalidInputError(f"the upload's multipart body is malformed: {exc}") from None
        events, self._events = self._events, []
        return events

    def close(self) -> None:
        """The body has ended: raises ``InvalidInputError`` if it ended before its closing
        boundary or had no ``files`` part."""
        if not self._ended:
            raise InvalidInputError("the upload's multipart body ended before its last boundary")
        if not self.files:
            raise InvalidInputError(f"the upload has no part named {FILES_FIELD!r}: no file in it")

    # -- the parser's callbacks ----------------------------------------------------------------

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise InvalidInputError(
                f"an upload may carry at most {MAX_PARTS} parts (files): send the rest "
                "in another request"
            )
        self._header_bytes = 0
        self._disposition = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._value += data[start:end]

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise InvalidInputError(
                f"a part of the upload has more than {MAX_PART_HEADER_BYTES} bytes of headers"
            )

    def _on_header_end(self) -> None:
        if bytes(self._field).strip().lower() == b"content-disposition":
            self._disposition = parse_options_header(bytes(self._value))[1]
        self._field, self._value = bytearray(), bytearray()

    def _on_headers_finished(self) -> None:
        if self._disposition.get(b"name") != FILES_FIELD.encode():
            self._filename = None
            return
        raw = self._disposition.get(b"filename", b"")
        self._filename = raw.decode("utf-8", "replace") or "file"
        self._size = 0
        self.files += 1
        self._events.append(FileStart(self._filename))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._filename is None:
            return
        self._size += end - start
        if self.max_file_size is not None and self._size > self.max_file_size:
            raise file_too_large(self._filename, self.max_file_size)
        self._events.append(FileData(data[start:end]))

    def _on_part_end(self) -> None:
        if self._filename is not None:
            self._events.append(FileEnd())
            self._filename = None

    def _on_end(self) -> None:
        self._ended = True


def _over_budget(size: str, budget: int, max_file_size: int) -> str:
    return (
        f"the upload's body {size}, over its budget of {format_size(budget)} "
        f"(at most {MAX_PARTS} files of the {format_size(max_file_size)} max_file_size)"
    )
