"""``ImageSlider`` (two images compared with a slider) and ``AnnotatedImage`` (an image
with labelled masks or boxes), as in Gradio 6.

``ImageSlider``'s value is a pair of ``ImageData`` (either may be null), each converted by
an inner :class:`Image` with the slider's ``type``, ``format`` and ``image_mode``.
``AnnotatedImage``'s is ``{"image": FileData, "annotations": [{"image": FileData,
"label": str}, ...]}``: each annotation is drawn by the server as a coloured RGBA PNG
mask the size of the base image, as Gradio does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

import numpy as np
import numpy.typing as npt
import PIL.Image

from ..errors import InvalidInputError
from ..media.files import current_file_access, readable_returned_file, save_bytes_to_cache
from ..media.url_fetch import fetch_image, is_http_url
from ._common import Key, buttons_prop, describe
from ._files import client_file, file_data, file_data_schema, file_meta_schema, image_data_schema
from .base import Component
from .image import IMAGE_MODES, Image

__all__ = ["AnnotatedImage", "ImageSlider"]

_TYPES: Final = ["numpy", "pil", "filepath"]
_SAMPLE: Final = "https://raw.githubusercontent.com/gradio-app/gradio/main/test/test_files/bus.png"
_BORDER: Final = 3
_DEFAULT_COLOUR: Final = (255, 0, 0)


class ImageSlider(Component):
    """Two images shown one over the other with a slider between them, as
    ``gr.ImageSlider``. Every parameter is Gradio 6's, with its default. Raises
    ``ValueError`` for an unknown ``type`` or ``image_mode`` or a ``format`` Pillow cannot
    write."""

    EVENTS: ClassVar[tuple[str, ...]] = ("clear", "change", "stream", "select", "upload", "input")

    def __init__(
        self,
        value: tuple[Any, Any] | Callable[..., Any] | None = None,
        *,
        format: str = "webp",
        height: int | str | None = None,
        width: int | str | None = None,
        image_mode: Literal["1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F"]
        | None = "RGB",
        type: Literal["numpy", "pil", "filepath"] = "numpy",
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        buttons: list[Any] | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        slider_position: float = 50,
        max_height: int = 500,
    ) -> None:
        if type not in _TYPES:
            raise ValueError(
                f"Invalid value for parameter `type`: {type}. Please choose from one of: {_TYPES}"
            )
        if image_mode is not None and image_mode not in IMAGE_MODES:
            raise ValueError(f"Invalid value for parameter `image_mode`: {image_mode!r}")
        self.type = type
        self.format = format
        self.image_mode = image_mode
        self._image = Image(type=type, format=format, image_mode=image_mode, render=False)
        self.height = height
        self.width = width
        self.buttons: list[Any] = ["download", "fullscreen"] if buttons is None else buttons
        self.slider_position = slider_position
        self.max_height = max_height
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

    def preprocess(self, payload: Any) -> tuple[Any, Any] | None:
        """Both images as ``type`` says (``None`` for a missing one), by ``Image``'s rules;
        ``None`` for ``None``. Raises :class:`InvalidInputError` if ``payload`` is not a
        pair, and what ``Image.preprocess`` raises."""
        if payload is None:
            return None
        if not isinstance(payload, list | tuple) or len(payload) != 2:
            raise InvalidInputError(
                f"ImageSlider: expected a pair of images (a list of 2), got {describe(payload)}."
            )
        return self._image.preprocess(payload[0]), self._image.preprocess(payload[1])

    def postprocess(self, value: Any) -> list[dict[str, Any] | None] | None:
        """The pair as two ``ImageData`` dicts (``None`` stays ``None``), each by
        ``Image.postprocess``. Raises ``ValueError`` if ``value`` is not a pair."""
        if value is None:
            return None
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(
                f"ImageSlider expects a pair of images from the function, got {describe(value)}."
            )
        pair = [self._image.postprocess(item) for item in value]
        return [None if image is None else image.to_dict() for image in pair]

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema (``SliderData``: a pair of nullable ``ImageData``, or null)."""
        one = {"anyOf": [{"$ref": "#/$defs/ImageData"}, {"type": "null"}]}
        return {
            "$defs": {"FileDataMeta": file_meta_schema(), "ImageData": image_data_schema()},
            "anyOf": [
                {
                    "maxItems": 2,
                    "minItems": 2,
                    "prefixItems": [one, dict(one)],
                    "type": "array",
                },
                {"type": "null"},
            ],
            "title": "SliderData",
        }

    def example_value(self) -> tuple[str, str]:
        """Gradio's sample: the same picture twice."""
        return (_SAMPLE, _SAMPLE)

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            "name": "imageslider",
            "value": self.value,
            "format": self.format,
            "height": self.height,
            "width": self.width,
            "image_mode": self.image_mode,
            "type": self.type,
            "buttons": buttons_prop(self.buttons),
            "slider_position": self.slider_position,
            "max_height": self.max_height,
        }


