"""Image: Gradio 6's constructor, preprocess and postprocess rules, and the streaming paths."""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import hypothesis.extra.numpy as hnp
import numpy as np
import PIL.Image
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcore.components import image as image_module
from streamcore.components.image import IMAGE_MODES, Image, writable_formats
from streamcore.errors import (
    ImageDecodeError,
    ImageTooLargeError,
    InvalidInputError,
    PathNotAllowedError,
    UnsupportedImageError,
)
from streamcore.media import encoding
from streamcore.media.encoding import decode, encode, parse_data_url, to_data_url
from streamcore.media.files import FileAccess, use_file_access
from streamcore.media.image_data import ImageData
from streamcore.media.options import WatermarkOptions, WebcamOptions

SOURCES_ERROR = "`sources` must a list consisting of elements in ['upload', 'webcam', 'clipboard']"
STREAMING_ERROR = (
    "Image streaming only available if sources is ['webcam']. "
    "Streaming not supported with multiple sources."
)


@pytest.fixture(autouse=True)
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    """Every test reads from tmp_path/files and writes to tmp_path/cache only."""
    (tmp_path / "files").mkdir()
    access = FileAccess(cache_dir=tmp_path / "cache", allowed_paths=(tmp_path / "files",))
    with use_file_access(access):
        yield access


@pytest.fixture
def files(policy: FileAccess) -> Path:
    return policy.allowed_paths[0]


def _cached(policy: FileAccess) -> list[Path]:
    """The files written to the cache (the hash seed aside)."""
    if not policy.cache_dir.exists():
        return []
    return [p for p in policy.cache_dir.rglob("*") if p.is_file() and p.name != ".hash_seed"]


