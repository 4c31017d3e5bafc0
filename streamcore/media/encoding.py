"""Frames to encoded image bytes and back, and base64 data URLs: the per-frame hot path.

JPEG goes through ``simplejpeg`` (libjpeg-turbo, about a quarter faster than Pillow to
encode and about twice as fast to decode) when it is installed (``pip install
streamcore[fast]``), and through Pillow otherwise; both produce 4:2:0 baseline JPEG, so
the choice changes speed, not results a viewer can tell apart. Every other format goes
through Pillow. Base64 uses ``pybase64`` when installed, the standard library otherwise.

Decoding checks the format from the first bytes and the pixel count from the header
*before* decoding (:mod:`streamcore.media.formats`), so a file in a format the caller does
not accept never reaches its parser, and a decompression bomb is refused without
allocating it.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import io
import os
import warnings
from collections.abc import Collection
from typing import Any, Final

import numpy as np
import PIL.Image

from ..engine.frames import Pixels
from ..errors import ImageDecodeError, ImageTooLargeError
from .formats import IMAGE_FORMATS, check_format, pil_formats


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the environment
        return None


# Optional accelerators, see the module docstring; tests set them to None to cover the
# fallbacks.
_simplejpeg: Any = _optional("simplejpeg")
_pybase64: Any = _optional("pybase64")

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "JPEG_QUALITY",
    "MIME_TYPES",
    "WEBP_METHOD",
    "WEBP_METHOD_ENV",
    "b64decode",
    "b64encode",
    "decode",
    "decode_to_pil",
    "encode",
    "encode_pil",
    "normalize_format",
    "parse_data_url",
    "to_data_url",
    "webp_method",
]

JPEG_QUALITY: Final = 75
"""Quality of streaming JPEG outputs (Pillow's and Gradio 5's default)."""

WEBP_METHOD: Final = 0
"""libwebp's effort (0 fastest to 6 smallest) for every WebP the server writes, at Pillow's
default quality (80), unless :data:`WEBP_METHOD_ENV` says otherwise. Method 0 takes 30-45 %
less time than method 2 and less than half of Pillow's default 4 (Gradio's), at the same
PSNR, for files 0-57 % larger (``docs/deployment.md``, "Image files: speed or size", has
the table): an engine that encodes every output of a generator picks speed."""

WEBP_METHOD_ENV: Final = "STREAMCORE_WEBP_METHOD"
"""Environment variable that sets libwebp's method (``0`` to ``6``) for the process."""


def webp_method() -> int:
    """The WebP method the process encodes with: :data:`WEBP_METHOD_ENV` when set, else
    :data:`WEBP_METHOD`. Raises ``ValueError`` naming the variable for anything but an
    integer from 0 to 6."""
    raw = os.environ.get(WEBP_METHOD_ENV)
    if raw is None or raw.strip() == "":
        return WEBP_METHOD
    try:
        method = int(raw)
    except ValueError:
        method = -1
    if not 0 <= method <= 6:
        raise ValueError(
            f"{WEBP_METHOD_ENV}={raw!r}: libwebp's method is an integer from 0 (fastest) "
            "to 6 (smallest files)"
        )
    return method


DEFAULT_MAX_PIXELS: Final = 40_000_000
"""Images with more pixels than this are refused before decoding (about 8K x 5K)."""

MIME_TYPES: Final[dict[str, str]] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "ico": "image/x-icon",
    "avif": "image/avif",
}
_FORMAT_ALIASES: Final = {"jpg": "jpeg", "tif": "tiff"}
_PIL_MODES_FOR_CHANNELS: Final = {1: "L", 3: "RGB", 4: "RGBA"}


def normalize_format(fmt: str) -> str:
    """Lower-case a format name and map aliases (``"JPG"`` -> ``"jpeg"``)."""
    name = fmt.lower().lstrip(".")
    return _FORMAT_ALIASES.get(name, name)


def encode(pixels: Pixels, fmt: str = "jpeg", quality: int | None = None) -> bytes:
    """Encode a uint8 ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` array in ``fmt``.

    ``quality`` defaults to :data:`JPEG_QUALITY` for JPEG and to Pillow's default for the
    others. JPEG has no alpha: a 4-channel array is encoded from its RGB channels. Raises
    ``ValueError`` for a format Pillow cannot write.
    """
    fmt = normalize_format(fmt)
    if fmt == "jpeg":
        return _encode_jpeg(pixels, JPEG_QUALITY if quality is None else quality)
    return encode_pil(PIL.Image.fromarray(pixels), fmt, quality)


def _encode_jpeg(pixels: Pixels, quality: int) -> bytes:
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if channels == 4:
        pixels = pixels[:, :, :3]
    if _simplejpeg is not None:
        array = pixels if pixels.ndim == 3 else pixels[:, :, np.newaxis]
        array = np.ascontiguousarray(array)
        colorspace = "GRAY" if channels == 1 else "RGB"
        data: bytes = _simplejpeg.encode_jpeg(
            array, quality=quality, colorspace=colorspace, colorsubsampling="420"
        )
        return data
    return encode_pil(PIL.Image.fromarray(pixels), "jpeg", quality)