class AnnotatedImage(Component):
    """A base image with labelled masks or boxes on it, as ``gr.AnnotatedImage`` (mostly an
    output). Every parameter is Gradio 6's, with its default."""

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "select")

    def __init__(
        self,
        value: tuple[Any, Sequence[tuple[Any, str]]] | Callable[..., Any] | None = None,
        *,
        format: str = "webp",
        show_legend: bool = True,
        height: int | str | None = None,
        width: int | str | None = None,
        color_map: dict[str, str] | None = None,
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
        buttons: list[Any] | None = None,
    ) -> None:
        self.format = format
        self._image = Image(format=format, render=False)
        self.show_legend = show_legend
        self.height = height
        self.width = width
        self.color_map = color_map
        self.buttons: list[Any] = ["fullscreen"] if buttons is None else buttons
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> tuple[str, list[tuple[str, str]]] | None:
        """``(base image path, [(mask path, label), ...])``; ``None`` for ``None``. Raises
        :class:`InvalidInputError` for a malformed payload, and what :func:`client_file`
        raises for a file the server did not give."""
        if payload is None:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("annotations"), list):
            raise InvalidInputError(
                "AnnotatedImage: expected a dict with an 'image' and a list of 'annotations', "
                f"got {describe(payload)}."
            )
        base = str(client_file("AnnotatedImage", payload.get("image"))[0])
        annotations = []
        for item in payload["annotations"]:
            if not isinstance(item, dict) or not isinstance(item.get("label"), str):
                raise InvalidInputError(
                    "AnnotatedImage: each annotation must be a dict with an 'image' and a "
                    "string 'label'."
                )
            mask = str(client_file("AnnotatedImage", item.get("image"))[0])
            annotations.append((mask, item["label"]))
        return base, annotations

    def postprocess(self, value: Any) -> dict[str, Any] | None:
        """The base image as a file (an array or PIL image cached in ``format``, a path
        served by the returned-file rule, a URL downloaded), and each annotation as a PNG
        mask coloured by ``color_map`` (red by default): a box ``(x1, y1, x2, y2)`` is drawn
        half-transparent with a 3-pixel border, an array is taken as per-pixel opacity from
        0 to 1. Raises ``ValueError`` for a value of another shape or type."""
        if value is None:
            return None
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(
                "AnnotatedImage expects (image, [(mask or box, label), ...]) from the "
                f"function, got {describe(value)}."
            )
        base, annotations = value
        base_data, height, width = self._base(base)
        sections = []
        for item in annotations:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise ValueError("AnnotatedImage: each annotation must be (mask or box, label).")
            mask, label = item
            path = self._mask_file(_mask_array(mask, height, width), str(label))
            sections.append({"image": file_data(path), "label": str(label)})
        return {"image": base_data, "annotations": sections}

    def _base(self, base: Any) -> tuple[dict[str, Any], int, int]:
        policy = current_file_access.get()
        if isinstance(base, str) and is_http_url(base):
            name = Path(base.split("?", 1)[0]).name or "image.png"
            base = str(save_bytes_to_cache(fetch_image(base, policy), name, policy))
        if isinstance(base, str | Path):
            with PIL.Image.open(readable_returned_file(base, policy)) as image:
                width, height = image.size
        elif isinstance(base, np.ndarray):
            height, width = base.shape[:2]
        elif isinstance(base, PIL.Image.Image):
            width, height = base.size
        else:
            raise ValueError(
                "AnnotatedImage only accepts filepaths, PIL images or numpy arrays for the "
                "base image."
            )
        data = self._image.postprocess(base)
        assert data is not None
        wire = data.to_dict()
        return wire, height, width

    def _mask_file(self, mask: npt.NDArray[Any], label: str) -> Path:
        colour = _hex_colour((self.color_map or {}).get(label))
        layers = np.zeros((*mask.shape, 4), np.uint8)
        solid = mask > 0
        for channel in range(3):
            layers[:, :, channel] = np.where(solid, colour[channel], 0)
        layers[:, :, 3] = np.clip(mask * 255, 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        PIL.Image.fromarray(layers, "RGBA").save(buffer, format="PNG")
        return save_bytes_to_cache(buffer.getvalue(), "mask.png", current_file_access.get())

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema (``AnnotatedImageData``)."""
        file_data_def = file_data_schema()
        del file_data_def["$defs"]
        return {
            "$defs": {
                "Annotation": {
                    "properties": {
                        "image": {"$ref": "#/$defs/FileData"},
                        "label": {"title": "Label", "type": "string"},
                    },
                    "required": ["image", "label"],
                    "title": "Annotation",
                    "type": "object",
                },
                "FileData": file_data_def,
                "FileDataMeta": file_meta_schema(),
            },
            "properties": {
                "image": {"$ref": "#/$defs/FileData"},
                "annotations": {
                    "items": {"$ref": "#/$defs/Annotation"},
                    "title": "Annotations",
                    "type": "array",
                },
            },
            "required": ["image", "annotations"],
            "title": "AnnotatedImageData",
            "type": "object",
        }

    def example_value(self) -> tuple[str, list[tuple[list[int], str]]]:
        """Gradio's sample: a picture with one box labelled ``bus``."""
        return (_SAMPLE, [([0, 0, 100, 100], "bus")])

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            "name": "annotatedimage",
            "value": self.value,
            "format": self.format,
            "show_legend": self.show_legend,
            "height": self.height,
            "width": self.width,
            "color_map": self.color_map,
            "buttons": buttons_prop(self.buttons),
        }