def _pixels(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    shape = (height, width) if channels == 1 else (height, width, channels)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _write(image: PIL.Image.Image, path: Path, **options: Any) -> Path:
    image.save(path, **options)
    return path


def _payload(path: Path, orig_name: str | None = None) -> dict[str, Any]:
    return {"path": str(path), "orig_name": orig_name if orig_name is not None else path.name}


def _smooth(height: int, width: int) -> np.ndarray:
    x = np.linspace(0, 1, width)[None, :, None]
    y = np.linspace(0, 1, height)[:, None, None]
    return np.round(255 * np.concatenate([x * (1 - y) + 0 * y, y * np.ones_like(x), 1 - x * y], 2))


@pytest.fixture
def rgba_png(files: Path) -> Path:
    return _write(PIL.Image.fromarray(_pixels(3, 4, 4)), files / "rgba.png")


@pytest.fixture
def l_png(files: Path) -> Path:
    return _write(PIL.Image.fromarray(_pixels(3, 4, 1)), files / "l.png")


@pytest.fixture
def rgb_jpg(files: Path) -> Path:
    return _write(PIL.Image.fromarray(_pixels(3, 4, 3)), files / "rgb.jpg")


@pytest.fixture
def gif(files: Path) -> Path:
    frames = [PIL.Image.new("P", (4, 3), 0), PIL.Image.new("P", (4, 3), 0)]
    for frame, colour in zip(frames, (3, 7), strict=False):
        frame.putpalette([v for i in range(16) for v in (i * 16, 255 - i * 16, i)])
        frame.putpixel((1, 1), colour)
    frames[0].save(files / "anim.gif", save_all=True, append_images=frames[1:], loop=0)
    return files / "anim.gif"


@pytest.fixture
def exif_jpg(files: Path) -> Path:
    """4x2 stored, EXIF orientation 6: shown as 2 wide, 4 high."""
    exif = PIL.Image.Exif()
    exif[0x0112] = 6
    return _write(PIL.Image.new("RGB", (4, 2), (200, 30, 30)), files / "exif.jpg", exif=exif)


@pytest.fixture
def svg(files: Path) -> Path:
    path = files / "logo.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"></svg>')
    return path


# -- module surface -------------------------------------------------------------------------


def test_exports() -> None:
    assert set(image_module.__all__) == {"IMAGE_MODES", "Image", "ImageValue", "writable_formats"}


def test_events() -> None:
    assert Image.EVENTS == ("clear", "change", "stream", "select", "upload", "input")


def test_writable_formats_exclude_stub_plugins() -> None:
    formats = writable_formats()
    assert {"png", "jpeg", "webp", "gif", "bmp", "tiff"} <= set(formats)
    assert not {"bufr", "grib", "hdf5", "wmf", "jpg"} & set(formats)


# -- constructor --------------------------------------------------------------------------


def test_signature_matches_gradio_order_and_defaults() -> None:
    parameters = inspect.signature(Image).parameters
    expected = {
        "value": None,
        "format": "webp",
        "height": None,
        "width": None,
        "image_mode": "RGB",
        "sources": None,
        "type": "numpy",
        "label": None,
        "every": None,
        "inputs": None,
        "show_label": None,
        "buttons": None,
        "container": True,
        "scale": None,
        "min_width": 160,
        "interactive": None,
        "visible": True,
        "streaming": False,
        "elem_id": None,
        "elem_classes": None,
        "render": True,
        "key": None,
        "preserved_by_key": "value",
        "webcam_options": None,
        "placeholder": None,
        "watermark": None,
        "alt_text": None,
    }
    assert list(parameters) == list(expected)
    assert {name: p.default for name, p in parameters.items()} == expected
    kinds = {name: p.kind for name, p in parameters.items()}
    assert kinds.pop("value") == inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert set(kinds.values()) == {inspect.Parameter.KEYWORD_ONLY}


def test_defaults() -> None:
    image = Image()
    assert image.format == "webp"
    assert image._format_explicit is False
    assert image.image_mode == "RGB"
    assert image.type == "numpy"
    assert image.sources == ["upload", "webcam", "clipboard"]
    assert image.buttons == ["download", "share", "fullscreen"]
    assert image.streaming is False
    assert image.webcam_options == WebcamOptions()
    assert image.watermark is None
    assert image.value is None
    assert image.preserved_by_key == ["value"]
    assert image.min_width == 160


def test_explicit_format_is_remembered_even_when_it_is_the_default() -> None:
    assert Image(format="webp")._format_explicit is True
    assert Image(format="png")._format_explicit is True


def test_bad_type_message() -> None:
    expected = (
        "Invalid value for parameter `type`: bogus. "
        "Please choose from one of: ['numpy', 'pil', 'filepath']"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        Image(type="bogus")  # type: ignore[arg-type]


@pytest.mark.parametrize("sources", [["upload", "camera"], "screen", ["Upload"]])
def test_bad_sources_message(sources: Any) -> None:
    with pytest.raises(ValueError, match=re.escape(SOURCES_ERROR)):
        Image(sources=sources)


def test_sources_normalisation() -> None:
    assert Image(sources="upload").sources == ["upload"]
    assert Image(sources=[]).sources == []
    assert Image(sources=("webcam", "clipboard")).sources == ["webcam", "clipboard"]  # type: ignore[arg-type]
    assert Image(streaming=True).sources == ["webcam"]
    assert Image(streaming=True, sources="webcam").sources == ["webcam"]


@pytest.mark.parametrize("sources", [["upload"], ["webcam", "upload"], []])
def test_streaming_needs_webcam_only(sources: Any) -> None:
    with pytest.raises(ValueError, match=re.escape(STREAMING_ERROR)):
        Image(streaming=True, sources=sources)


def test_check_streamable_only_for_streaming_images() -> None:
    image = Image(sources=["upload"])
    image.check_streamable()  # as Gradio: .stream() checks before it sets streaming
    image.streaming = True
    with pytest.raises(ValueError, match=re.escape(STREAMING_ERROR)):
        image.check_streamable()
    Image(streaming=True).check_streamable()


@pytest.mark.parametrize("mode", [*IMAGE_MODES, None])
def test_documented_image_modes_accepted(mode: Any) -> None:
    assert Image(image_mode=mode).image_mode == mode


@pytest.mark.parametrize("mode", ["XYZ", "rgb", "LA", ""])
def test_unknown_image_mode_refused(mode: str) -> None:
    with pytest.raises(
        ValueError, match=rf"`image_mode`: '{mode}'\. Please choose from one of: \["
    ):
        Image(image_mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["bogus", "svg", "bufr", ""])
def test_unwritable_format_refused_with_the_valid_list(fmt: str) -> None:
    with pytest.raises(ValueError, match="is not a format Pillow can write") as caught:
        Image(format=fmt)
    message = str(caught.value)
    assert f"`format`: {fmt!r} is not a format Pillow can write" in message
    assert "'png'" in message
    assert "'webp'" in message
    assert "'jpeg'" in message


@pytest.mark.parametrize(("fmt", "internal"), [("JPG", "jpeg"), ("png", "png"), ("TIF", "tiff")])
def test_format_aliases(fmt: str, internal: str) -> None:
    image = Image(format=fmt)
    assert image.format == fmt
    assert image._format == internal


def test_fractional_scale_warns_like_gradio() -> None:
    message = "'scale' value should be an integer. Using 1.5 will cause issues."
    with pytest.warns(UserWarning, match=re.escape(message)):
        Image(scale=1.5)  # type: ignore[arg-type]


def test_integral_scale_does_not_warn() -> None:
    assert Image(scale=2).scale == 2
    assert Image(scale=2.0).scale == 2.0  # type: ignore[arg-type]


def test_webcam_options() -> None:
    options = WebcamOptions(mirror=False)
    assert Image(webcam_options=options).webcam_options is options
    with pytest.raises(
        ValueError, match="webcam_options must be a WebcamOptions or None, got dict"
    ):
        Image(webcam_options={"mirror": False})  # type: ignore[arg-type]


def test_watermark_wrapping(files: Path) -> None:
    options = WatermarkOptions(watermark=str(files / "m.png"), position="top-left")
    assert Image(watermark=options).watermark is options
    wrapped = Image(watermark=files / "m.png").watermark
    assert wrapped == WatermarkOptions(watermark=files / "m.png")
    with pytest.raises(ValueError, match="Watermark must be a string path, Path, PIL Image"):
        Image(watermark=123)


def test_buttons_pass_through_unvalidated() -> None:
    class Button:
        id = 42

    image = Image(buttons=["copy", Button()])
    assert image.props()["buttons"] == ["copy", {"id": 42}]
    assert Image(buttons=[]).buttons == []


def test_props_are_gradios_list_and_json_serialisable(files: Path) -> None:
    mark = _write(PIL.Image.new("RGBA", (2, 2)), files / "m.png")
    image = Image(
        np.zeros((2, 2, 3), np.uint8),
        label="in",
        watermark=mark,
        height=300,
        width="50%",
        webcam_options=WebcamOptions(constraints={"width": 640}),
        placeholder="# Drop",
        alt_text="a picture",
        key=("a", 1),
    )
    props = image.props()
    documented = {
        "_selectable", "alt_text", "buttons", "container", "elem_classes", "elem_id",
        "format", "height", "image_mode", "interactive", "key", "label", "min_width",
        "name", "placeholder", "preserved_by_key", "proxy_url", "scale", "show_label",
        "sources", "streamable", "streaming", "type", "value", "visible", "watermark",
        "webcam_options", "width",
    }  # fmt: skip
    assert set(props) == documented
    json.dumps(props)
    assert props["watermark"] is True
    assert props["webcam_options"] == {"mirror": True, "constraints": {"width": 640}}
    assert props["value"]["orig_name"] == "image.webp"
    assert props["key"] == ["a", 1]
    assert props["name"] == "image"
    assert Image().props()["watermark"] is None


def test_api_info_describes_image_data() -> None:
    info = Image().api_info()
    json.dumps(info)
    assert info["title"] == "ImageData"
    assert set(info["properties"]) == {
        "path", "url", "size", "orig_name", "mime_type", "is_stream", "meta"
    }  # fmt: skip


def test_value_is_postprocessed_at_construction(policy: FileAccess) -> None:
    image = Image(np.full((2, 3, 3), 0.5))
    assert isinstance(image.value, ImageData)
    assert image.value.path is not None
    assert Path(image.value.path).parent.parent == policy.cache_dir
    assert Path(image.value.path).is_file()


def test_callable_value_is_not_called_at_construction(policy: FileAccess) -> None:
    calls: list[int] = []

    def load() -> np.ndarray:
        calls.append(1)
        return np.zeros((2, 2, 3), np.uint8)

    image = Image(load)
    assert image.load_fn is load
    assert image.value is None
    assert calls == []
    assert _cached(policy) == []


# -- preprocess: files ----------------------------------------------------------------------


def test_preprocess_none() -> None:
    assert Image().preprocess(None) is None


def test_path_none_message() -> None:
    with pytest.raises(InvalidInputError, match=r"^Image path is None\.$") as caught:
        Image().preprocess({"orig_name": "a.png"})
    assert isinstance(caught.value, ValueError)


def test_malformed_payload() -> None:
    with pytest.raises(InvalidInputError, match="field 'path' must be a string or null"):
        Image().preprocess({"path": 3})


@pytest.mark.parametrize(
    ("fixture", "mode", "shape"),
    [
        ("rgba_png", "RGB", (3, 4, 3)),
        ("l_png", "RGB", (3, 4, 3)),
        ("rgb_jpg", "RGB", (3, 4, 3)),
        ("rgba_png", "L", (3, 4)),
        ("rgb_jpg", "L", (3, 4)),
        ("rgba_png", "RGBA", (3, 4, 4)),
        ("l_png", "RGBA", (3, 4, 4)),
        ("rgba_png", None, (3, 4, 4)),
        ("l_png", None, (3, 4)),
        ("rgb_jpg", None, (3, 4, 3)),
    ],
)
def test_numpy_shape_table(
    fixture: str, mode: Any, shape: tuple[int, ...], request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(fixture)
    result = Image(image_mode=mode).preprocess(_payload(path))
    assert isinstance(result, np.ndarray)
    assert result.shape == shape
    assert result.dtype == np.uint8
    assert result.flags.writeable


def test_numpy_values_are_the_file_pixels(rgba_png: Path) -> None:
    result = Image(image_mode="RGBA").preprocess(_payload(rgba_png))
    np.testing.assert_array_equal(result, _pixels(3, 4, 4))
    rgb = Image().preprocess(_payload(rgba_png))
    np.testing.assert_array_equal(rgb, _pixels(3, 4, 4)[:, :, :3])  # alpha dropped


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", None])
def test_gif_gives_first_frame_palette_indices(gif: Path, mode: Any) -> None:
    with PIL.Image.open(gif) as animated:
        first = np.array(animated)
        animated.seek(1)
        second = np.array(animated.convert("P"))
    result = Image(image_mode=mode).preprocess(_payload(gif))
    assert result.shape == (3, 4)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, first)  # palette indices of frame 0, not colours
    assert result[1, 1] != second[1, 1]


def test_i_and_f_modes_give_int32_and_float32(l_png: Path) -> None:
    assert Image(image_mode="I").preprocess(_payload(l_png)).dtype == np.int32
    assert Image(image_mode="F").preprocess(_payload(l_png)).dtype == np.float32


@pytest.mark.parametrize("kind", ["numpy", "pil"])
def test_exif_orientation_is_applied(exif_jpg: Path, kind: Any) -> None:
    result = Image(type=kind).preprocess(_payload(exif_jpg))
    size = result.shape[:2] if kind == "numpy" else result.size[::-1]
    assert tuple(size) == (4, 2)


def test_filepath_early_return_keeps_the_original_unrotated(exif_jpg: Path) -> None:
    result = Image(type="filepath").preprocess(_payload(exif_jpg))
    assert result == str(exif_jpg)
    assert Image(type="filepath", image_mode=None).preprocess(_payload(exif_jpg)) == str(exif_jpg)


def test_filepath_conversion_is_cached_with_orig_stem_and_suffix(
    rgba_png: Path, policy: FileAccess
) -> None:
    result = Image(type="filepath").preprocess(_payload(rgba_png, "holiday photo.png"))
    path = Path(result)
    assert path.name == "holiday photo.png"
    assert path.parent.parent == policy.cache_dir
    with PIL.Image.open(path) as saved:
        assert saved.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(saved), _pixels(3, 4, 4)[:, :, :3])


def test_filepath_rotation_is_cached_when_converting(exif_jpg: Path) -> None:
    result = Image(type="filepath", image_mode="L").preprocess(_payload(exif_jpg, "r.JPG"))
    assert Path(result).name == "r.jpeg"
    with PIL.Image.open(result) as saved:
        assert saved.size == (2, 4)
        assert saved.mode == "L"


def test_filepath_without_orig_name_is_image_webp(rgba_png: Path) -> None:
    result = Image(type="filepath").preprocess({"path": str(rgba_png)})
    assert Path(result).name == "image.webp"
    with PIL.Image.open(result) as saved:
        assert saved.format == "WEBP"


def test_filepath_rgba_to_jpeg_does_not_crash(rgb_jpg: Path) -> None:
    # Gradio raises "cannot write mode RGBA as JPEG" here; the alpha is dropped instead.
    result = Image(type="filepath", image_mode="RGBA").preprocess(_payload(rgb_jpg))
    assert Path(result).name == "rgb.jpeg"
    with PIL.Image.open(result) as saved:
        assert (saved.format, saved.mode, saved.size) == ("JPEG", "RGB", (4, 3))


def test_filepath_mode_png_cannot_hold_falls_back(l_png: Path) -> None:
    result = Image(type="filepath", image_mode="F").preprocess(_payload(l_png))
    assert Path(result).name == "l.tiff"
    with PIL.Image.open(result) as saved:
        assert saved.mode == "F"


def test_filepath_suffix_that_is_not_the_images_format_gives_the_components_format(
    rgba_png: Path,
) -> None:
    # Gradio writes what the suffix names (here HEIC, failing to PNG); the client's name
    # never picks the server's encoder here: the component's format is used
    result = Image(type="filepath").preprocess(_payload(rgba_png, "upload.heic"))
    assert Path(result).name == "upload.webp"
    result = Image(type="filepath", format="png").preprocess(_payload(rgba_png, "up.pdf"))
    assert Path(result).name == "up.png"


def test_filepath_gif_is_the_uploaded_file_itself(gif: Path) -> None:
    # Gradio re-saves it, every frame, unchanged (a GIF's mode is never converted): the
    # file itself is passed instead, so its frames are never re-encoded
    result = Image(type="filepath").preprocess(_payload(gif))
    assert Path(result) == gif
    with PIL.Image.open(result) as saved:
        assert saved.n_frames == 2


def test_an_animation_re_encoded_counts_every_frame_against_max_pixels(
    policy: FileAccess,
) -> None:
    frames = [PIL.Image.new("L", (100, 100), 40 * i) for i in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    url = to_data_url(buffer.getvalue(), "image/gif")
    image = Image(type="filepath", format="gif")
    with use_file_access(dataclasses.replace(policy, max_pixels=40_000)):
        with pytest.raises(ImageTooLargeError) as refused:
            image.preprocess({"url": url})
        assert str(refused.value).startswith(
            "the animation has 5 frames of 100x100, 50000 pixels in all, over the limit of "
            "40000 pixels"
        )
    with use_file_access(dataclasses.replace(policy, max_pixels=50_000)):
        saved = image.preprocess({"url": url})
    with PIL.Image.open(saved) as opened:
        assert opened.n_frames == 5


def test_identical_uploads_share_a_cache_file(rgba_png: Path, files: Path) -> None:
    copy = files / "copy.png"
    copy.write_bytes(rgba_png.read_bytes())
    image = Image(type="filepath")
    first = image.preprocess(_payload(rgba_png, "x.png"))
    assert image.preprocess(_payload(copy, "x.png")) == first


def test_pil_results(rgba_png: Path, gif: Path) -> None:
    converted = Image(type="pil", image_mode="L").preprocess(_payload(rgba_png))
    assert (converted.mode, converted.format, converted.size) == ("L", None, (4, 3))
    native = Image(type="pil", image_mode=None).preprocess(_payload(rgba_png))
    assert (native.mode, native.format) == ("RGBA", "PNG")
    animated = Image(type="pil").preprocess(_payload(gif))
    assert (animated.mode, animated.n_frames) == ("P", 2)


@pytest.mark.parametrize("kind", ["numpy", "pil"])
def test_svg_refused_unless_filepath(svg: Path, kind: Any) -> None:
    message = "SVG files are not supported as input images for this app."
    with pytest.raises(UnsupportedImageError, match=f"^{re.escape(message)}$"):
        Image(type=kind).preprocess(_payload(svg))


def test_svg_filepath_returns_the_path(svg: Path) -> None:
    assert Image(type="filepath").preprocess(_payload(svg, "LOGO.SVG")) == str(svg)


def test_path_outside_allowed_is_refused(tmp_path: Path) -> None:
    outside = _write(PIL.Image.new("RGB", (2, 2)), tmp_path / "outside.png")
    with pytest.raises(PathNotAllowedError, match="not one this server gave or received"):
        Image().preprocess(_payload(outside))


def test_missing_file(files: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Image().preprocess(_payload(files / "gone.png"))


def test_not_an_image(files: Path) -> None:
    (files / "notes.png").write_text("hello")
    with pytest.raises(ImageDecodeError, match="not an image in a format this server reads"):
        Image().preprocess(_payload(files / "notes.png"))


def test_truncated_file(files: Path) -> None:
    data = encode(_pixels(40, 40, 3), "png")
    (files / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match="damaged or truncated"):
        Image().preprocess(_payload(files / "cut.png"))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (a decompression bomb's calling card)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize("kind", ["numpy", "pil", "filepath"])
def test_decompression_bomb_file_refused(files: Path, kind: Any) -> None:
    (files / "bomb.png").write_bytes(_png_header_only(50_000, 50_000))
    with pytest.raises(ImageTooLargeError):
        Image(type=kind).preprocess(_payload(files / "bomb.png"))


def test_pixel_limit_comes_from_the_policy(rgba_png: Path, policy: FileAccess) -> None:
    tiny = FileAccess(cache_dir=policy.cache_dir, allowed_paths=policy.allowed_paths, max_pixels=11)
    with use_file_access(tiny), pytest.raises(ImageTooLargeError, match="over the limit of 11"):
        Image().preprocess(_payload(rgba_png))
    url = to_data_url(rgba_png.read_bytes(), "image/png")
    with use_file_access(tiny), pytest.raises(ImageTooLargeError):
        Image().preprocess({"url": url})


# -- preprocess: data URLs (webcam frames) ----------------------------------------------


def _jpeg_url(pixels: np.ndarray, **options: Any) -> str:
    buffer = io.BytesIO()
    PIL.Image.fromarray(pixels).save(buffer, "JPEG", **options)
    return to_data_url(buffer.getvalue(), "image/jpeg")


def test_data_url_numpy_is_read_only_and_right() -> None:
    pixels = np.round(_smooth(24, 32)).astype(np.uint8)
    result = Image().preprocess({"url": _jpeg_url(pixels, quality=95)})
    assert result.shape == (24, 32, 3)
    assert result.dtype == np.uint8
    assert not result.flags.writeable
    assert np.abs(result.astype(int) - pixels).mean() < 3


def test_data_url_ignores_image_mode() -> None:
    jpeg = _jpeg_url(_pixels(3, 4, 3))
    assert Image(image_mode="L").preprocess({"url": jpeg}).shape == (3, 4, 3)
    png = to_data_url(encode(_pixels(3, 4, 4), "png"), "image/png")
    assert Image(image_mode="RGB").preprocess({"url": png}).shape == (3, 4, 4)


def test_data_url_grayscale_jpeg_stays_2d() -> None:
    result = Image().preprocess({"url": _jpeg_url(_pixels(8, 8, 1))})
    assert result.shape == (8, 8)


def test_data_url_exif_rotation(exif_jpg: Path) -> None:
    url = to_data_url(exif_jpg.read_bytes(), "image/jpeg")
    assert Image().preprocess({"url": url}).shape == (4, 2, 3)
    assert Image(type="pil").preprocess({"url": url}).size == (2, 4)


def test_data_url_fast_and_pillow_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _jpeg_url(np.round(_smooth(16, 24)).astype(np.uint8))
    fast = Image().preprocess({"url": url})
    monkeypatch.setattr(encoding, "_simplejpeg", None)
    slow = Image().preprocess({"url": url})
    assert slow.shape == fast.shape
    assert not slow.flags.writeable
    assert np.abs(slow.astype(int) - fast.astype(int)).max() <= 2


def test_data_url_pil_keeps_mode() -> None:
    png = to_data_url(encode(_pixels(3, 4, 4), "png"), "image/png")
    result = Image(type="pil", image_mode="L").preprocess({"url": png})
    assert (result.mode, result.size) == ("RGBA", (4, 3))


def test_data_url_filepath_uses_format(policy: FileAccess) -> None:
    png = to_data_url(encode(_pixels(3, 4, 3), "png"), "image/png")
    default = Path(Image(type="filepath").preprocess({"url": png}))
    assert default.name == "image.webp"
    exact = Path(Image(type="filepath", format="png").preprocess({"url": png}))
    assert exact.name == "image.png"
    assert exact.parent.parent == policy.cache_dir
    with PIL.Image.open(exact) as saved:
        np.testing.assert_array_equal(np.asarray(saved), _pixels(3, 4, 3))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:image/png;base64,@@@@", "not valid base64"),
        ("data:image/png;base64,aGVsbG8=", "not an image in a format this server reads"),
        ("data:image/png;base64", "no ','"),
    ],
)
def test_bad_data_urls(url: str, message: str) -> None:
    with pytest.raises(ImageDecodeError, match=message):
        Image().preprocess({"url": url})


def test_data_url_bomb_refused() -> None:
    url = to_data_url(_png_header_only(50_000, 50_000), "image/png")
    with pytest.raises(ImageTooLargeError):
        Image().preprocess({"url": url})


# -- preprocess_frame ---------------------------------------------------------------------


def test_preprocess_frame_numpy_is_passthrough() -> None:
    frame = _pixels(3, 4, 3)
    assert Image().preprocess_frame(frame) is frame


def test_preprocess_frame_pil() -> None:
    result = Image(type="pil").preprocess_frame(_pixels(3, 4, 3))
    assert isinstance(result, PIL.Image.Image)
    np.testing.assert_array_equal(np.asarray(result), _pixels(3, 4, 3))


def test_preprocess_frame_filepath(policy: FileAccess) -> None:
    default = Path(Image(type="filepath").preprocess_frame(_pixels(3, 4, 3)))
    assert default.name == "image.webp"
    exact = Path(Image(type="filepath", format="png").preprocess_frame(_pixels(3, 4, 3)))
    assert exact.parent.parent == policy.cache_dir
    with PIL.Image.open(exact) as saved:
        np.testing.assert_array_equal(np.asarray(saved), _pixels(3, 4, 3))


# -- postprocess: files -------------------------------------------------------------------


def _open(data: ImageData) -> PIL.Image.Image:
    assert data.path is not None
    opened = PIL.Image.open(data.path)
    with opened:
        return opened.copy()


def test_postprocess_none() -> None:
    assert Image().postprocess(None) is None


def test_float_array_saved_as_webp_in_cache(policy: FileAccess) -> None:
    array = _smooth(12, 16) / 255
    result = Image().postprocess(array)
    assert isinstance(result, ImageData)
    assert result.url is None
    assert result.orig_name == "image.webp"
    assert result.mime_type == "image/webp"
    assert result.path is not None
    path = Path(result.path)
    assert path.parent.parent == policy.cache_dir
    assert result.size == path.stat().st_size
    decoded = np.asarray(_open(result).convert("RGB")).astype(int)
    assert np.abs(decoded - np.rint(array * 255)).mean() < 6


def test_same_output_same_path() -> None:
    array = _pixels(5, 5, 3)
    assert Image().postprocess(array) == Image().postprocess(array.copy())


def test_png_output_is_exact() -> None:
    array = _pixels(5, 7, 3)
    result = Image(format="png").postprocess(array)
    assert result is not None
    assert result.orig_name == "image.png"
    np.testing.assert_array_equal(np.asarray(_open(result)), array)


def test_output_conversion_rules_apply() -> None:
    image = Image(format="png")
    as_int = image.postprocess(np.array([[0, 128, 255]], dtype=np.int64))
    assert np.asarray(_open(as_int)).tolist() == [[0, 128, 255]]  # type: ignore[arg-type]
    as_bool = image.postprocess(np.array([[True, False]]))
    assert np.asarray(_open(as_bool)).tolist() == [[255, 0]]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 255, got values up to 300"):
        image.postprocess(np.array([[300]]))
    with pytest.raises(ValueError, match="between -1 and 1, got values from 0 to 2"):
        image.postprocess(np.array([[0.0, 2.0]]))


def test_2d_arrays_are_grayscale_and_webp_stores_rgb() -> None:
    gray = _pixels(4, 5, 1)
    as_png = Image(format="png").postprocess(gray)
    assert _open(as_png).mode == "L"  # type: ignore[arg-type]
    as_webp = Image().postprocess(gray)
    assert _open(as_webp).mode == "RGB"  # type: ignore[arg-type]
    single = Image(format="png").postprocess(gray[:, :, None])
    np.testing.assert_array_equal(np.asarray(_open(single)), gray)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(4,), (4, 5, 2), (4, 5, 5), (2, 4, 5, 3)])
