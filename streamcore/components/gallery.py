"""``Gallery``: a grid of images (or videos), each with an optional caption, as
``gr.Gallery`` in Gradio 6.

On the wire the value is a list of ``{"image": ImageData, "caption": str | None}`` (or
``{"video": FileData, ...}``). Images are converted both ways by an inner :class:`Image`
with the gallery's ``type`` and ``format``, so they follow ``Image``'s rules (arrays and PIL
images cached in ``format``, paths served, URLs passed on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import numpy as np
import PIL.Image

from ..errors import InvalidInputError
from ._common import Key, buttons_prop, describe
from ._files import (
    check_file_types,
    client_file,
    file_data_schema,
    file_meta_schema,
    fn_file,
    image_data_schema,
    mime_type_of,
)
from .base import Component
from .image import Image

__all__ = ["Gallery", "gallery_schema"]

_TYPES: Final = ["numpy", "pil", "filepath"]
_SAMPLE: Final = "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png"
_CAPTION: Final = {
    "anyOf": [{"type": "string"}, {"type": "null"}],
    "default": None,
    "title": "Caption",
}


def gallery_schema() -> dict[str, Any]:
    """Gradio 6's JSON schema of a gallery's value (``GalleryData``)."""
    file_data = file_data_schema()
    del file_data["$defs"]

    def item(title: str, field: str, ref: str) -> dict[str, Any]:
        return {
            "properties": {field: {"$ref": f"#/$defs/{ref}"}, "caption": dict(_CAPTION)},
            "required": [field],
            "title": title,
            "type": "object",
        }

    return {
        "$defs": {
            "FileData": file_data,
            "FileDataMeta": file_meta_schema(),
            "GalleryImage": item("GalleryImage", "image", "ImageData"),
            "GalleryVideo": item("GalleryVideo", "video", "FileData"),
            "ImageData": image_data_schema(),
        },
        "items": {"anyOf": [{"$ref": "#/$defs/GalleryImage"}, {"$ref": "#/$defs/GalleryVideo"}]},
        "title": "GalleryData",
        "type": "array",
    }


class Gallery(Component):
    """Images or videos in a grid, as ``gr.Gallery``; ``.select`` gets a ``SelectData``
    whose ``index`` is the position of the item clicked and ``value`` its value.

    Every parameter is Gradio 6's, with its default. Raises ``ValueError`` for an unknown
    ``type`` (Gradio's message) and for a ``format`` Pillow cannot write.
    """

    EVENTS: ClassVar[tuple[str, ...]] = (
        "select",
        "upload",
        "change",
        "delete",
        "preview_close",
        "preview_open",
    )

    def __init__(
        self,
        value: Sequence[Any] | Callable[..., Any] | None = None,
        *,
        format: str = "webp",
        file_types: list[str] | None = None,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        columns: int | None = 2,
        rows: int | None = None,
        height: int | float | str | None = None,
        allow_preview: bool = True,
        preview: bool | None = None,
        selected_index: int | None = None,
        object_fit: Literal["contain", "cover", "fill", "none", "scale-down"] | None = None,
        buttons: list[Any] | None = None,
        interactive: bool | None = None,
        type: Literal["numpy", "pil", "filepath"] = "filepath",
        fit_columns: bool = True,
        sources: list[Literal["upload", "webcam", "clipboard"]] | None = None,
    ) -> None:
        if type not in _TYPES:
            raise ValueError(f"Invalid type: {type}. Must be one of {_TYPES}")
        self.type = type
        self.format = format
        self._images_in = Image(type=type, image_mode=None, format=format, render=False)
        self._images_out = Image(format=format, render=False)
        self.file_types = file_types
        self.columns = columns
        self.rows = rows
        self.height = height
        self.allow_preview = allow_preview
        self.preview = preview
        self.selected_index = selected_index
        self.object_fit = object_fit
        self.buttons: list[Any] = (
            ["share", "download", "download_all", "fullscreen"] if buttons is None else buttons
        )
        self.fit_columns = fit_columns
        self.sources = sources or ["upload"]
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    # -- input ------------------------------------------------------------------------

    def preprocess(self, payload: Any) -> list[tuple[Any, str | None]] | None:
        """A list of ``(media, caption)``: each image as ``type`` says (by ``Image``'s
        rules, its mode kept), each video as its path; ``None`` for ``None`` or an empty
        list. Raises :class:`InvalidInputError` for a malformed payload or a file whose
        type is not in ``file_types``, and what ``Image.preprocess`` raises."""
        if payload is None or payload == []:
            return None
        if not isinstance(payload, list):
            raise InvalidInputError(f"Gallery: expected a list of images, got {describe(payload)}.")
        return [self._preprocess_item(item) for item in payload]

    def _preprocess_item(self, item: object) -> tuple[Any, str | None]:
        if not isinstance(item, dict) or not ("image" in item or "video" in item):
            raise InvalidInputError(
                "Gallery: each item must be a dict with an 'image' or a 'video' "
                f"(and a 'caption'), got {describe(item)}."
            )
        caption = item.get("caption")
        if caption is not None and not isinstance(caption, str):
            raise InvalidInputError(
                f"Gallery: a caption must be a string or null, not {caption!r:.40}."
            )
        if "video" in item:
            path, name = client_file("Gallery", item["video"])
            check_file_types("Gallery", self.file_types, name)
            return str(path), caption
        image = item["image"]
        if isinstance(image, dict) and self.file_types:
            check_file_types(
                "Gallery", self.file_types, str(image.get("orig_name") or image.get("path") or "")
            )
        return self._images_in.preprocess(image), caption

    # -- output -------------------------------------------------------------------------

    def postprocess(self, value: Any) -> list[dict[str, Any]]:
        """The client's value: ``[]`` for ``None``; else one item per image or
        ``(image, caption)``. An array or PIL image is cached in ``format``; a path whose
        name says video is sent as a video; other paths and URLs as images. Raises
        ``ValueError`` (Gradio's messages) for a string instead of a list and for an item
        of another type, and what ``Image.postprocess`` raises."""
        if value is None:
            return []
        if isinstance(value, str):
            raise ValueError(
                "The `value` passed into `gr.Gallery` must be a list of images or videos, "
                "or list of (media, caption) tuples."
            )
        return [self._postprocess_item(item) for item in value]

    def _postprocess_item(self, item: Any) -> dict[str, Any]:
        caption = None
        if isinstance(item, tuple | list):
            if len(item) != 2:
                raise ValueError(
                    f"Gallery expects (media, caption) pairs, got a sequence of {len(item)}."
                )
            item, caption = item
        if isinstance(item, str | Path) and (mime_type_of(str(item)) or "").startswith("video/"):
            return {"video": fn_file("Gallery", item), "caption": caption}
        if not isinstance(item, np.ndarray | PIL.Image.Image | str | Path):
            raise ValueError(f"Cannot process type as image: {type(item)}")
        image = self._images_out.postprocess(item)
        assert image is not None
        return {"image": image.to_dict(), "caption": caption}

    # -- description ----------------------------------------------------------------------

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema (``GalleryData``)."""
        return gallery_schema()

    def example_value(self) -> list[str]:
        """Gradio's sample: one picture's URL."""
        return [_SAMPLE]

    def example_payload(self) -> list[dict[str, Any]]:
        return [{"image": {"path": _SAMPLE, "meta": {"_type": "gradio.FileData"}}}]

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            "name": "gallery",
            "value": self.value,
            "format": self.format,
            "file_types": self.file_types,
            "columns": self.columns,
            "rows": self.rows,
            "height": self.height,
            "allow_preview": self.allow_preview,
            "preview": self.preview,
            "selected_index": self.selected_index,
            "object_fit": self.object_fit,
            "buttons": buttons_prop(self.buttons),
            "type": self.type,
            "fit_columns": self.fit_columns,
            "sources": self.sources,
        }
