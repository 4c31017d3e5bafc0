"""``Image``: Gradio 6's ``gr.Image`` with its exact value semantics, plus a fast path
for streaming frames.

As an input, :meth:`Image.preprocess` turns a client payload (an uploaded file or a
webcam ``data:`` URL) into what the fn asked for with ``type``: a uint8 array, a PIL image
or a file path. As an output, :meth:`Image.postprocess` turns an array, PIL image, path or
URL into an :class:`ImageData`: a file in the content-addressed cache, or, with
``streaming=True``, an inline ``data:`` URL (JPEG quality 75 unless ``format`` was given)
with nothing written to disk. :meth:`Image.preprocess_frame` and
:meth:`Image.postprocess_to_bytes` are the per-frame variants the transports use.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Final, Literal, TypeAlias
from urllib.parse import quote, urlsplit

import numpy as np
import numpy.typing as npt
import PIL.Image
import PIL.ImageFile
import PIL.ImageOps
import PIL.PngImagePlugin

from ..engine.frames import Pixels
from ..errors import ImageDecodeError, ImageTooLargeError, InvalidInputError, UnsupportedImageError
from ..media.convert import to_uint8
from ..media.encoding import (
    MIME_TYPES,
    decode,
    decode_to_pil,
    encode,
    encode_pil,
    normalize_format,
    parse_data_url,
    to_data_url,
    webp_method,
)
from ..media.files import (
    FileAccess,
    check_readable,
    current_file_access,
    readable_returned_file,
    save_bytes_to_cache,
    serve_returned_file,
)
from ..media.formats import IMAGE_FORMATS, check_format, sniff
from ..media.image_data import ImageData
from ..media.options import WatermarkOptions, WebcamOptions
from ..media.output_mode import stream_outputs_inline
from ..media.url_fetch import fetch_image, is_http_url
from ..media.watermark import load_watermark, paste_watermark
from .author_files import take_author_file
from .base import Component

__all__ = ["IMAGE_MODES", "Image", "ImageValue", "writable_formats"]

ImageValue: TypeAlias = npt.NDArray[Any] | PIL.Image.Image | str | Path
"""What an event fn may return for an ``Image`` output (or ``None``)."""

IMAGE_MODES: Final = ("1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F")
"""The ``image_mode`` values ``Image`` accepts (besides ``None``: keep the file's mode)."""

_TYPES: Final = ["numpy", "pil", "filepath"]
_SOURCES: Final = ["upload", "webcam", "clipboard"]
_DEFAULT_BUTTONS: Final = ("download", "share", "fullscreen")
_STREAM_FORMAT: Final = "jpeg"
_DATA_URL: Final = "the data URL"
_EXIF_ORIENTATION: Final = 0x0112
_STREAMING_SOURCES_ERROR: Final = (
    "Image streaming only available if sources is ['webcam']. "
    "Streaming not supported with multiple sources."
)


class _DefaultFormat(str):
    """The type of ``format``'s default, so an explicit ``format="webp"`` can be told apart."""


_DEFAULT_FORMAT: Final = _DefaultFormat("webp")


@functools.cache
def writable_formats() -> tuple[str, ...]:
    """The lower-case names of the formats Pillow can write here (stub plugins excluded)."""
    PIL.Image.init()
    names = []
    for name in PIL.Image.SAVE:
        opener = PIL.Image.OPEN.get(name, (None,))[0]
        stub = isinstance(opener, type) and issubclass(opener, PIL.ImageFile.StubImageFile)
        if not stub:
            names.append(name.lower())
    return tuple(sorted(names))


class Image(Component):
    """An image input (upload, webcam, clipboard) or output, as ``gr.Image`` in Gradio 6.

    Every parameter is Gradio's, with its default; see the Image docs. Raises
    ``ValueError`` with Gradio's messages for a bad ``type`` or ``sources`` and for
    ``streaming=True`` with sources other than ``["webcam"]``, and (unlike Gradio, which
    fails later) for an unknown ``image_mode`` or a ``format`` Pillow cannot write.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("clear", "change", "stream", "select", "upload", "input")

    def __init__(
        self,
        value: ImageValue | Callable[..., Any] | None = None,
        *,
        format: str = _DEFAULT_FORMAT,
        height: int | str | None = None,
        width: int | str | None = None,
        image_mode: Literal["1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F"]
        | None = "RGB",
        sources: list[Literal["upload", "webcam", "clipboard"]]
        | Literal["upload", "webcam", "clipboard"]
        | None = None,
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
        streaming: bool = False,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = "value",
        webcam_options: WebcamOptions | None = None,
        placeholder: str | None = None,
        watermark: WatermarkOptions | Any = None,
        alt_text: str | None = None,
    ) -> None:
        # Attributes first: Component.__init__ postprocesses ``value`` with them.
        self.type = _check_type(type)
        self.image_mode = _check_image_mode(image_mode)
        self.format = str(format)
        self._format = _check_format(format)
        self._format_explicit = format is not _DEFAULT_FORMAT
        self.sources = _resolve_sources(sources, streaming)
        self.streaming = streaming
        if streaming and self.sources != ["webcam"]:
            raise ValueError(_STREAMING_SOURCES_ERROR)
        self.height = height
        self.width = width
        self.buttons: list[Any] = list(_DEFAULT_BUTTONS) if buttons is None else list(buttons)
        self.webcam_options = _resolve_webcam_options(webcam_options)
        self.placeholder = placeholder
        self.watermark = _resolve_watermark(watermark)
        self.alt_text = alt_text
        self.streamable = False
        self._selectable = False
        self._watermark_cache: tuple[object, PIL.Image.Image] | None = None
        _warn_if_fractional(scale)
        value, missing = take_author_file(value)  # Gradio takes the author's file at build
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
        if missing is not None:
            self.value = ImageData(
                path=str(missing), orig_name=missing.name, mime_type=_guess_mime(missing.name)
            )

    # -- configuration ------------------------------------------------------------------

    def mark_streaming(self) -> None:
        """Attaching ``.stream`` makes the image streaming (Gradio's behaviour)."""
        self.streaming = True

    def frame_input(self) -> Image:
        """An Image receives a stream's frames (:meth:`preprocess_frame`)."""
        return self

    def frame_output(self) -> Image:
        """An Image output carries a stream's image as bytes or pixels
        (:meth:`postprocess_to_bytes`, :meth:`postprocess_to_array`)."""
        return self

    def check_streamable(self) -> None:
        """Raise ``ValueError`` if this is a streaming image whose sources are not just
        the webcam (Gradio runs this when a ``.stream`` listener is attached)."""
        if self.streaming and self.sources != ["webcam"]:
            raise ValueError(_STREAMING_SOURCES_ERROR)

    def props(self) -> dict[str, Any]:
        """The config props clients receive (Gradio 6.31's list), JSON-serialisable."""
        return {
            **super().props(),
            "name": "image",
            "_selectable": self._selectable,
            "alt_text": self.alt_text,
            "buttons": [_button_prop(button) for button in self.buttons],
            "format": self.format,
            "height": self.height,
            "width": self.width,
            "image_mode": self.image_mode,
            "placeholder": self.placeholder,
            "proxy_url": None,
            "sources": list(self.sources),
            "streamable": self.streamable,
            "streaming": self.streaming,
            "type": self.type,
            "value": None if self.value is None else self.value.to_dict(),
            "watermark": True if self._has_watermark else None,
            "webcam_options": self.webcam_options.to_dict(),
        }

    def api_info(self) -> dict[str, Any]:
        """The JSON schema of the client-side value (an ``ImageData`` object)."""
        text_or_null = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        return {
            "title": "ImageData",
            "type": "object",
            "properties": {
                "path": {**text_or_null, "description": "Path to a file on the server"},
                "url": {
                    **text_or_null,
                    "description": "Publicly available url or base64 encoded image",
                },
                "size": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "orig_name": text_or_null,
                "mime_type": text_or_null,
                "is_stream": {"type": "boolean", "default": False},
                "meta": {"type": "object", "default": {"_type": "gradio.FileData"}},
            },
            "required": [],
        }

    @property
    def _has_watermark(self) -> bool:
        return self.watermark is not None and self.watermark.watermark is not None

    @property
    def _stream_format(self) -> str:
        """Streaming outputs are JPEG unless ``format`` was given explicitly."""
        return self._format if self._format_explicit else _STREAM_FORMAT

    # -- input --------------------------------------------------------------------------

    def preprocess(self, payload: ImageData | dict[str, Any] | None) -> Any:
        """Turn a client payload into the fn's argument, by Gradio's rules in its order.

        The image is a ``data:`` URL, a file on the server (``path``: an upload, or a file of
        the cache or of ``allowed_paths``) or an http(s) URL (``path`` or ``url``, as
        ``gradio_client``'s ``handle_file`` sends it), downloaded under the SSRF rules of
        :mod:`streamcore.media.url_fetch`. Its bytes must be in one of
        :data:`~streamcore.media.formats.IMAGE_FORMATS` (an SVG is passed as a file for
        ``type="filepath"``). A file the server writes (``type="filepath"`` after a mode
        conversion) keeps the image's own format, never the one ``orig_name`` claims.

        Returns ``None`` for ``None``; else a uint8 array (read-only for a ``data:`` URL,
        as in Gradio), a PIL image or a file path, as ``type`` says. Raises
        :class:`InvalidInputError` (a ``ValueError``) for a malformed payload or a missing
        path, :class:`UnsupportedImageError` for another format (and for an SVG unless
        ``type="filepath"``), :class:`ImageDecodeError` / :class:`ImageTooLargeError` for
        bytes that are damaged or over the policy's ``max_pixels``,
        :class:`PathNotAllowedError` for a path outside the allowed directories,
        :class:`MissingFileError` for a missing file and :class:`FetchError` for a URL that
        cannot be fetched. Messages name the file by the name the client gave.
        """
        if payload is None:
            return None
        data = ImageData.from_payload(payload)
        policy = current_file_access.get()
        if data.url is not None and data.url.startswith("data:"):
            return self._preprocess_data_url(data.url, policy)
        url = next((u for u in (data.path, data.url) if u is not None and is_http_url(u)), None)
        if url is not None:
            name = data.orig_name or _url_file_name(url)
            raw = fetch_image(url, policy, svg=_name_and_suffix(name)[1] == "svg")
            return self._preprocess_bytes(raw, None, name, name or url, policy)
        if data.path is None:
            raise InvalidInputError("Image path is None.")
        path = check_readable(data.path, policy, named_by_client=True, name=data.orig_name)
        shown = data.orig_name or data.path
        return self._preprocess_bytes(_FileBytes(path), path, data.orig_name, shown, policy)

    def _preprocess_bytes(
        self,
        source: bytes | _FileBytes,
        path: Path | None,
        orig_name: str | None,
        shown: str | None,
        policy: FileAccess,
    ) -> Any:
        """An uploaded or downloaded image (``path`` is its file, if it has one); ``shown``
        names it in messages."""
        stem, suffix = _name_and_suffix(orig_name)
        what = f"the file {_shown_name(shown)!r}"
        head = source if isinstance(source, bytes) else source.head()
        if suffix == "svg":
            if sniff(head) != "svg":
                raise UnsupportedImageError(f"{what} is named as an SVG but is not an SVG image")
            if self.type != "filepath":
                raise UnsupportedImageError(
                    "SVG files are not supported as input images for this app."
                )
            if path is not None:
                return str(path)
            return str(save_bytes_to_cache(source.read(), f"{stem}.svg", policy))  # type: ignore[union-attr]
        kind = check_format(head, IMAGE_FORMATS, what)  # before reading all of a file
        raw = source if isinstance(source, bytes) else source.read()
        image = decode_to_pil(raw, max_pixels=policy.max_pixels, what=what)
        if self.type == "filepath" and (
            self.image_mode in (None, image.mode) or _unchanged_gif(image, kind)
        ):
            if path is not None:
                return str(path)  # as Gradio: the original file, EXIF orientation not applied
            return str(save_bytes_to_cache(raw, f"{stem}.{kind}", policy))
        image = _exif_upright(image, what)
        if kind != "gif" and self.image_mode is not None:
            image = _convert_mode(image, self.image_mode)
        if self.type == "pil":
            return image
        if self.type == "numpy":
            return np.array(image)
        # Gradio writes the format orig_name's suffix names: kept when it is what the bytes
        # are, else (a lying or missing name) the component's format
        own = kind if suffix == kind and kind in writable_formats() else self._format
        encoded, fmt = _encode_pil_for_cache(image, own, max_pixels=policy.max_pixels)
        return str(save_bytes_to_cache(encoded, f"{stem}.{fmt}", policy))

    def _preprocess_data_url(self, url: str, policy: FileAccess) -> Any:
        """Webcam frames and pasted images: decoded and turned upright, never mode-converted."""
        _, data = parse_data_url(url)
        if self.type == "numpy":
            array = _decode_upright_array(data, policy.max_pixels)
            array.flags.writeable = False
            return array
        image = _exif_upright(
            decode_to_pil(data, max_pixels=policy.max_pixels, what=_DATA_URL), _DATA_URL
        )
        if self.type == "pil":
            return image
        encoded, fmt = _encode_pil_for_cache(image, self._format, max_pixels=policy.max_pixels)
        return str(save_bytes_to_cache(encoded, f"image.{fmt}", policy))

    def preprocess_frame(self, pixels: Pixels) -> Any:
        """The fn's argument for one decoded frame: ``pixels`` itself for ``type="numpy"``,
        a PIL image for ``"pil"``, a cached file (in ``format``) for ``"filepath"``."""
        if self.type == "numpy":
            return pixels
        if self.type == "pil":
            return PIL.Image.fromarray(pixels)
        encoded, fmt = _encode_pixels(pixels, self._format)
        return str(save_bytes_to_cache(encoded, f"image.{fmt}", current_file_access.get()))

    # -- output -------------------------------------------------------------------------

    def postprocess(self, value: Any) -> ImageData | None:
        """Turn the fn's return value into what clients receive.

        ``None`` gives ``None``. A ``str`` ending in ``.svg`` gives a ``data:image/svg+xml``
        URL. Arrays (converted by :func:`to_uint8`) and PIL images are encoded in
        ``format`` and saved in the cache, or with ``streaming=True`` returned inline as a
        ``data:`` URL (JPEG unless ``format`` was given). A local path is checked and
        returned as is (inline bytes when streaming); an http(s) URL is kept as a URL. A
        configured watermark is stamped first. Raises ``ValueError`` for other types and
        the errors of :func:`to_uint8`, :func:`check_readable` and :func:`fetch_image`.
        """
        if value is None:
            return None
        if isinstance(value, str) and value.lower().endswith(".svg"):
            return self._postprocess_svg(value)
        if not isinstance(value, (np.ndarray, PIL.Image.Image, str, Path)):
            raise ValueError(f"Cannot process this value as an Image, it is of type: {type(value)}")
        if self._has_watermark:
            value = self._watermarked(value)
        if isinstance(value, (str, Path)):
            return self._postprocess_location(str(value))
        if isinstance(value, np.ndarray):
            return self._pixels_result(_as_pixels(value), current_file_access.get())
        if self.streaming and stream_outputs_inline():
            data, fmt = self._encode_for_stream(value)
            mime_type = _mime_type(fmt)
            return ImageData(url=to_data_url(data, mime_type), mime_type=mime_type)
        data, fmt = _encode_pil_for_cache(value, self._format)
        path = save_bytes_to_cache(data, f"image.{fmt}", current_file_access.get())
        return ImageData(
            path=str(path), orig_name=path.name, size=len(data), mime_type=_mime_type(fmt)
        )

    def postprocess_later(self, value: Any) -> Callable[[], ImageData | None]:
        """:meth:`postprocess` in two steps, for a generator's yields: what reads ``value``
        runs now, and the returned ``finish()`` does the rest (encoding, writing the cache)
        from a private copy, so it may run in another thread after the fn has carried on,
        even if the fn then changes the array it yielded. ``finish()`` returns what
        ``postprocess(value)`` would have. Errors about the value (its type, shape, dtype)
        are raised now; ``finish()`` raises what encoding and the cache raise.

        Only arrays without a watermark are split (their encoding is the costly part);
        other values are postprocessed now and ``finish()`` returns the result.
        """
        if not isinstance(value, np.ndarray) or self._has_watermark:
            result = self.postprocess(value)
            return lambda: result
        pixels = _as_pixels(value)
        if np.may_share_memory(pixels, value):  # to_uint8 kept the caller's buffer
            pixels = pixels.copy()
        policy = current_file_access.get()
        return functools.partial(self._pixels_result, pixels, policy)

    def _pixels_result(self, pixels: Pixels, policy: FileAccess) -> ImageData:
        """Encode ``pixels``: inline when streaming, else a file of the cache."""
        if self.streaming and stream_outputs_inline():
            data, fmt = _encode_pixels(pixels, self._stream_format)
            mime_type = _mime_type(fmt)
            return ImageData(url=to_data_url(data, mime_type), mime_type=mime_type)
        data, fmt = _encode_pixels(pixels, self._format)
        path = save_bytes_to_cache(data, f"image.{fmt}", policy)
        return ImageData(
            path=str(path), orig_name=path.name, size=len(data), mime_type=_mime_type(fmt)
        )

    def postprocess_to_array(self, value: Any) -> Pixels:
        """The fn's return value as a ``(H, W, 3)`` uint8 RGB array, for a video track.

        Arrays go through :func:`to_uint8` (grey is repeated on 3 channels, alpha is
        dropped), PIL images are converted to RGB, paths and URLs are read and decoded,
        after the watermark. Raises ``ValueError`` as :meth:`postprocess_to_bytes`.
        """
        if not isinstance(value, (np.ndarray, PIL.Image.Image, str, Path)):
            raise ValueError(f"Cannot process this value as an Image, it is of type: {type(value)}")
        if self._has_watermark or not isinstance(value, np.ndarray):
            value = np.asarray(
                _to_pil(
                    self._watermarked(value) if self._has_watermark else value,
                    current_file_access.get(),
                ).convert("RGB")
            )
        pixels = _as_pixels(value)
        if pixels.ndim == 2:
            return np.repeat(pixels[:, :, np.newaxis], 3, axis=2)
        return pixels if pixels.shape[2] == 3 else np.ascontiguousarray(pixels[:, :, :3])

    def postprocess_to_bytes(self, value: Any) -> tuple[bytes, str]:
        """Encode the fn's return value for a binary transport: ``(bytes, mime type)``.

        Arrays and PIL images are encoded as for streaming (JPEG quality 75 unless
        ``format`` was given), after the watermark; paths, URLs and ``data:`` URLs give
        their bytes as stored. Raises ``ValueError`` for ``None`` and other types, and
        what :meth:`postprocess` raises.
        """
        if not isinstance(value, (np.ndarray, PIL.Image.Image, str, Path)):
            raise ValueError(f"Cannot process this value as an Image, it is of type: {type(value)}")
        if self._has_watermark:
            value = self._watermarked(value)
        if isinstance(value, (str, Path)):
            return _location_bytes(str(value), current_file_access.get())
        data, fmt = self._encode_for_stream(value)
        return data, _mime_type(fmt)

    def _encode_for_stream(self, value: npt.NDArray[Any] | PIL.Image.Image) -> tuple[bytes, str]:
        if isinstance(value, np.ndarray):
            return _encode_pixels(_as_pixels(value), self._stream_format)
        return _encode_pil(value, self._stream_format)

    def _postprocess_location(self, location: str) -> ImageData:
        policy = current_file_access.get()
        if location.startswith("data:"):
            return ImageData(url=location, mime_type=_data_url_mime(location))
        if is_http_url(location):
            return ImageData(url=location, orig_name=_url_file_name(location))
        if self.streaming and stream_outputs_inline():
            data, mime_type = _location_bytes(location, policy)
            return ImageData(url=to_data_url(data, mime_type), mime_type=mime_type)
        path = serve_returned_file(location, policy)
        return ImageData(path=str(path), orig_name=path.name, mime_type=_guess_mime(path.name))

    def _postprocess_svg(self, location: str) -> ImageData:
        if self._has_watermark:
            warnings.warn(
                "Watermarking for SVG images is currently not supported; "
                "the SVG is shown without the watermark.",
                UserWarning,
                stacklevel=3,
            )
        data, _ = _location_bytes(location, current_file_access.get())
        name = _url_file_name(location) if is_http_url(location) else Path(location).name
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImageDecodeError(f"The SVG file {name!r} is not UTF-8 text: {exc}") from exc
        return ImageData(url="data:image/svg+xml," + quote(text), orig_name=name)

    def _watermarked(self, value: ImageValue) -> PIL.Image.Image:
        """``value`` as a PIL image with the watermark pasted on (opened once per source)."""
        assert self.watermark is not None
        source = self.watermark.watermark
        assert source is not None
        if self._watermark_cache is None or self._watermark_cache[0] is not source:
            self._watermark_cache = (source, load_watermark(source))
        base = _to_pil(value, current_file_access.get())
        return paste_watermark(base, self._watermark_cache[1], self.watermark.position)


# -- constructor helpers ----------------------------------------------------------------


def _check_type(value: str) -> str:
    if value not in _TYPES:
        raise ValueError(
            f"Invalid value for parameter `type`: {value}. Please choose from one of: {_TYPES}"
        )
    return value


def _check_image_mode(mode: str | None) -> str | None:
    if mode is not None and mode not in IMAGE_MODES:
        raise ValueError(
            f"Invalid value for parameter `image_mode`: {mode!r}. Please choose from one of: "
            f"{list(IMAGE_MODES)} or None (keep each file's own mode)"
        )
    return mode


def _check_format(fmt: str) -> str:
    name = normalize_format(str(fmt))
    if name not in writable_formats():
        raise ValueError(
            f"Invalid value for parameter `format`: {fmt!r} is not a format Pillow can write. "
            f"Please choose from one of: {list(writable_formats())}"
        )
    return name


def _resolve_sources(sources: str | Iterable[str] | None, streaming: bool) -> list[str]:
    if sources is None:
        return ["webcam"] if streaming else list(_SOURCES)
    resolved = [sources] if isinstance(sources, str) else list(sources)
    for source in resolved:
        if source not in _SOURCES:
            raise ValueError(f"`sources` must a list consisting of elements in {_SOURCES}")
    return resolved


def _resolve_webcam_options(options: WebcamOptions | None) -> WebcamOptions:
    if options is None:
        return WebcamOptions()
    if not isinstance(options, WebcamOptions):
        raise ValueError(
            f"webcam_options must be a WebcamOptions or None, got {type(options).__name__}"
        )
    return options


def _resolve_watermark(watermark: object) -> WatermarkOptions | None:
    """``None`` stays ``None``; a bare image or path is wrapped; anything else is passed to
    ``WatermarkOptions`` so it raises Gradio's message (Gradio drops it silently)."""
    if watermark is None or isinstance(watermark, WatermarkOptions):
        return watermark
    return WatermarkOptions(watermark=watermark)  # type: ignore[arg-type]


def _warn_if_fractional(scale: float | None) -> None:
    if scale is not None and scale != round(scale):
        warnings.warn(
            f"'scale' value should be an integer. Using {scale} will cause issues.",
            UserWarning,
            stacklevel=3,
        )


def _button_prop(button: object) -> object:
    """Built-in buttons are names; a button component is sent as its id."""
    if isinstance(button, str):
        return button
    return {"id": getattr(button, "id", None)}


# -- decoding -----------------------------------------------------------------------------


class _FileBytes:
    """A file's bytes, read on demand: its first bytes alone, to check the format before
    the whole file is read."""

    _HEAD = 4096

    def __init__(self, path: Path) -> None:
        self.path = path

    def head(self) -> bytes:
        with self.path.open("rb") as file:
            return file.read(self._HEAD)

    def read(self) -> bytes:
        return self.path.read_bytes()


def _shown_name(name: str | None) -> str:
    """A client's file name for a message: its base name, at most 80 characters."""
    base = PurePosixPath((name or "image").replace("\\", "/")).name or "image"
    return base if len(base) <= 80 else base[:77] + "..."


def _name_and_suffix(orig_name: str | None) -> tuple[str, str]:
    """Stem and normalised format from the uploaded file's name (Gradio: ``image``/``webp``)."""
    if not orig_name:
        return "image", "webp"
    pure = PurePosixPath(orig_name.replace("\\", "/"))
    return pure.stem or "image", normalize_format(pure.suffix)


def _decode_upright_array(data: bytes, max_pixels: int) -> npt.NDArray[Any]:
    """Decode to an array as Gradio does (``np.asarray`` of the upright PIL image), using the
    fast JPEG decoder when the result is the same: a colour JPEG with no EXIF block."""
    if _is_plain_colour_jpeg(data):
        return decode(data, max_pixels=max_pixels, what=_DATA_URL)
    image = decode_to_pil(data, max_pixels=max_pixels, what=_DATA_URL)
    return np.asarray(_exif_upright(image, _DATA_URL))


def _is_plain_colour_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a 3-component JPEG whose headers carry no EXIF segment."""
    if not data.startswith(b"\xff\xd8"):
        return False
    components, pos, end = 0, 2, len(data)
    while pos + 4 <= end and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the headers are over
            return components == 3
        if marker == 0xE1 and data[pos + 4 : pos + 10] == b"Exif\x00\x00":
            return False
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and pos + 9 < end:
            components = data[pos + 9]
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return False


def _unchanged_gif(image: PIL.Image.Image, suffix: str) -> bool:
    """Whether Gradio's preprocessing would write ``image`` back as it is: a GIF (its mode
    is never converted) with no EXIF orientation to apply. A ``filepath`` input then gets
    the uploaded file itself instead of a copy that re-encodes every frame."""
    if suffix != "gif" or image.format != "GIF":
        return False
    try:
        return bool(image.getexif().get(_EXIF_ORIENTATION, 1) == 1)
    except Exception:  # unreadable EXIF: _exif_upright keeps the image as it is
        return True


def _exif_upright(image: PIL.Image.Image, source: str) -> PIL.Image.Image:
    """Apply the EXIF orientation, if any; on failure warn (as Gradio) and keep ``image``."""
    try:
        if image.getexif().get(_EXIF_ORIENTATION, 1) == 1:
            return image
        transposed = PIL.ImageOps.exif_transpose(image)
    except Exception:
        warnings.warn(f"Failed to transpose image {source} based on EXIF data.", stacklevel=2)
        return image
    return image if transposed is None else transposed


def _convert_mode(image: PIL.Image.Image, mode: str) -> PIL.Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. palette transparency notes, as Gradio
        return image.convert(mode)


def _to_pil(value: ImageValue, policy: FileAccess) -> PIL.Image.Image:
    if isinstance(value, PIL.Image.Image):
        return value
    if isinstance(value, np.ndarray):
        return PIL.Image.fromarray(_as_pixels(value))
    data, _ = _location_bytes(str(value), policy)
    return decode_to_pil(data, max_pixels=policy.max_pixels)


def _location_bytes(location: str, policy: FileAccess) -> tuple[bytes, str]:
    """The bytes and mime type behind a ``data:`` URL, an http(s) URL or an allowed path."""
    if location.startswith("data:"):
        return parse_data_url(location)[1], _data_url_mime(location)
    if is_http_url(location):
        svg = urlsplit(location).path.lower().endswith(".svg")
        data = fetch_image(location, policy, svg=svg)
        kind = sniff(data)
        return data, "image/svg+xml" if kind == "svg" else _mime_type(kind or "png")
    path = readable_returned_file(location, policy)
    return path.read_bytes(), _guess_mime(path.name)


# -- encoding -----------------------------------------------------------------------------


def _as_pixels(array: npt.NDArray[Any]) -> Pixels:
    """``to_uint8`` plus a shape check; ``(H, W, 1)`` is taken as ``(H, W)``."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ValueError(
            f"Cannot process an image array of shape {array.shape}: expected (height, width), "
            "(height, width, 3) for RGB or (height, width, 4) for RGBA"
        )
    return to_uint8(array)