def test_bad_array_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(
        ValueError, match=re.escape(f"Cannot process an image array of shape {shape}")
    ):
        Image().postprocess(np.zeros(shape, np.uint8))


def test_rgba_array_keeps_alpha_in_png_and_drops_it_in_jpeg() -> None:
    array = _pixels(4, 5, 4)
    assert _open(Image(format="png").postprocess(array)).mode == "RGBA"  # type: ignore[arg-type]
    as_jpeg = Image(format="jpeg").postprocess(array)
    assert as_jpeg is not None
    assert as_jpeg.orig_name == "image.jpeg"
    assert _open(as_jpeg).mode == "RGB"


def test_pil_outputs() -> None:
    rgba = PIL.Image.fromarray(_pixels(4, 5, 4))
    as_jpeg = Image(format="jpg").postprocess(rgba)  # Gradio: OSError; here alpha is dropped
    assert as_jpeg is not None
    assert as_jpeg.orig_name == "image.jpeg"
    assert as_jpeg.path is not None
    with PIL.Image.open(as_jpeg.path) as saved:
        assert (saved.format, saved.mode) == ("JPEG", "RGB")
    as_float = Image(format="png").postprocess(PIL.Image.new("F", (3, 2), 0.5))
    assert as_float is not None
    assert as_float.orig_name == "image.tiff"


