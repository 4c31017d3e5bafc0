"""What the file-valued components share (``File``, ``UploadButton``, ``Video``, ``Audio``,
``Gallery``, ``ImageSlider``, ``AnnotatedImage``): Gradio's ``FileData`` on the wire, its
JSON schema, and the two directions of a file.

- A file a **client** names (:func:`client_file`) must be one the server gave or received
  (the cache and ``allowed_paths`` of the input policy; :func:`check_readable` with
  ``named_by_client``); an http(s) URL (``gradio_client.handle_file("https://...")``) is
  downloaded into the cache under the SSRF rules of :mod:`streamcore.media.url_fetch`.
- A file a **fn** returns (:func:`fn_file`) is served from the cache: one in the working
  folder or the temp folder is copied there first (:func:`serve_returned_file`), as in
  Gradio; a URL is passed on as a URL.

Every file stored here goes through the cache functions, so the session that caused it
owns it (:mod:`streamcore.media.upload_ledger`).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import urlsplit

from ..errors import InvalidInputError
from ..media.files import (
    check_readable,
    current_file_access,
    save_bytes_to_cache,
    serve_returned_file,
)
from ..media.image_data import FILE_DATA_META, ImageData
from ..media.url_fetch import fetch_url, is_http_url
from ._common import describe

__all__ = [
    "FILE_COUNTS",
    "check_file_count",
    "check_file_types",
    "client_file",
    "file_data",
    "file_data_schema",
    "file_meta_schema",
    "fn_file",
    "image_data_schema",
    "list_files_schema",
    "mime_type_of",
    "url_file_data",
]

FILE_COUNTS: Final = ("single", "multiple", "directory")
"""The ``file_count`` values ``File`` and ``UploadButton`` accept."""

_TEXT_OR_NULL: Final = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def _file_properties() -> dict[str, Any]:
    return {
        "path": {"title": "Path", "type": "string"},
        "url": {**_TEXT_OR_NULL, "title": "Url"},
        "size": {
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "default": None,
            "title": "Size",
        },
        "orig_name": {**_TEXT_OR_NULL, "title": "Orig Name"},
        "mime_type": {**_TEXT_OR_NULL, "title": "Mime Type"},
        "is_stream": {"default": False, "title": "Is Stream", "type": "boolean"},
        "meta": {"$ref": "#/$defs/FileDataMeta"},
    }


def file_meta_schema() -> dict[str, Any]:
    return {
        "properties": {"_type": {"const": FILE_DATA_META, "title": "Type", "type": "string"}},
        "required": ["_type"],
        "title": "FileDataMeta",
        "type": "object",
    }


def _file_data_def(title: str = "FileData", *, path_required: bool = True) -> dict[str, Any]:
    properties = _file_properties()
    if not path_required:
        properties["path"] = {**_TEXT_OR_NULL, "title": "Path"}
    return {
        "properties": properties,
        "required": ["path"] if path_required else [],
        "title": title,
        "type": "object",
    }


def file_data_schema() -> dict[str, Any]:
    """Gradio 6's JSON schema of one ``FileData`` (``File``, ``Video``, ``Audio``)."""
    return {**_file_data_def(), "$defs": {"FileDataMeta": file_meta_schema()}}


def image_data_schema() -> dict[str, Any]:
    """The ``ImageData`` definition (a ``FileData`` whose ``path`` may be null), for the
    ``$defs`` of the image collections."""
    return _file_data_def("ImageData", path_required=False)


def list_files_schema() -> dict[str, Any]:
    """Gradio 6's JSON schema of a list of ``FileData`` (``file_count`` other than single)."""
    return {
        "$defs": {"FileData": _file_data_def(), "FileDataMeta": file_meta_schema()},
        "items": {"$ref": "#/$defs/FileData"},
        "title": "ListFiles",
        "type": "array",
    }


def mime_type_of(name: str) -> str | None:
    """The MIME type a file name suggests (``None`` if it suggests none)."""
    return mimetypes.guess_type(PurePosixPath(name).name)[0]