def encode_pil(image: PIL.Image.Image, fmt: str, quality: int | None = None) -> bytes:
    """Encode a PIL image with Pillow in ``fmt``; raises ``ValueError`` for an unknown format."""
    fmt = normalize_format(fmt)
    if fmt == "jpeg" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, object] = {"method": webp_method()} if fmt == "webp" else {}
    if quality is not None:
        options["quality"] = quality
    try:
        image.save(buffer, format=fmt.upper(), **options)
    except KeyError as exc:
        raise ValueError(f"Pillow cannot write images in the format {fmt!r}") from exc
    return buffer.getvalue()


def decode(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: Collection[str] = IMAGE_FORMATS,
    what: str = "the data",
) -> Pixels:
    """Decode image bytes to a writable ``(H, W, 3)`` uint8 RGB array.

    ``formats`` are the accepted formats (:mod:`streamcore.media.formats`; a stream's frames
    pass ``FRAME_FORMATS``); ``what`` names the bytes in messages. Raises
    :class:`~streamcore.errors.UnsupportedImageError` for bytes in another format,
    :class:`ImageTooLargeError` if the header announces more than ``max_pixels`` pixels and
    :class:`ImageDecodeError` if the bytes are damaged.
    """
    kind = check_format(data, formats, what)
    if _simplejpeg is not None and kind == "jpeg":
        try:
            height, width, _, _ = _simplejpeg.decode_jpeg_header(data)
        except ValueError as exc:
            raise ImageDecodeError(f"{what} is a damaged JPEG image: {exc}") from exc
        _check_pixels(width, height, max_pixels)
        try:
            array: Pixels = _simplejpeg.decode_jpeg(data, colorspace="RGB")
        except ValueError as exc:
            raise ImageDecodeError(f"{what} is a damaged JPEG image: {exc}") from exc
        return array
    image = decode_to_pil(data, max_pixels=max_pixels, formats=(kind,), what=what)
    try:
        pixels: Pixels = np.asarray(image.convert("RGB")).copy()
        return pixels
    except (OSError, ValueError) as exc:
        raise ImageDecodeError(f"{what} cannot be decoded: {exc}") from exc


def decode_to_pil(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: Collection[str] = IMAGE_FORMATS,
    what: str = "the data",
) -> PIL.Image.Image:
    """Open image bytes with Pillow and load them, after checking their format and the
    pixel limit.

    Pillow parses the bytes only as the format their first bytes announce, which must be
    one of ``formats``. The returned image is fully loaded (truncated data fails here, not
    later). Raises :class:`~streamcore.errors.UnsupportedImageError`,
    :class:`ImageTooLargeError` or :class:`ImageDecodeError`, naming ``what``.
    """
    kind = check_format(data, formats, what)
    with warnings.catch_warnings():
        # The limit is ours (checked below), not Pillow's DecompressionBombWarning.
        warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
        try:
            image = PIL.Image.open(io.BytesIO(data), formats=pil_formats(kind))
        except PIL.Image.DecompressionBombError as exc:
            raise ImageTooLargeError(f"{what} is too large an image to decode: {exc}") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageDecodeError(
                f"{what} starts as a {kind.upper()} image but is not one that can be read"
            ) from exc
        _check_pixels(image.width, image.height, max_pixels)
        try:
            image.load()
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageDecodeError(f"{what} is a damaged or truncated image: {exc}") from exc
    return image


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"the image is {width}x{height} = {width * height} pixels, over the limit of "
            f"{max_pixels} pixels (raise max_pixels to accept it)"
        )


def b64encode(data: bytes) -> str:
    """Standard base64 of ``data`` as ASCII text."""
    if _pybase64 is not None:
        encoded: str = _pybase64.b64encode_as_string(data)
        return encoded
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str | bytes) -> bytes:
    """Decode standard base64, strictly; raises :class:`ImageDecodeError` on bad input."""
    try:
        if _pybase64 is not None:
            decoded: bytes = _pybase64.b64decode(text, validate=True)
            return decoded
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageDecodeError(f"the base64 payload is not valid base64: {exc}") from exc


def to_data_url(data: bytes, mime_type: str) -> str:
    """``data:<mime_type>;base64,<data>``."""
    return f"data:{mime_type};base64,{b64encode(data)}"


def parse_data_url(url: str) -> tuple[str, bytes]:
    """Split a ``data:`` URL into its mime type and decoded bytes.

    Both base64 and percent-encoded (``data:image/svg+xml,<svg ...>``) payloads are read.
    Raises :class:`ImageDecodeError` if ``url`` is not a well-formed data URL.
    """
    if not url.startswith("data:"):
        raise ImageDecodeError(f"not a data URL (it should start with 'data:'): {url[:40]!r}")
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise ImageDecodeError("the data URL has no ',' between its header and its payload")
    parts = header.split(";")
    mime_type = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        return mime_type, b64decode(payload)
    from urllib.parse import unquote_to_bytes

    return mime_type, unquote_to_bytes(payload)