def test_pil_gif_output_keeps_frames(gif: Path) -> None:
    with PIL.Image.open(gif) as animated:
        result = Image(format="gif").postprocess(animated)
    assert result is not None
    assert result.path is not None
    assert result.orig_name == "image.gif"
    with PIL.Image.open(result.path) as saved:
        assert saved.n_frames == 2


def test_local_paths_are_returned_as_is(rgb_jpg: Path, policy: FileAccess) -> None:
    for value in (str(rgb_jpg), rgb_jpg):
        result = Image().postprocess(value)
        assert result == ImageData(path=str(rgb_jpg), orig_name="rgb.jpg", mime_type="image/jpeg")
    assert _cached(policy) == []


def test_local_path_outside_allowed_is_refused(tmp_path: Path) -> None:
    outside = _write(PIL.Image.new("RGB", (2, 2)), tmp_path / "secret.png")
    with pytest.raises(PathNotAllowedError, match="allowed_paths"):
        Image().postprocess(str(outside))


def test_http_url_is_kept_as_url(policy: FileAccess) -> None:
    url = "http://127.0.0.1:9/pictures/cat.png?size=2"  # never fetched
    assert Image().postprocess(url) == ImageData(url=url, orig_name="cat.png")
    assert _cached(policy) == []


def test_data_url_string_is_passed_through() -> None:
    url = to_data_url(encode(_pixels(2, 2, 3), "png"), "image/png")
    assert Image().postprocess(url) == ImageData(url=url, mime_type="image/png")


