"""File sizes as people write them: Gradio's ``max_file_size`` forms, and sizes for messages.

:func:`parse_file_size` reads what ``launch(max_file_size=...)`` takes (an int of bytes,
``"5mb"``, ``"200 KB"``, ``None``); :func:`format_size` writes a byte count back in those
units for error messages; :func:`file_too_large` is the one error for an upload over the
limit, whatever carried it.
"""

from __future__ import annotations

import re
from typing import Final

from ..errors import FileTooLargeError

__all__ = ["FILE_SIZE_UNITS", "file_too_large", "format_size", "parse_file_size"]

FILE_SIZE_UNITS: Final = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
"""Gradio's units: powers of 1024, written ``kb``, ``mb``... in any case."""

_NAME_CHARS: Final = 120  # of a file name quoted in a message

_SIZE: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)\s*", re.IGNORECASE)


def parse_file_size(size: int | str | None) -> int | None:
    """The number of bytes ``size`` stands for: an int is bytes, a string is a number and
    one of Gradio's units (``"5mb"``, ``"200kb"``, ``"1.5 GB"``, ``"10 MB"``; any case),
    ``None`` is no limit (returned as ``None``).

    Raises ``ValueError`` naming ``size`` when it is not positive or the string is not of
    that form, ``TypeError`` for any other type.
    """
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise TypeError(
            f"max_file_size must be an int (bytes), a string such as '5mb' or None, "
            f"not {type(size).__name__}"
        )
    if isinstance(size, int):
        number = size
    else:
        match = _SIZE.fullmatch(size)
        if match is None:
            raise ValueError(
                f"max_file_size {size!r} is not a size: write a number and a unit "
                "(b, kb, mb, gb or tb), such as '5mb' or '200 KB'"
            )
        number = int(float(match[1]) * FILE_SIZE_UNITS[match[2].lower()])
    if number <= 0:
        raise ValueError(f"max_file_size {size!r} must be more than 0 bytes (None: no limit)")
    return number


def format_size(size: int) -> str:
    """``size`` bytes in the largest unit it reaches, to one decimal at most: ``"5 MB"``,
    ``"7.2 MB"``, ``"200 KB"``, ``"999 B"``."""
    unit, factor = "B", 1
    for name, value in FILE_SIZE_UNITS.items():
        if size >= value:
            unit, factor = name.upper(), value
    text = f"{size / factor:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def file_too_large(name: str, limit: int, size: int | None = None) -> FileTooLargeError:
    """The error for the upload ``name`` over ``limit`` bytes; ``size`` is its size when
    known (a file still arriving is known only to be over)."""
    what = f"is {format_size(size)}" if size is not None else "is larger"
    return FileTooLargeError(
        f"{name[:_NAME_CHARS]} {what}, over the {format_size(limit)} max_file_size: "
        "upload a smaller file (the server's launch(max_file_size=...) sets the limit)"
    )
