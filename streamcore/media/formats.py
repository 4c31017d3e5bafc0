"""Which image formats the server decodes, told by the bytes themselves.

Pillow reads some forty formats; several of them are documents or rare scientific formats
whose parsers are a large surface (EPS and PDF hand the file to Ghostscript, a PostScript
interpreter). What a client sends is therefore checked by its first bytes (its *magic*,
:func:`sniff`) against a short list before Pillow sees it, and Pillow is then asked to
parse it as that one format only (:func:`pil_formats`), never to guess.

* :data:`FRAME_FORMATS`: the frames of a stream (binary WebSocket frames, ``data:`` URL
  frames): JPEG, PNG and WebP, what a browser's canvas encodes (``toBlob``) and what the
  protocol documents. WebRTC frames are video, decoded by the codec, not by this check.
* :data:`IMAGE_FORMATS`: image values (uploads named as inputs, paths, ``data:`` URLs,
  downloaded URLs): the formats a browser shows as a picture, so the ones a Gradio page's
  upload (``accept="image/*"``) produces in practice: JPEG (phones' MPO JPEGs included),
  PNG, WebP, GIF, BMP and ICO; plus TIFF (scanners and cameras write it, and the cache
  itself falls back to TIFF for modes PNG cannot hold: CMYK, LAB, I, F); plus AVIF when this
  Pillow reads it. SVG is not decoded at all: ``Image`` passes it as a file or refuses it.

Everything else (PDF, EPS, PSD, PPM, TGA, the scientific formats...) is refused with an
:class:`~streamcore.errors.UnsupportedImageError` naming what the bytes are, when they are
recognised, and the accepted formats.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

import PIL.Image

from ..errors import ImageDecodeError, UnsupportedImageError

__all__ = [
    "FRAME_FORMATS",
    "IMAGE_FORMATS",
    "check_format",
    "describe",
    "pil_formats",
    "sniff",
]


def _avif_readable() -> bool:
    PIL.Image.init()
    return "AVIF" in PIL.Image.OPEN


FRAME_FORMATS: Final[tuple[str, ...]] = ("jpeg", "png", "webp")
"""The formats a stream's frames may be in."""

IMAGE_FORMATS: Final[tuple[str, ...]] = (
    "jpeg",
    "png",
    "webp",
    "gif",
    "bmp",
    "tiff",
    "ico",
    *(("avif",) if _avif_readable() else ()),
)
"""The formats an image value may be in (see the module docstring for why these)."""

_NAMES: Final = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "gif": "GIF",
    "bmp": "BMP",
    "tiff": "TIFF",
    "ico": "ICO",
    "avif": "AVIF",
}

_KINDS: Final = {  # how a refused kind is named in messages
    **{fmt: f"a {name} image" for fmt, name in _NAMES.items()},
    "pdf": "a PDF document",
    "eps": "an EPS (PostScript) document",
    "svg": "an SVG image",
    "psd": "a Photoshop (PSD) image",
    "jpeg2000": "a JPEG 2000 image",
    "heif": "a HEIF/HEIC image",
    "cur": "a Windows cursor",
}

_PIL_IDS: Final = {fmt: [fmt.upper()] for fmt in _NAMES}

_SIGNATURES: Final[tuple[tuple[int, bytes, str], ...]] = (
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"BM", "bmp"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"\x00\x00\x01\x00", "ico"),
    (0, b"\x00\x00\x02\x00", "cur"),
    (0, b"%PDF", "pdf"),
    (0, b"%!PS", "eps"),
    (0, b"\xc5\xd0\xd3\xc6", "eps"),  # DOS EPS binary header
    (0, b"8BPS", "psd"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000"),
    (0, b"\xff\x4f\xff\x51", "jpeg2000"),
)

_SVG_PROBE: Final = 4096


def sniff(data: bytes) -> str | None:
    """What kind of file ``data`` is, by its first bytes: a lower-case name (``"jpeg"``,
    ``"png"``, ``"pdf"``, ``"svg"``...) or ``None`` when it is none this module knows."""
    for offset, magic, kind in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "heif"
    head = data[:_SVG_PROBE].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in head:
        return "svg"
    return None


def describe(formats: Sequence[str], last: str = "or") -> str:
    """The formats for a message: ``"JPEG, PNG or WebP"``."""
    names = [_NAMES.get(fmt, fmt.upper()) for fmt in formats]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {last} {names[-1]}"


def check_format(data: bytes, accepted: Collection[str], what: str = "the data") -> str:
    """The kind of ``data`` (as :func:`sniff` says) if it is one of ``accepted``.

    Raises :class:`~streamcore.errors.UnsupportedImageError` for a kind it knows and does
    not accept, :class:`~streamcore.errors.ImageDecodeError` for bytes of no kind it knows
    (junk, an empty body, a rare format); the message names
    ``what`` (``"the frame"``, ``"the file 'x.png'"``), what the bytes are when known, and
    the accepted formats. Reads only the first bytes: cheap enough for every frame.
    """
    kind = sniff(data)
    if kind is not None and kind in accepted:
        return kind
    ordered = [fmt for fmt in (*FRAME_FORMATS, *IMAGE_FORMATS) if fmt in accepted]
    allowed = describe(list(dict.fromkeys(ordered)))
    if kind is None:
        found = "not an image in a format this server reads" if data else "empty"
        raise ImageDecodeError(f"{what} is {found}; accepted: {allowed}")
    found = _KINDS.get(kind, f"a {kind.upper()} file")
    raise UnsupportedImageError(f"{what} is {found}; accepted: {allowed}")


def pil_formats(kind: str) -> list[str]:
    """Pillow's format ids to open a file of ``kind`` with (``Image.open(formats=...)``)."""
    return list(_PIL_IDS.get(kind, [kind.upper()]))