def test_svg_path_becomes_inline_data_url(svg: Path) -> None:
    result = Image().postprocess(str(svg))
    assert result is not None
    assert result.orig_name == "logo.svg"
    assert result.path is None
    assert result.url is not None
    assert result.url.startswith("data:image/svg+xml,%3Csvg")
    assert unquote(result.url.split(",", 1)[1]) == svg.read_text()


def test_svg_pathlib_path_is_not_detected_as_in_gradio(svg: Path) -> None:
    result = Image().postprocess(svg)
    assert result == ImageData(path=str(svg), orig_name="logo.svg", mime_type="image/svg+xml")


def test_svg_with_watermark_warns(svg: Path, files: Path) -> None:
    mark = _write(PIL.Image.new("RGBA", (2, 2)), files / "m.png")
    with pytest.warns(UserWarning, match="Watermarking for SVG images is currently not supported"):
        result = Image(watermark=mark).postprocess(str(svg))
    assert result is not None
    assert result.url is not None
    assert result.url.startswith("data:image/svg+xml,")


def test_svg_outside_allowed_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.svg").write_text("<svg/>")
    with pytest.raises(PathNotAllowedError):
        Image().postprocess(str(tmp_path / "x.svg"))


@pytest.mark.parametrize("value", [[1, 2], 3.5, {"path": "x"}, b"bytes"])
def test_other_types_message(value: object) -> None:
    message = f"Cannot process this value as an Image, it is of type: {type(value)}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Image().postprocess(value)


