"""Which image formats the server takes (``streamcore/media/formats.py``): frames only JPEG,
PNG and WebP; image values only :data:`IMAGE_FORMATS`; the format the server writes is
never chosen by the client's file name."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import anyio
import numpy as np
import PIL.Image
import pytest
from live_support import gradient, raw_client, stream_demo
from live_support import sepia as sepia_fn

import streamcore as gr
from streamcore.errors import InvalidInputError, UnsupportedImageError
from streamcore.media import formats
from streamcore.media.encoding import decode, decode_to_pil
from streamcore.media.files import FileAccess, use_file_access
from streamcore.media.formats import FRAME_FORMATS, IMAGE_FORMATS, check_format, sniff
from transports import serve
from transports.protocol import pack_binary

pytestmark = pytest.mark.anyio


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (16, 12)) -> bytes:
    buffer = io.BytesIO()
    PIL.Image.new(mode, size, "orange").save(buffer, format=fmt)
    return buffer.getvalue()


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")) as policy:
        yield policy.cache_dir


def cached_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and not p.name.startswith("."))


# -- the formats, sniffed ---------------------------------------------------------------------


def test_exports() -> None:
    assert set(formats.__all__) == {
        "FRAME_FORMATS",
        "IMAGE_FORMATS",
        "check_format",
        "describe",
        "pil_formats",
        "sniff",
    }


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (encoded("JPEG"), "jpeg"),
        (encoded("PNG"), "png"),
        (encoded("WEBP"), "webp"),
        (encoded("GIF"), "gif"),
        (encoded("BMP"), "bmp"),
        (encoded("TIFF"), "tiff"),
        (encoded("ICO"), "ico"),
        (encoded("PDF"), "pdf"),
        (encoded("EPS"), "eps"),
        (encoded("PPM"), None),
        (SVG, "svg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniff_tells_the_kind_by_content(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_the_lists() -> None:
    assert FRAME_FORMATS == ("jpeg", "png", "webp")
    assert IMAGE_FORMATS[:7] == ("jpeg", "png", "webp", "gif", "bmp", "tiff", "ico")
    assert set(FRAME_FORMATS) <= set(IMAGE_FORMATS)
    assert "pdf" not in IMAGE_FORMATS
    assert "eps" not in IMAGE_FORMATS


@pytest.mark.parametrize(
    ("data", "named"),
    [(encoded("GIF"), "a GIF image"), (encoded("PDF"), "a PDF document"), (b"xyz", "not an")],
)
def test_a_frame_in_another_format_is_refused_naming_the_accepted_ones(
    data: bytes, named: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decode(data, formats=FRAME_FORMATS)
    message = str(caught.value)
    assert named in message
    assert "JPEG, PNG or WebP" in message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_frames_in_the_accepted_formats_decode(fmt: str) -> None:
    assert decode(encoded(fmt), formats=FRAME_FORMATS).shape == (12, 16, 3)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_image_values_take_the_other_image_formats(fmt: str) -> None:
    assert decode_to_pil(encoded(fmt)).size == (16, 12)


@pytest.mark.parametrize("fmt", ["PDF", "EPS", "PPM", "TGA", "SGI"])
def test_image_values_refuse_documents_and_rare_formats(fmt: str) -> None:
    with pytest.raises(InvalidInputError, match="accepted: JPEG, PNG, WebP, GIF"):
        decode_to_pil(encoded(fmt))


def test_pillow_parses_only_the_sniffed_format() -> None:
    # a PNG signature followed by another format's bytes is not handed to that format
    data = b"\x89PNG\r\n\x1a\n" + encoded("GIF")
    assert check_format(data, IMAGE_FORMATS) == "png"
    with pytest.raises(Exception, match="starts as a PNG image but is not one that can be read"):
        decode_to_pil(data)


# -- image values: the format the server writes ----------------------------------------------


@pytest.mark.parametrize(
    ("claimed", "written", "magic"),
    [
        ("x.pdf", ".webp", b"RIFF"),  # a lying name: the component's format
        ("x.eps", ".webp", b"RIFF"),
        ("x.ppm", ".webp", b"RIFF"),
        ("x.gif", ".webp", b"RIFF"),
        ("x.png", ".png", b"\x89PNG"),  # an honest name: Gradio's rule, its own format
    ],
)
def test_the_clients_file_name_never_picks_the_format_written(
    cache: Path, tmp_path: Path, claimed: str, written: str, magic: bytes
) -> None:
    source = tmp_path / "photo.png"
    PIL.Image.new("RGBA", (8, 8), (10, 200, 30, 128)).save(source)
    image = gr.Image(type="filepath", image_mode="RGB")
    with use_file_access(FileAccess(cache_dir=cache, allowed_paths=(tmp_path,))):
        result = Path(image.preprocess({"path": str(source), "orig_name": claimed}))
    assert result.parent.parent == cache
    assert result.suffix == written
    assert result.read_bytes().startswith(magic)
    assert result.stem == "x"


async def test_live_a_pdf_or_eps_name_writes_no_pdf_or_eps(cache: Path) -> None:
    """The attack: upload a picture, call naming it ``x.pdf`` / ``x.eps``; before, the server
    wrote a PDF / EPS into its cache (and served it)."""

    def keep(path: str) -> str:
        return path

    demo = gr.Interface(keep, gr.Image(type="filepath", image_mode="L"), "text", api_name="p")
    picture = encoded("PNG")
    async with serve(demo) as server, raw_client(server) as raw:
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u", "name": "x.png"}, picture))
        path = (await raw.until("uploaded", ref="u"))["path"]
        for claimed in ("x.pdf", "x.eps"):
            job = await raw.submit("p", [{"path": path, "orig_name": claimed}])
            completed = await raw.until("completed", job=job)
            assert completed["success"], completed
            written = Path(completed["data"][0])
            assert written.suffix != Path(claimed).suffix
            head = (await anyio.Path(written).read_bytes())[:8]
            assert not head.startswith((b"%PDF", b"%!PS")), written
        for file in cached_files(cache):
            assert not file.read_bytes().startswith((b"%PDF", b"%!PS")), file
            assert file.suffix not in (".pdf", ".eps"), file


async def test_live_an_uploaded_pdf_is_refused_as_an_image(cache: Path) -> None:
    demo = gr.Interface(lambda image: image, gr.Image(), gr.Image(), api_name="p")
    async with serve(demo) as server, raw_client(server) as raw:
        data = encoded("PDF")
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u", "name": "doc.png"}, data))
        path = (await raw.until("uploaded", ref="u"))["path"]
        job = await raw.submit("p", [{"path": path, "orig_name": "doc.png"}])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["error"]["type"]) == (
            "error",
            "UnsupportedImageError",
        )
        assert "a PDF document" in completed["error"]["message"]
        assert "JPEG, PNG, WebP" in completed["error"]["message"]


async def test_live_a_gif_frame_is_refused_and_the_stream_goes_on(cache: Path) -> None:
    async with serve(stream_demo(sepia_fn)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.frame(job, encoded("GIF"), seq=1)
        refused = await raw.until("frame_error", job=job)
        assert refused["seq"] == 1
        assert "a GIF image" in refused["error"]["message"]
        assert "JPEG, PNG or WebP" in refused["error"]["message"]
        await raw.frame(job, gradient(), seq=2)
        output = await raw.until("output", job=job)
        assert output["seq"] == 2
        await raw.send("close_stream", job=job)
        await raw.until("completed", job=job)


def test_a_data_url_frame_in_pdf_is_refused() -> None:
    image = gr.Image()
    url = "data:image/png;base64," + __import__("base64").b64encode(encoded("PDF")).decode()
    with pytest.raises(UnsupportedImageError, match="a PDF document"):
        image.preprocess({"url": url})


def test_an_svg_named_input_must_be_svg(cache: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.svg"
    fake.write_bytes(encoded("PDF"))
    real = tmp_path / "real.svg"
    real.write_bytes(SVG)
    image = gr.Image(type="filepath")
    with use_file_access(FileAccess(cache_dir=cache, allowed_paths=(tmp_path,))):
        assert image.preprocess({"path": str(real), "orig_name": "real.svg"}) == str(real)
        with pytest.raises(UnsupportedImageError, match="not an SVG"):
            image.preprocess({"path": str(fake), "orig_name": "fake.svg"})


def test_values_not_frames_keep_their_array() -> None:
    assert np.asarray(decode_to_pil(encoded("GIF"))).shape[:2] == (12, 16)