def _encode_pixels(pixels: Pixels, fmt: str) -> tuple[bytes, str]:
    """Encode in ``fmt``, or in PNG if ``fmt`` cannot hold these pixels; returns the format used."""
    try:
        return encode(pixels, fmt), fmt
    except (OSError, ValueError):
        return encode(pixels, "png"), "png"


def _encode_pil(image: PIL.Image.Image, fmt: str) -> tuple[bytes, str]:
    try:
        return encode_pil(image, fmt), fmt
    except (OSError, ValueError):
        return _encode_pil_for_cache(image, "png")


def _encode_pil_for_cache(
    image: PIL.Image.Image, fmt: str, *, max_pixels: int | None = None
) -> tuple[bytes, str]:
    """Encode as Gradio's cache does (every GIF frame, PNG text, EXIF), in ``fmt`` if it can
    hold the image, else PNG, else TIFF (CMYK, LAB, I, F...), else as an RGB PNG (HSV).

    Returns the bytes and the format used. JPEG drops alpha rather than failing. With
    ``max_pixels`` (a client's input), an animation whose frames together hold more
    pixels is refused with :class:`ImageTooLargeError` before any frame is encoded.
    """
    if fmt == "gif" and max_pixels is not None:  # the one format written frame by frame
        _check_all_frames(image, getattr(image, "n_frames", 1), max_pixels)
    writable = writable_formats()
    for candidate in dict.fromkeys((fmt, "png", "tiff")):
        if candidate in writable:
            try:
                return _save_with_metadata(image, candidate), candidate
            except (OSError, ValueError):
                continue
    return _save_with_metadata(image.convert("RGB"), "png"), "png"