def test_watermark_is_stamped_on_arrays(files: Path) -> None:
    mark = _write(PIL.Image.new("RGBA", (5, 4), (255, 255, 255, 255)), files / "m.png")
    options = WatermarkOptions(watermark=str(mark))
    image = Image(format="png", watermark=options)
    result = np.asarray(_open(image.postprocess(np.zeros((40, 50, 3), np.uint8))))  # type: ignore[arg-type]
    white = np.argwhere(result.all(axis=2))
    assert white.min(axis=0).tolist() == [26, 35]  # bottom-right, 10 px from the edges
    assert white.max(axis=0).tolist() == [29, 39]
    assert options.watermark == str(mark)


def test_watermark_turns_a_path_into_a_cached_image(files: Path, rgb_jpg: Path) -> None:
    big = _write(PIL.Image.new("RGB", (40, 30)), files / "big.png")
    mark = PIL.Image.new("RGBA", (3, 3), (255, 0, 0, 255))
    result = Image(format="png", watermark=mark).postprocess(str(big))
    assert result is not None
    assert result.path != str(big)
    assert result.orig_name == "image.png"
    assert _open(result).getpixel((28, 18)) == (255, 0, 0)


def test_watermark_file_is_opened_once_per_source(files: Path) -> None:
    mark = _write(PIL.Image.new("RGBA", (3, 3), (255, 0, 0, 255)), files / "m.png")
    image = Image(format="png", watermark=mark)
    image.postprocess(np.zeros((20, 20, 3), np.uint8))
    mark.unlink()  # already loaded: later frames do not reopen it
    first = _open(image.postprocess(np.zeros((20, 20, 3), np.uint8)))  # type: ignore[arg-type]
    assert first.getpixel((8, 8)) == (255, 0, 0)
    image.watermark = WatermarkOptions(watermark=PIL.Image.new("RGBA", (3, 3), (0, 0, 255, 255)))
    second = _open(image.postprocess(np.zeros((20, 20, 3), np.uint8)))  # type: ignore[arg-type]
    assert second.getpixel((8, 8)) == (0, 0, 255)