def _mask_array(mask: Any, height: int, width: int) -> npt.NDArray[np.float64]:
    """A box or an opacity array as a ``(height, width)`` array of opacities."""
    if isinstance(mask, np.ndarray):
        if mask.shape[:2] != (height, width):
            raise ValueError(
                f"AnnotatedImage: a mask of shape {mask.shape} does not match the image's "
                f"{height}x{width}."
            )
        return np.asarray(mask[:, :, 0] if mask.ndim == 3 else mask, np.float64)
    if not isinstance(mask, list | tuple) or len(mask) != 4:
        raise ValueError(
            "AnnotatedImage: a mask must be a numpy array or a box (x1, y1, x2, y2), got "
            f"{describe(mask)}."
        )
    x1, y1, x2, y2 = (int(v) for v in mask)
    out = np.zeros((height, width))
    out[y1:y2, x1:x2] = 0.5
    out[y1:y2, x1 : x1 + _BORDER] = 1
    out[y1:y2, x2 - _BORDER : x2] = 1
    out[y1 : y1 + _BORDER, x1:x2] = 1
    out[y2 - _BORDER : y2, x1:x2] = 1
    return out


def _hex_colour(value: str | None) -> tuple[int, int, int]:
    if not value:
        return _DEFAULT_COLOUR
    text = value.lstrip("#")
    step = len(text) // 3
    try:
        r, g, b = (int(text[i : i + step], 16) for i in range(0, step * 3, step))
    except ValueError:
        raise ValueError(f"AnnotatedImage color_map: {value!r} is not a hex colour") from None
    return r, g, b
