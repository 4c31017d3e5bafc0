"""Client-side values <-> the payloads that travel, for every client of an app.

Clients speak in client-side values, as ``gradio_client`` does: an image is a file path or
an http(s) URL (or, for convenience on input, a numpy array, a PIL image or
:func:`handle_file`'s description of a file); everything else is its JSON value. On input
an image file is *uploaded* first (the uploader is the client's: a copy into the cache in
process, a binary message over the network); on output an inline ``data:`` image is saved
into the client's download directory and its path returned.

Which conversion applies is looked up by component type in :data:`CODECS`; a type with
no codec travels as its JSON value. :func:`frame_pixels` turns whatever a caller feeds a
stream into the uint8 RGB pixels a transport sends, by the Image rules.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import PIL.Image

from ..engine.frames import Frame, Pixels
from ..errors import FrameValueError
from ..media.convert import to_uint8
from ..media.encoding import encode, encode_pil, parse_data_url, to_data_url
from ..media.url_fetch import is_http_url

__all__ = [
    "CODECS",
    "FrameValueError",
    "Resolver",
    "Uploader",
    "ValueCodec",
    "frame_pixels",
    "from_payload",
    "handle_file",
    "save_data_url",
    "to_payload",
]

Uploader = Callable[[bytes, str], Awaitable[str]]
"""``await upload(data, file_name)`` stores a file on the server and returns its path there."""

Resolver = Callable[[str], Awaitable[str]]
"""``await resolve(server_path)`` returns a local path for a server file (a download over
the network; the path itself in process)."""

_EXTENSIONS = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
_FILE_DATA = "gradio.FileData"


def handle_file(path_or_url: str | os.PathLike[str]) -> dict[str, Any]:
    """Describe a local file or an http(s) URL as an input value, as ``gradio_client`` does.

    Returns a FileData dict (``{"path", "orig_name", "meta"}``, plus ``"url"`` for a URL);
    a client uploads the local file before sending. Raises ``ValueError`` if the path is
    neither an existing file nor an http(s) URL. A plain path works as well.
    """
    text = os.fspath(path_or_url)
    meta = {"_type": _FILE_DATA}
    if is_http_url(text):
        return {"path": text, "url": text, "orig_name": text.rsplit("/", 1)[-1], "meta": meta}
    if Path(text).is_file():
        return {"path": text, "orig_name": Path(text).name, "meta": meta}
    raise ValueError(f"{text!r} is neither an existing file nor an http(s) URL")


@dataclass(frozen=True)
class ValueCodec:
    """How values of one component type travel: ``encode`` for inputs, ``decode`` for
    outputs. Both may raise ``ValueError``/``FileNotFoundError`` naming the problem."""

    encode: Callable[[Any, Uploader], Awaitable[Any]]
    decode: Callable[[Any, Path, Resolver], Awaitable[Any]]


async def _encode_image(value: Any, upload: Uploader) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return await _upload_file_data(value, upload)
    if isinstance(value, np.ndarray | PIL.Image.Image):  # encoded off the loop
        data = await anyio.to_thread.run_sync(_png_bytes, value)
        return {"url": to_data_url(data, "image/png"), "orig_name": "image.png"}
    if isinstance(value, str) and value.startswith("data:"):
        return {"url": value}
    if isinstance(value, str) and is_http_url(value):
        return {"path": value, "url": value, "orig_name": value.rsplit("/", 1)[-1] or None}
    if not isinstance(value, str | os.PathLike):
        raise ValueError(
            f"an image input takes a path, a URL, handle_file(...), a numpy array or a PIL "
            f"image, not {type(value).__name__}"
        )
    return await _upload_path(anyio.Path(value), upload)


def _png_bytes(value: np.ndarray | PIL.Image.Image) -> bytes:
    if isinstance(value, np.ndarray):
        return encode(to_uint8(value), "png")
    return encode_pil(value, "png")


async def _upload_file_data(value: dict[str, Any], upload: Uploader) -> dict[str, Any]:
    """A FileData dict naming a local file (``handle_file``) is uploaded; others go as is."""
    path = value.get("path")
    is_local = (
        isinstance(value.get("meta"), dict)
        and value["meta"].get("_type") == _FILE_DATA
        and isinstance(path, str)
        and not is_http_url(path)
        and not value.get("url")
    )
    if not is_local:
        return value
    assert isinstance(path, str)
    return {**value, **(await _upload_path(anyio.Path(path), upload))}


async def _upload_path(path: anyio.Path, upload: Uploader) -> dict[str, Any]:
    if not await path.is_file():
        raise FileNotFoundError(f"no image file at {str(path)!r} to send")
    server_path = await upload(await path.read_bytes(), path.name)
    return {"path": server_path, "orig_name": path.name}


async def _decode_image(payload: Any, download_dir: Path, resolve: Resolver) -> Any:
    if not isinstance(payload, dict):
        return payload
    url = payload.get("url")
    if isinstance(url, str) and url.startswith("data:"):
        return str(await anyio.to_thread.run_sync(save_data_url, url, download_dir))
    path = payload.get("path")
    if isinstance(path, str):
        return path if is_http_url(path) else await resolve(path)
    return url


CODECS: dict[str, ValueCodec] = {"image": ValueCodec(_encode_image, _decode_image)}
"""The value codecs, keyed by the component type that ``/config`` names."""


async def to_payload(component_type: str, value: Any, upload: Uploader) -> Any:
    """The payload to send for ``value`` given to an input of ``component_type``."""
    codec = CODECS.get(component_type)
    return value if codec is None else await codec.encode(value, upload)


async def from_payload(
    component_type: str, payload: Any, download_dir: Path, resolve: Resolver
) -> Any:
    """The client-side value of ``payload`` received for an output of ``component_type``."""
    codec = CODECS.get(component_type)
    return payload if codec is None else await codec.decode(payload, download_dir, resolve)


def save_data_url(url: str, directory: Path) -> Path:
    """Write the bytes of a ``data:`` URL to ``directory`` (named by content) and return it."""
    mime, data = parse_data_url(url)
    suffix = _EXTENSIONS.get(mime, mime.rsplit("/", 1)[-1].split("+")[0] or "bin")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(data).hexdigest()[:32]}.{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path


def frame_pixels(value: Any, number: int, max_pixels: int | None = None) -> Pixels | bytes:
    """What a stream sends for the frame ``value`` (the ``number``-th the caller gave).

    Encoded image bytes go as they are. Everything else becomes C-contiguous ``(H, W, 3)``
    uint8 RGB by
    the Image output rules: arrays of any numeric dtype by :func:`to_uint8` (floats in
    [0, 1], bools, small ints), grey repeated on three channels, alpha dropped; PIL images
    converted to RGB; a path (``str`` or ``PathLike``) read and decoded. Raises
    :class:`FrameValueError` naming the frame when it cannot be converted or, given
    ``max_pixels`` (the server's limit), when it has more pixels than that.
    """
    try:
        if isinstance(value, Frame):
            value = value.pixels
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        pixels = _rgb_pixels(value)
    except (ValueError, TypeError, OSError) as exc:
        raise FrameValueError(f"frame {number} cannot be sent: {exc}") from exc
    height, width = pixels.shape[:2]
    if max_pixels is not None and height * width > max_pixels:
        raise FrameValueError(
            f"frame {number} has {width}x{height} = {width * height:,} pixels, over the "
            f"server's limit of {max_pixels:,}: make it smaller"
        )
    return pixels


def _rgb_pixels(value: Any) -> Pixels:
    if isinstance(value, str | os.PathLike):
        with PIL.Image.open(value) as image:
            value = image.convert("RGB")
    if isinstance(value, PIL.Image.Image):
        return np.asarray(value.convert("RGB"))
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"a frame must be a numpy array, a PIL image, encoded image bytes or a path, "
            f"not {type(value).__name__}"
        )
    if value.ndim == 3 and value.shape[2] == 1:
        value = value[:, :, 0]
    if not (value.ndim == 2 or (value.ndim == 3 and value.shape[2] in (3, 4))):
        raise ValueError(
            f"a frame array must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), not {value.shape}"
        )
    pixels = to_uint8(value)
    if pixels.ndim == 2:
        return np.repeat(pixels[:, :, np.newaxis], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3])  # no copy when it already is