# -- postprocess: streaming (base64, nothing on disk) -------------------------------------


def _decode_url(data: ImageData) -> tuple[str, np.ndarray]:
    assert data.url is not None
    mime, payload = parse_data_url(data.url)
    return mime, np.asarray(PIL.Image.open(io.BytesIO(payload)))


def test_streaming_output_is_inline_jpeg_and_writes_nothing(policy: FileAccess) -> None:
    array = _smooth(24, 32) / 255
    result = Image(streaming=True).postprocess(array)
    assert result is not None
    assert result.path is None
    assert result.mime_type == "image/jpeg"
    assert result.url is not None
    assert result.url.startswith("data:image/jpeg;base64,")
    mime, decoded = _decode_url(result)
    assert mime == "image/jpeg"
    assert decoded.shape == (24, 32, 3)
    assert np.abs(decoded.astype(int) - np.rint(array * 255)).mean() < 4
    assert not policy.cache_dir.exists()


def test_streaming_uses_explicit_format(policy: FileAccess) -> None:
    array = _pixels(6, 7, 3)
    as_png = Image(streaming=True, format="png").postprocess(array)
    mime, decoded = _decode_url(as_png)  # type: ignore[arg-type]
    assert mime == "image/png"
    np.testing.assert_array_equal(decoded, array)
    as_webp = Image(streaming=True, format="webp").postprocess(array)
    assert as_webp is not None
    assert as_webp.mime_type == "image/webp"
    assert not policy.cache_dir.exists()


def test_streaming_jpeg_drops_alpha() -> None:
    _mime, decoded = _decode_url(Image(streaming=True).postprocess(_pixels(6, 7, 4)))  # type: ignore[arg-type]
    assert decoded.shape == (6, 7, 3)


