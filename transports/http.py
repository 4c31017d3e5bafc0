"""The plain HTTP side of the server: the page, its static files, ``/config`` and cached files.

These run inside ``websockets``' ``process_request`` hook, before any upgrade, so one
port serves both. Only ``GET`` exists; everything a client sends goes over the WebSocket.
"""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from streamcore.errors import PathNotAllowedError
from streamcore.media.files import FileAccess, check_readable

from .protocol import json_default

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["HttpRoutes", "respond"]

_STATIC_SUFFIXES = (".html", ".js", ".css")
"""The kinds of file under ``transports/static`` that ``/static/<path>`` serves."""


def static_files() -> frozenset[str]:
    """Every servable file under ``transports/static``, by its ``/``-separated path there.

    Sub-folders are included (``js/app.js``, ``js/components/image/view.js``); only files
    ending in one of ``_STATIC_SUFFIXES`` are. A request names one of these exactly, so no
    other path (``..``, a stray file) can be read.
    """
    names: set[str] = set()

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.is_file() and entry.name.endswith(_STATIC_SUFFIXES):
                names.add(prefix + entry.name)

    walk(resources.files("transports").joinpath("static"), "")
    return frozenset(names)


def respond(
    status: int, body: bytes | str, content_type: str = "text/plain; charset=utf-8"
) -> Response:
    """A complete HTTP response with the usual headers."""
    data = body.encode() if isinstance(body, str) else body
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
        ]
    )
    reasons = {200: "OK", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}
    return Response(status, reasons.get(status, "Error"), headers, data)


class HttpRoutes:
    """``GET /``, ``/static/<file>``, ``/config``, ``/file=<path>`` and ``/healthz``."""

    def __init__(self, config: Callable[[], dict[str, Any]], files: FileAccess) -> None:
        self._config = config
        self._files = files
        self._static_files = static_files()

    def __call__(self, request: Request) -> Response:
        path = request.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        if path == "/config":
            body = json.dumps(self._config(), default=json_default)
            return respond(200, body, "application/json")
        if path.startswith("/file="):
            return self._file(unquote(path.removeprefix("/file=")))
        if path == "/healthz":
            return respond(200, "ok")
        return respond(404, f"no such page: {path}")

    def _static(self, name: str) -> Response:
        if name not in self._static_files:
            return respond(404, f"no such static file: {name}")
        resource = resources.files("transports").joinpath("static")
        for part in name.split("/"):
            resource = resource.joinpath(part)
        data = resource.read_bytes()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        return respond(200, data, kind)

    def _file(self, name: str) -> Response:
        try:
            path = check_readable(name, self._files)
            data = path.read_bytes()
        except PathNotAllowedError:
            return respond(403, "that file is not served: only the cache and allowed_paths are")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return respond(404, "no such file")
        kind = mimetypes.guess_type(Path(name).name)[0] or "application/octet-stream"
        return respond(200, data, kind)
