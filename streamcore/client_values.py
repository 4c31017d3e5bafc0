"""Client-side values <-> the payloads that travel, shared by the in-process and network clients.

Clients speak in client-side values, as ``gradio_client`` does: an image is a file path or
an http(s) URL (or, for convenience on input, a numpy array or a PIL image); everything
else is its JSON value. On input an image file is *uploaded* first (the uploader is the
client's: a copy into the cache in process, a binary message over the network); on output
an inline ``data:`` image is saved into the client's download directory and its path
returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import numpy as np
import PIL.Image

from .encoding import encode, encode_pil, parse_data_url, to_data_url
from .files import is_http_url

__all__ = ["Uploader", "from_payload", "save_data_url", "to_payload"]

Uploader = Callable[[bytes, str], Awaitable[str]]
"""``await upload(data, file_name)`` stores a file on the server and returns its path there."""

_EXTENSIONS = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


async def to_payload(component_type: str, value: Any, upload: Uploader) -> Any:
    """The payload to send for ``value`` given to an input of ``component_type``."""
    if component_type != "image" or value is None:
        return value
    if isinstance(value, dict):
        return value
    if isinstance(value, np.ndarray):
        return {"url": to_data_url(encode(value, "png"), "image/png"), "orig_name": "image.png"}
    if isinstance(value, PIL.Image.Image):
        return {"url": to_data_url(encode_pil(value, "png"), "image/png"), "orig_name": "image.png"}
    if isinstance(value, str) and (value.startswith("data:")):
        return {"url": value}
    if isinstance(value, str) and is_http_url(value):
        return {"path": value, "url": value, "orig_name": value.rsplit("/", 1)[-1] or None}
    path = anyio.Path(value)
    if not await path.is_file():
        raise FileNotFoundError(f"no image file at {str(path)!r} to send")
    server_path = await upload(await path.read_bytes(), path.name)
    return {"path": server_path, "orig_name": path.name}


def from_payload(
    component_type: str, payload: Any, download_dir: Path, resolve_path: Callable[[str], str]
) -> Any:
    """The client-side value of ``payload`` received for an output of ``component_type``.

    ``resolve_path`` turns a server path into a local one (identity in process; a
    download over the network).
    """
    if component_type != "image" or not isinstance(payload, dict):
        return payload
    url = payload.get("url")
    if isinstance(url, str) and url.startswith("data:"):
        return str(save_data_url(url, download_dir))
    path = payload.get("path")
    if isinstance(path, str):
        return path if is_http_url(path) else resolve_path(path)
    return url


def save_data_url(url: str, directory: Path) -> Path:
    """Write the bytes of a ``data:`` URL to ``directory`` (named by content) and return it."""
    mime, data = parse_data_url(url)
    suffix = _EXTENSIONS.get(mime, mime.rsplit("/", 1)[-1].split("+")[0] or "bin")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(data).hexdigest()[:32]}.{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path