def _check_all_frames(image: PIL.Image.Image, frames: int, max_pixels: int) -> None:
    """Refuse re-encoding ``frames`` frames of ``image`` when they hold more than
    ``max_pixels`` pixels together (each frame is a whole canvas to the encoder). Counting
    the frames reads the file's frame headers, not their pixels."""
    total = frames * image.width * image.height
    if total > max_pixels:
        raise ImageTooLargeError(
            f"the animation has {frames} frames of {image.width}x{image.height}, "
            f"{total} pixels in all, over the limit of {max_pixels} pixels for all the "
            "frames of an input image (send fewer or smaller frames; the server's "
            "max_pixels sets the limit)"
        )


def _save_with_metadata(image: PIL.Image.Image, fmt: str) -> bytes:
    options: dict[str, Any] = {}
    if fmt == "gif" and getattr(image, "n_frames", 1) > 1:
        options = {"save_all": True, "loop": 0}
    elif fmt == "png" and (texts := _png_texts(image)):
        info = PIL.PngImagePlugin.PngInfo()
        for key, text in texts.items():
            info.add_text(key, text)
        options["pnginfo"] = info
    elif "exif" in image.info:
        options["exif"] = image.info["exif"]
    if fmt == "webp":
        options["method"] = webp_method()
    if fmt == "jpeg" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt.upper(), **options)
    return buffer.getvalue()


def _png_texts(image: PIL.Image.Image) -> dict[str, str]:
    """The text metadata to keep in a PNG (Gradio's rule): every ``str`` item of the
    image's ``info`` (a generator's ``parameters``, say), and a PNG's own text chunks."""
    texts = {k: v for k, v in image.info.items() if isinstance(k, str) and isinstance(v, str)}
    chunks = getattr(image, "text", None)
    if isinstance(chunks, dict):
        texts.update({k: v for k, v in chunks.items() if isinstance(v, str)})
    return texts


# -- mime types and names -------------------------------------------------------------------


def _mime_type(fmt: str) -> str:
    return MIME_TYPES.get(fmt) or PIL.Image.MIME.get(fmt.upper(), "application/octet-stream")


def _guess_mime(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".svg":
        return "image/svg+xml"
    fmt = PIL.Image.registered_extensions().get(suffix)
    if fmt is not None:
        return _mime_type(fmt.lower())
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _data_url_mime(url: str) -> str:
    return url[5:].split(",", 1)[0].split(";", 1)[0] or "text/plain"


def _url_file_name(url: str) -> str | None:
    return PurePosixPath(urlsplit(url).path).name or None