def test_streaming_pil_and_grayscale() -> None:
    _mime, decoded = _decode_url(
        Image(streaming=True).postprocess(PIL.Image.new("RGBA", (5, 3), (10, 200, 30, 0)))  # type: ignore[arg-type]
    )
    assert decoded.shape == (3, 5, 3)
    assert np.abs(decoded.astype(int) - [10, 200, 30]).max() < 12
    _, gray = _decode_url(Image(streaming=True).postprocess(np.full((8, 8), 0.5)))  # type: ignore[arg-type]
    assert gray.shape == (8, 8)
    assert np.abs(gray.astype(int) - 128).max() <= 2


def test_streaming_local_file_is_inlined_as_is(rgb_jpg: Path, policy: FileAccess) -> None:
    result = Image(streaming=True).postprocess(str(rgb_jpg))
    assert result is not None
    assert result.url is not None
    assert result.mime_type == "image/jpeg"
    assert parse_data_url(result.url) == ("image/jpeg", rgb_jpg.read_bytes())
    assert not policy.cache_dir.exists()


def test_streaming_keeps_http_urls() -> None:
    url = "https://example.com/a.png"
    assert Image(streaming=True).postprocess(url) == ImageData(url=url, orig_name="a.png")


def test_streaming_with_watermark(policy: FileAccess) -> None:
    mark = PIL.Image.new("RGBA", (4, 4), (255, 255, 255, 255))
    image = Image(streaming=True, format="png", watermark=mark)
    _, decoded = _decode_url(image.postprocess(np.zeros((30, 30, 3), np.uint8)))  # type: ignore[arg-type]
    assert decoded[16:20, 16:20].min() == 255
    assert decoded[:16].max() == 0
    assert not policy.cache_dir.exists()


def test_streaming_default_value_is_inline(policy: FileAccess) -> None:
    image = Image(_pixels(4, 4, 3), streaming=True)
    assert image.value is not None
    assert image.value.url is not None
    assert image.value.url.startswith("data:image/jpeg;base64,")
    assert not policy.cache_dir.exists()


@pytest.mark.parametrize("fast", [True, False])
def test_streaming_with_and_without_simplejpeg(
    monkeypatch: pytest.MonkeyPatch, fast: bool, policy: FileAccess
) -> None:
    if not fast:
        monkeypatch.setattr(encoding, "_simplejpeg", None)
    else:
        assert encoding._simplejpeg is not None
    pixels = np.round(_smooth(32, 48)).astype(np.uint8)
    mime, decoded = _decode_url(Image(streaming=True).postprocess(pixels))  # type: ignore[arg-type]
    assert mime == "image/jpeg"
    assert np.abs(decoded.astype(int) - pixels).mean() < 3
    data, mime = Image().postprocess_to_bytes(pixels)
    assert np.abs(decode(data).astype(int) - pixels).mean() < 3
    assert not policy.cache_dir.exists()


# -- postprocess_to_bytes -----------------------------------------------------------------


def test_postprocess_to_bytes(rgb_jpg: Path, policy: FileAccess) -> None:
    pixels = _pixels(5, 6, 3)
    data, mime = Image().postprocess_to_bytes(pixels)
    assert mime == "image/jpeg"
    assert data[:3] == b"\xff\xd8\xff"
    data, mime = Image(format="png").postprocess_to_bytes(pixels)
    assert mime == "image/png"
    np.testing.assert_array_equal(decode(data), pixels)
    data, mime = Image().postprocess_to_bytes(PIL.Image.fromarray(pixels))
    assert mime == "image/jpeg"
    assert decode(data).shape == (5, 6, 3)
    assert Image().postprocess_to_bytes(rgb_jpg) == (rgb_jpg.read_bytes(), "image/jpeg")
    assert not policy.cache_dir.exists()


def test_postprocess_to_bytes_refuses_none_and_others() -> None:
    with pytest.raises(ValueError, match="it is of type: <class 'NoneType'>"):
        Image().postprocess_to_bytes(None)
    with pytest.raises(ValueError, match="it is of type: <class 'int'>"):
        Image().postprocess_to_bytes(3)


# -- round trips (property tests) -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.uint8,
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([3, 4])),
    )
)
def test_png_round_trip_is_exact(array: np.ndarray) -> None:
    result = Image(streaming=True, format="png").postprocess(array)
    assert result is not None
    assert result.url is not None
    _, payload = parse_data_url(result.url)
    np.testing.assert_array_equal(np.asarray(PIL.Image.open(io.BytesIO(payload))), array)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(8, 48),
    st.integers(16, 48),
    st.tuples(*[st.integers(0, 255)] * 3),
    st.tuples(*[st.integers(-64, 64)] * 3),
)
def test_jpeg_round_trip_on_smooth_images(
    height: int, width: int, start: tuple[int, ...], change: tuple[int, ...]
) -> None:
    # "Smooth": at most 4 levels a pixel. Steeper ramps between saturated colours lose more
    # to JPEG's 4:2:0 chroma subsampling than these bounds allow, as they should.
    end = tuple(int(np.clip(a + d, 0, 255)) for a, d in zip(start, change, strict=True))
    t = np.linspace(0, 1, width)[None, :, None]
    ramp = np.broadcast_to(np.asarray(start) * (1 - t) + np.asarray(end) * t, (height, width, 3))
    pixels = np.round(ramp).astype(np.uint8)
    result = Image(streaming=True).postprocess(pixels)
    assert result is not None
    assert result.url is not None
    decoded = decode(parse_data_url(result.url)[1]).astype(int)
    error = np.abs(decoded - pixels)
    assert error.mean() < 6
    assert error.max() <= 32