def file_data(
    path: Path, *, orig_name: str | None = None, mime_type: str | None = None
) -> dict[str, Any]:
    """The wire dict of a file the server holds at ``path``."""
    name = orig_name or path.name
    return {
        "path": str(path),
        "url": None,
        "size": path.stat().st_size,
        "orig_name": name,
        "mime_type": mime_type or mime_type_of(name),
        "is_stream": False,
        "meta": {"_type": FILE_DATA_META},
    }


def url_file_data(url: str) -> dict[str, Any]:
    """The wire dict of a file a fn gave as an http(s) URL: passed on as a URL."""
    name = PurePosixPath(urlsplit(url).path).name or None
    return {
        "path": url,
        "url": url,
        "size": None,
        "orig_name": name,
        "mime_type": mime_type_of(name) if name else None,
        "is_stream": False,
        "meta": {"_type": FILE_DATA_META},
    }


def fn_file(kind: str, value: object) -> dict[str, Any]:
    """The wire dict of a path or URL a fn returned for a ``kind`` component.

    A local file is served from the cache (:func:`serve_returned_file`: copied there from
    the working or temp folder); an http(s) URL is passed on. Raises ``ValueError`` naming
    ``kind`` for another type, and what :func:`serve_returned_file` raises
    (:class:`PathNotAllowedError`, :class:`MissingFileError`).
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ValueError(
            f"{kind} expects a file path or URL from the function, got {describe(value)}."
        )
    if is_http_url(value):
        return url_file_data(value)
    return file_data(serve_returned_file(value, current_file_access.get()))


def client_file(kind: str, payload: object) -> tuple[Path, str]:
    """The file a client's ``FileData`` payload names, and the name to show it by.

    ``path`` must be a file the server gave or received; an http(s) URL in ``path`` or
    ``url`` is downloaded into the cache. Raises :class:`InvalidInputError` starting with
    ``kind`` for a payload that is not a FileData dict, :class:`PathNotAllowedError` /
    :class:`MissingFileError` for a path that may not be read or is gone, and
    :class:`~streamcore.errors.FetchError` for a URL that cannot be fetched.
    """
    if isinstance(payload, ImageData):
        payload = payload.to_dict()
    if not isinstance(payload, dict):
        raise InvalidInputError(
            f"{kind}: expected a file (a dict with a 'path', Gradio's FileData), "
            f"got {describe(payload)}."
        )
    path, url, orig_name = payload.get("path"), payload.get("url"), payload.get("orig_name")
    if orig_name is not None and not isinstance(orig_name, str):
        raise InvalidInputError(f"{kind}: the file's 'orig_name' must be a string or null.")
    remote = next((u for u in (path, url) if isinstance(u, str) and is_http_url(u)), None)
    policy = current_file_access.get()
    if remote is not None:
        name = orig_name or PurePosixPath(urlsplit(remote).path).name or "file"
        return save_bytes_to_cache(fetch_url(remote, policy), name, policy), name
    if not isinstance(path, str) or not path:
        raise InvalidInputError(
            f"{kind}: the file's 'path' must be a string naming an uploaded file, "
            f"got {describe(path)}."
        )
    found = check_readable(path, policy, named_by_client=True, name=orig_name)
    return found, orig_name or found.name


def check_file_count(kind: str, file_count: str) -> str:
    if file_count not in FILE_COUNTS:
        raise ValueError(f"{kind}: parameter file_count must be one of {list(FILE_COUNTS)}")
    return file_count


def check_file_types(kind: str, file_types: list[str] | None, name: str) -> None:
    """Raise :class:`InvalidInputError` (Gradio's wording, after ``kind``) if ``name`` is
    not one of ``file_types``: suffixes (``".pdf"``), or the kinds ``"image"``,
    ``"audio"``, ``"video"``, ``"text"`` (by MIME type), or ``"file"`` (anything)."""
    if not file_types:
        return
    suffix = PurePosixPath(name).suffix.lstrip(".").lower()
    mime = mime_type_of(name) or ""
    for wanted in file_types:
        if wanted == "file":
            return
        if wanted.startswith("."):
            if wanted[1:].lower() == suffix:
                return
        elif mime.startswith(f"{wanted}/"):
            return
    raise InvalidInputError(
        f"{kind}: Invalid file type. Please upload a file that is one of these formats: "
        f"{file_types}"
    )
