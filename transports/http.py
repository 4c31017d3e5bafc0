"""The plain HTTP routes: the page, its static files, ``/config``, files and ``/healthz``.

Each route is a small Starlette endpoint; ETag, ``304``, ``HEAD``, ``Range`` and streaming
from disk are Starlette's (``StaticFiles``, ``FileResponse``), and so are ``405`` for a
wrong method. The page, its modules and ``/config`` are gzipped for clients that accept it.

``/file=<path>`` serves only what :func:`~streamcore.media.files.check_readable` allows
(the cache and ``allowed_paths``): ``403`` otherwise, ``404`` for a missing file, ``400``
with a JSON ``detail`` for a name no file can have (:func:`file_name_problem`: a NUL
byte, a part over 255 bytes, over 4,096 bytes in all). A file is served with its own type
only when it is a raster image, a video or a sound; anything else (an uploaded ``.html``,
``.svg`` or ``.js``) comes as a download, so it never runs on the app's origin.
"""

from __future__ import annotations

import mimetypes
import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from streamcore.errors import PathNotAllowedError
from streamcore.media.files import FileAccess, check_readable

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = [
    "MAX_NAME_BYTES",
    "MAX_PART_BYTES",
    "PageFiles",
    "file_name_problem",
    "file_response",
    "http_routes",
    "not_found",
    "static_files",
]

MAX_PART_BYTES = 255
"""The longest name of one file or directory (Linux's ``NAME_MAX``), in bytes of UTF-8."""
MAX_NAME_BYTES = 4096
"""The longest path (Linux's ``PATH_MAX``), in bytes of UTF-8."""

_STATIC_SUFFIXES = (".html", ".js", ".css", ".png")
"""The kinds of file under ``transports/static`` that ``/static/<path>`` serves."""

_INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"}
)
"""Types a browser shows as a picture and never runs; SVG (which can hold script) is not one."""

_INLINE_MEDIA_TYPES = frozenset(
    {"video/mp4", "video/webm", "video/ogg", "audio/mpeg", "audio/wav", "audio/x-wav"}
    | {"audio/ogg", "audio/webm", "audio/flac", "audio/mp4", "audio/aac"}
)
"""Types a ``<video>`` or ``<audio>`` element plays and a browser never runs."""

_NO_CACHE = {"Cache-Control": "no-cache"}
_NOSNIFF = {"X-Content-Type-Options": "nosniff"}
_GZIP = [Middleware(GZipMiddleware)]


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


class PageFiles(StaticFiles):
    """``transports/static`` as served: exactly the names :func:`static_files` lists
    (anything else, ``..`` included, is a 404), text types with ``charset=utf-8``."""

    def __init__(self) -> None:
        super().__init__(packages=[("transports", "static")])
        self._names = static_files()

    def get_path(self, scope: Scope) -> str:
        path, root = scope["path"], scope.get("root_path", "")
        name = path.removeprefix(root).removeprefix("/")  # the path under /static, as sent
        return name if name in self._names else ""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if path not in self._names:
            return "", None
        return super().lookup_path(path)

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        kind = response.headers.get("content-type", "")
        if (kind.startswith("text/") or kind.endswith("javascript")) and "charset" not in kind:
            response.headers["content-type"] = f"{kind}; charset=utf-8"
        response.headers.update(_NOSNIFF)
        return response


def http_routes(config: Callable[[], bytes], files: FileAccess) -> list[BaseRoute]:
    """The routes: ``/`` and ``/index.html`` (the page), ``/static/<file>``, ``/config``
    (``config()`` is its JSON body, made per request), ``/file=<path>`` and ``/healthz``."""
    page_files = PageFiles()

    async def page(request: Request) -> Response:
        return await page_files.get_response("index.html", request.scope)

    async def config_json(request: Request) -> Response:
        return Response(config(), media_type="application/json", headers=_NO_CACHE)

    async def file(request: Request) -> Response:
        return await file_response(request.path_params["path"], files)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok", headers=_NO_CACHE)

    return [
        Route("/", page, middleware=_GZIP),
        Route("/index.html", page, middleware=_GZIP),
        Mount("/static", app=page_files, middleware=_GZIP),
        Route("/config", config_json, middleware=_GZIP),
        Route("/file={path:path}", file),
        Route("/healthz", healthz),
    ]


def file_name_problem(name: str) -> str | None:
    """Why no file can be called ``name`` (the path after ``/file=``), or ``None``.

    Said in the client's terms, without echoing the name back.
    """
    if "\x00" in name:
        return "the file name contains a NUL character, which no file name can hold"
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_NAME_BYTES:
        return f"the file name is {len(encoded)} bytes long; at most {MAX_NAME_BYTES} are allowed"
    longest = max(len(part) for part in encoded.split(b"/"))
    if longest > MAX_PART_BYTES:
        return (
            f"a part of the file name is {longest} bytes long; at most {MAX_PART_BYTES} are "
            "allowed between slashes"
        )
    return None


async def file_response(name: str, files: FileAccess) -> Response:
    """The response of ``/file=<name>``: the file if ``files`` serves it, else ``400``
    (JSON ``detail``), ``403`` or ``404`` with a plain-text reason (see the module
    docstring)."""
    problem = file_name_problem(name)
    if problem is not None:
        return JSONResponse({"detail": problem}, 400, _NOSNIFF)
    try:
        path: Path = await anyio.to_thread.run_sync(check_readable, name, files)
    except PathNotAllowedError:
        return PlainTextResponse(
            "that file is not served: only the cache and allowed_paths are", 403, _NOSNIFF
        )
    except OSError:  # missing, a directory, a loop of links, unreadable: all "no such file"
        return PlainTextResponse("no such file", 404, _NOSNIFF)
    kind = mimetypes.guess_type(Path(name).name)[0]
    if kind in _INLINE_IMAGE_TYPES or kind in _INLINE_MEDIA_TYPES:
        return FileResponse(path, media_type=kind, headers=_NOSNIFF)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=Path(name).name,
        headers=_NOSNIFF,
        content_disposition_type="attachment",
    )


def not_found(request: Request, exc: Exception) -> Response:
    """The ``404`` of every route: it names the path that was asked for."""
    return PlainTextResponse(f"no such page: {request.url.path}", 404, _NOSNIFF)
