"""``ImageData``: the client-side value of an ``Image`` (Gradio's ``FileData`` shape)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any, Final

from ..errors import InvalidInputError

__all__ = ["FILE_DATA_META", "ImageData"]

FILE_DATA_META: Final = "gradio.FileData"
"""The ``meta["_type"]`` tag that marks a dict as a file payload."""


def _default_meta() -> dict[str, Any]:
    return {"_type": FILE_DATA_META}


@dataclass
class ImageData:
    """An image as clients send and receive it.

    ``path`` is a file on the server (in the cache once processed); ``url`` is a public
    URL or a ``data:`` URL carrying the image inline (webcam frames, streaming outputs).
    ``size`` is in bytes, ``orig_name`` the file name to show or download as.
    """

    path: str | None = None
    url: str | None = None
    size: int | None = None
    orig_name: str | None = None
    mime_type: str | None = None
    is_stream: bool = False
    meta: dict[str, Any] = field(default_factory=_default_meta)

    @classmethod
    def from_payload(cls, payload: ImageData | dict[str, Any]) -> ImageData:
        """Return ``payload`` if it is an ``ImageData``, else one built from its keys.

        Unknown keys are ignored; missing ones take their defaults. ``path`` may also be
        an ``os.PathLike``. Raises :class:`InvalidInputError` naming the field if a value
        has the wrong type, or if ``payload`` is neither an ``ImageData`` nor a dict.
        """
        if isinstance(payload, ImageData):
            return payload
        if not isinstance(payload, dict):
            raise InvalidInputError(
                "An image payload must be a dict with a 'path' or a 'url' "
                f"(Gradio's FileData), got {type(payload).__name__}"
            )
        values = {f.name: payload[f.name] for f in fields(cls) if f.name in payload}
        if isinstance(values.get("path"), os.PathLike):
            values["path"] = os.fspath(values["path"])
        for name, value in values.items():
            _check_field(name, value)
        if values.get("meta") is None:
            values.pop("meta", None)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict form (``meta`` is copied, so editing it is safe)."""
        return {
            "path": self.path,
            "url": self.url,
            "size": self.size,
            "orig_name": self.orig_name,
            "mime_type": self.mime_type,
            "is_stream": self.is_stream,
            "meta": dict(self.meta),
        }


_EXPECTED: Final[dict[str, tuple[tuple[type, ...], str]]] = {
    "path": ((str,), "a string or null"),
    "url": ((str,), "a string or null"),
    "size": ((int,), "an integer or null"),
    "orig_name": ((str,), "a string or null"),
    "mime_type": ((str,), "a string or null"),
    "is_stream": ((bool,), "a boolean"),
    "meta": ((dict,), "an object or null"),
}


def _check_field(name: str, value: object) -> None:
    types, description = _EXPECTED[name]
    if value is None and name != "is_stream":
        return
    if isinstance(value, types) and not (name == "size" and isinstance(value, bool)):
        return
    raise InvalidInputError(
        f"Invalid image payload: field {name!r} must be {description}, "
        f"got {type(value).__name__} {_short_repr(value)}"
    )


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
