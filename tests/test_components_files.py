"""The file-valued components (``File``, ``UploadButton``, ``Video``, ``Audio``,
``Gallery``, ``ImageSlider``, ``AnnotatedImage``): values both ways, every error, their
``api_info``; and the rule for files a fn returns (copied into the cache from the
working and temp folders, refused elsewhere)."""

from __future__ import annotations

import dataclasses
import re
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.errors import InvalidInputError, MissingFileError, PathNotAllowedError
from streamcore.media.files import (
    FileAccess,
    cache_writes_told_to,
    default_file_access,
    readable_returned_file,
    serve_returned_file,
    use_file_access,
)
from streamcore.media.wav import read_wav, to_int16, write_wav

META = {"_type": "gradio.FileData"}


@pytest.fixture
def policy(tmp_path: Path) -> Iterator[FileAccess]:
    """Clients' files are in tmp_path/files; fns may return files of tmp_path/work too
    (copied); tmp_path/elsewhere is neither."""
    for name in ("files", "work", "elsewhere"):
        (tmp_path / name).mkdir()
    access = FileAccess(
        cache_dir=tmp_path / "cache",
        allowed_paths=(tmp_path / "files",),
        blocked_paths=(tmp_path / "work/blocked",),
        copied_roots=(tmp_path / "work",),
    )
    with use_file_access(access):
        yield access


@pytest.fixture
def files(policy: FileAccess) -> Path:
    return policy.allowed_paths[0]


@pytest.fixture
def work(policy: FileAccess) -> Path:
    return policy.copied_roots[0]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def png(path: Path, colour: tuple[int, int, int] = (10, 20, 30), size: int = 4) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PIL.Image.new("RGB", (size, size), colour).save(path)
    return path


def wav_file(path: Path, rate: int, samples: np.ndarray, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return path


def payload(path: Path, name: str | None = None) -> dict[str, Any]:
    return {"path": str(path), "orig_name": name or path.name, "meta": META}


def in_cache(policy: FileAccess, value: dict[str, Any]) -> Path:
    path = Path(value["path"])
    assert path.is_relative_to(policy.cache_dir), path
    return path


# -- files a fn returns -----------------------------------------------------------------


def test_a_returned_file_in_a_copied_root_is_copied_into_the_cache(
    policy: FileAccess, work: Path
) -> None:
    source = write(work / "sub/report.csv", b"a,b\n1,2\n")
    told: list[tuple[Path, int, bool]] = []
    with cache_writes_told_to(lambda path, size, created: told.append((path, size, created))):
        served = serve_returned_file(source, policy)
    assert served.is_relative_to(policy.cache_dir)
    assert served.name == "report.csv"
    assert served.read_bytes() == source.read_bytes()
    assert told == [(served, 8, True)]  # recorded: the session that caused it owns it
    assert serve_returned_file(served, policy) == served  # a cache file stays as it is


def test_a_returned_file_of_allowed_paths_is_served_where_it_is(
    policy: FileAccess, files: Path
) -> None:
    source = write(files / "a.txt", b"x")
    assert serve_returned_file(source, policy) == source


@pytest.mark.parametrize("name", ["blocked/secret.txt", ".env", "sub/.git/config"])
def test_blocked_and_hidden_files_of_a_copied_root_are_refused(
    policy: FileAccess, work: Path, name: str
) -> None:
    write(work / name, b"x")
    with pytest.raises(PathNotAllowedError, match="is not one the app may serve"):
        serve_returned_file(work / name, policy)


def test_a_returned_file_elsewhere_is_refused_and_a_missing_one_is_missing(
    policy: FileAccess, tmp_path: Path, work: Path
) -> None:
    outside = write(tmp_path / "elsewhere/x.txt", b"x")
    with pytest.raises(PathNotAllowedError):
        serve_returned_file(outside, policy)
    with pytest.raises(PathNotAllowedError):
        readable_returned_file(outside, policy)
    with pytest.raises(MissingFileError):
        serve_returned_file(work / "gone.txt", policy)
    assert readable_returned_file(write(work / "r.txt", b"r"), policy) == work / "r.txt"


def test_copied_roots_never_make_a_clients_path_readable(policy: FileAccess, work: Path) -> None:
    source = write(work / "w.txt", b"x")
    with pytest.raises(PathNotAllowedError, match="upload it first"):
        gr.File().preprocess(payload(source))


def test_an_image_a_fn_returns_from_a_copied_root_is_copied(policy: FileAccess, work: Path) -> None:
    source = png(work / "photo.png")
    result = gr.Image().postprocess(str(source))
    assert result is not None
    assert result.path is not None
    copied = Path(result.path)
    assert copied.is_relative_to(policy.cache_dir)
    assert copied.name == "photo.png"
    assert copied.read_bytes() == source.read_bytes()
    streaming = gr.Image(streaming=True, sources=["webcam"]).postprocess(str(source))
    assert streaming is not None
    assert streaming.url is not None
    assert streaming.url.startswith("data:image/png;base64,")


def test_the_default_policy_copies_from_the_working_and_temp_folders() -> None:
    policy = default_file_access()
    assert policy.copied_roots == (Path.cwd().resolve(), Path(tempfile.gettempdir()).resolve())
    assert policy.allowed_paths == (Path.cwd().resolve(),)  # what clients may name: unchanged


def test_without_copied_roots_the_old_rule_holds(tmp_path: Path) -> None:
    source = write(tmp_path / "x.txt", b"x")
    with (
        use_file_access(FileAccess(cache_dir=tmp_path / "cache")),
        pytest.raises(PathNotAllowedError),
    ):
        gr.File().postprocess(str(source))


# -- File ---------------------------------------------------------------------------------


def test_file_input_gives_paths_or_bytes(files: Path) -> None:
    a, b = write(files / "a.txt", b"alpha"), write(files / "b.pdf", b"%PDF")
    assert gr.File().preprocess(payload(a)) == str(a)
    assert gr.File().preprocess([payload(a), payload(b)]) == str(a)  # single: the first
    assert gr.File(type="binary").preprocess(payload(a)) == b"alpha"
    many = gr.File(file_count="multiple")
    assert many.preprocess([payload(a), payload(b)]) == [str(a), str(b)]
    assert many.preprocess(payload(a)) == [str(a)]  # one dict is a list of one
    assert many.preprocess([]) == []
    assert gr.File(file_count="directory", type="binary").preprocess([payload(b)]) == [b"%PDF"]
    assert gr.File().preprocess(None) is None
    assert gr.File().preprocess([]) is None


def test_file_types_are_checked_by_suffix_and_kind(files: Path) -> None:
    pdf, image = write(files / "doc.pdf", b"%PDF"), png(files / "p.png")
    assert gr.File(file_types=[".PDF"]).preprocess(payload(pdf)) == str(pdf)
    assert gr.File(file_types=["image"]).preprocess(payload(image)) == str(image)
    assert gr.File(file_types=["file"]).preprocess(payload(pdf)) == str(pdf)
    message = (
        "File: Invalid file type. Please upload a file that is one of these formats: ['image']"
    )
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        gr.File(file_types=["image"]).preprocess(payload(pdf))
    with pytest.raises(InvalidInputError, match=r"^UploadButton: Invalid file type"):
        gr.UploadButton(file_types=[".csv"]).preprocess(payload(pdf, "doc.pdf"))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a.txt", "File: expected a file (a dict with a 'path', Gradio's FileData), got a value"),
        ({"path": None}, "File: the file's 'path' must be a string naming an uploaded file"),
        ({"path": 3}, "File: the file's 'path' must be a string"),
        ({"path": "x", "orig_name": 1}, "File: the file's 'orig_name' must be a string or null"),
    ],
)
def test_file_malformed_payloads(files: Path, value: object, words: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        gr.File().preprocess(value)
    assert str(caught.value).startswith(words)


def test_file_paths_a_client_names_must_be_the_servers(files: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere/secret.txt", b"s")
    with pytest.raises(PathNotAllowedError, match=r"'secret.txt' is not one this server gave"):
        gr.File().preprocess(payload(outside))
    with pytest.raises(MissingFileError, match=r"'gone.txt' is not on this server"):
        gr.File().preprocess(payload(files / "gone.txt"))


def test_file_output_values(policy: FileAccess, files: Path, work: Path) -> None:
    kept = write(files / "kept.txt", b"12345")
    assert gr.File().postprocess(kept) == {
        "path": str(kept),
        "url": None,
        "size": 5,
        "orig_name": "kept.txt",
        "mime_type": "text/plain",
        "is_stream": False,
        "meta": META,
    }
    copied = gr.File().postprocess(str(write(work / "out.json", b"{}")))
    assert in_cache(policy, copied).read_bytes() == b"{}"
    listed = gr.File(file_count="multiple").postprocess([kept, str(kept)])
    assert [item["path"] for item in listed] == [str(kept), str(kept)]
    url = "https://example.com/files/report.pdf?x=1"
    assert gr.File().postprocess(url) == {
        "path": url,
        "url": url,
        "size": None,
        "orig_name": "report.pdf",
        "mime_type": "application/pdf",
        "is_stream": False,
        "meta": META,
    }
    assert gr.File().postprocess(None) is None


def test_file_bad_returns_name_the_component(policy: FileAccess, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^File expects a file path or URL from the function"):
        gr.File().postprocess(3)
    with pytest.raises(PathNotAllowedError):
        gr.File().postprocess(str(write(tmp_path / "elsewhere/x.txt", b"x")))


def test_file_constructor_errors() -> None:
    with pytest.raises(ValueError, match="file_count must be one of"):
        gr.File(file_count="many")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^Parameter file_types must be a list. Received str$"):
        gr.File(file_types=".pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("Please choose from one of: ['filepath'")):
        gr.File(type="file")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="UploadButton variant must be one of"):
        gr.UploadButton(variant="loud")  # type: ignore[arg-type]


def test_file_api_info_is_gradios_file_data_or_list_files() -> None:
    single = gr.File().api_info()
    assert single["title"] == "FileData"
    assert single["required"] == ["path"]
    assert single["properties"]["meta"] == {"$ref": "#/$defs/FileDataMeta"}
    assert single["$defs"]["FileDataMeta"]["properties"]["_type"]["const"] == "gradio.FileData"
    many = gr.File(file_count="multiple").api_info()
    assert (many["title"], many["type"], many["items"]) == (
        "ListFiles",
        "array",
        {"$ref": "#/$defs/FileData"},
    )
    assert gr.UploadButton(file_count="directory").api_info() == many
    assert gr.File().example_value().endswith("sample_file.pdf")
    assert gr.File(file_count="multiple").example_value()[0].endswith("sample_file.pdf")


def test_file_and_upload_button_props_and_events(files: Path) -> None:
    kept = write(files / "v.txt", b"v")
    props = gr.File(value=str(kept), file_types=[".txt"], height=200).props()
    assert (props["name"], props["file_count"], props["file_types"]) == ("file", "single", [".txt"])
    assert props["value"]["path"] == str(kept)
    assert props["height"] == 200
    button = gr.UploadButton()
    assert (button.label, button.props()["variant"], button.props()["size"]) == (
        "Upload a File",
        "secondary",
        "lg",
    )
    assert set(gr.File.EVENTS) >= {"upload", "clear", "change", "select", "delete", "download"}
    assert set(gr.UploadButton.EVENTS) == {"change", "click", "upload"}


# -- Video ----------------------------------------------------------------------------------


def test_video_both_ways(policy: FileAccess, files: Path, work: Path) -> None:
    clip = write(files / "clip.mp4", b"\x00\x00\x00\x18ftypmp42")
    assert gr.Video().preprocess(payload(clip)) == str(clip)
    assert gr.Video().preprocess(None) is None
    value = gr.Video().postprocess(str(write(work / "made.webm", b"webm")))
    assert value is not None
    assert value["mime_type"] == "video/webm"
    assert in_cache(policy, value).read_bytes() == b"webm"
    assert gr.Video().postprocess(clip)["path"] == str(clip)  # type: ignore[index]
    assert gr.Video().postprocess(None) is None
    with pytest.raises(ValueError, match=r"^Video expects a file path or URL"):
        gr.Video().postprocess(np.zeros((2, 2, 2, 3), np.uint8))
    with pytest.raises(InvalidInputError, match=r"^Video: expected a file"):
        gr.Video().preprocess("clip.mp4")


def test_video_constructor_errors_and_description() -> None:
    with pytest.raises(ValueError, match=r"Video\(streaming=True\) is not supported"):
        gr.Video(streaming=True)
    with pytest.raises(ValueError, match="Video watermark= is not supported"):
        gr.Video(watermark="logo.png")
    with pytest.raises(ValueError, match="Video subtitles= is not supported"):
        gr.Video(subtitles="subs.srt")
    with pytest.raises(ValueError, match="`sources` must be a list consisting of elements in"):
        gr.Video(sources=["microphone"])  # type: ignore[list-item]
    video = gr.Video(sources="upload", format="mp4")
    assert (video.sources, video.include_audio) == (["upload"], True)
    assert video.props()["format"] == "mp4"
    assert gr.Video(sources=["webcam"]).include_audio is False
    assert gr.Video().api_info()["title"] == "FileData"
    assert gr.Video().example_value().endswith("world.mp4")


# -- Audio ----------------------------------------------------------------------------------


def test_audio_numpy_input_reads_wav(files: Path) -> None:
    mono = np.array([0, 1000, -1000, 32767], np.int16)
    assert_pair(gr.Audio().preprocess(payload(wav_file(files / "m.wav", 8000, mono))), 8000, mono)
    stereo = np.array([[1, 2], [3, 4], [5, 6]], np.int16)
    rate, samples = gr.Audio().preprocess(payload(wav_file(files / "s.wav", 16000, stereo)))
    assert rate == 16000
    assert samples.shape == (3, 2)
    assert (samples == stereo).all()
    eight = np.array([128, 255, 0], np.uint8)
    _, samples = gr.Audio().preprocess(payload(wav_file(files / "e.wav", 8000, eight, 1)))
    assert samples.tolist() == [0, 127 * 256, -128 * 256]
    wide = np.array([1 << 20, -(1 << 30)], np.int32)
    _, samples = gr.Audio().preprocess(payload(wav_file(files / "w.wav", 8000, wide, 4)))
    assert samples.dtype == np.int32
    assert samples.tolist() == wide.tolist()


def assert_pair(value: Any, rate: int, samples: np.ndarray) -> None:
    assert value[0] == rate
    assert value[1].dtype == samples.dtype
    assert value[1].tolist() == samples.tolist()


def test_audio_filepath_input_and_refusals(files: Path) -> None:
    song = write(files / "song.mp3", b"ID3\x03\x00rest")
    assert gr.Audio(type="filepath").preprocess(payload(song)) == str(song)
    with pytest.raises(InvalidInputError, match=r"^Audio: the file 'song.mp3' is not a WAV file"):
        gr.Audio().preprocess(payload(song))
    broken = write(files / "bad.wav", b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(InvalidInputError, match=r"^Audio: the WAV file 'bad.wav' cannot be read"):
        gr.Audio().preprocess(payload(broken))
    assert gr.Audio().preprocess(None) is None


def test_audio_outputs(policy: FileAccess, files: Path) -> None:
    samples = np.array([0.0, 0.5, -0.25], np.float32)
    value = gr.Audio().postprocess((22050, samples))
    assert value is not None
    assert value["orig_name"] == "audio.wav"
    rate, written = read_wav(in_cache(policy, value))
    assert rate == 22050
    assert written.tolist() == [0, 32767, -16383]
    stereo = np.zeros((4, 2), np.int16)
    rate, written = read_wav(in_cache(policy, gr.Audio().postprocess((8000, stereo))))  # type: ignore[arg-type]
    assert written.shape == (4, 2)
    raw = write_wav(8000, np.array([1, 2], np.int16))
    stored = gr.Audio().postprocess(raw)
    assert stored is not None
    assert in_cache(policy, stored).read_bytes() == raw
    assert stored["orig_name"] == "audio.wav"
    song = write(files / "song.mp3", b"ID3")
    assert gr.Audio().postprocess(song)["mime_type"] == "audio/mpeg"  # type: ignore[index]
    assert gr.Audio().postprocess(None) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([1, 2], "Cannot process a value of type list as Audio"),
        ((0, np.zeros(3)), "Audio expects (sample rate, numpy array) from the function"),
        ((8000, [0, 1]), "Audio expects (sample rate, numpy array) from the function"),
        ((8000, np.zeros((2, 2, 2))), "Audio data must have the shape (samples,)"),
        ((8000, np.zeros(2, np.complex64)), "Audio data cannot be converted automatically"),
    ],
)
def test_audio_bad_returns(policy: FileAccess, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        gr.Audio().postprocess(value)


def test_audio_constructor_errors_and_description() -> None:
    with pytest.raises(ValueError, match=r"^Audio\(streaming=True\) is not supported"):
        gr.Audio(streaming=True)
    with pytest.raises(ValueError, match="Please choose from one of: numpy filepath"):
        gr.Audio(type="bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Please choose from one of: wav mp3"):
        gr.Audio(format="ogg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`sources` must be a list"):
        gr.Audio(sources=["webcam"])  # type: ignore[list-item]
    assert gr.Audio(format="WAV").format == "wav"  # type: ignore[arg-type]
    assert gr.Audio().api_info()["title"] == "FileData"
    assert gr.Audio().example_value().endswith("audio_sample.wav")
    assert gr.Audio().props()["sources"] == ["upload", "microphone"]


def test_int16_conversion_follows_gradio() -> None:
    assert to_int16(np.array([0, 0.0])).tolist() == [0, 0]  # silence stays silence
    assert to_int16(np.array([65536 * 3, -65536], np.int32)).tolist() == [3, -1]
    assert to_int16(np.array([0, 65535], np.uint16)).tolist() == [-32768, 32767]
    assert to_int16(np.array([0, 255], np.uint8)).tolist() == [-32768, 32767]
    assert to_int16(np.array([-128, 127], np.int8)).tolist() == [-32768, 32512]


# -- Gallery ----------------------------------------------------------------------------------


def test_gallery_outputs(policy: FileAccess, files: Path, work: Path) -> None:
    picture = png(files / "p.png")
    items = gr.Gallery().postprocess(
        [
            np.zeros((3, 3, 3), np.uint8),
            (PIL.Image.new("RGB", (2, 2)), "a caption"),
            str(picture),
            (png(work / "w.png"), "copied"),
            str(write(work / "clip.mp4", b"mp4")),
            "https://example.com/cat.png",
        ]
    )
    assert next(sorted(item) for item in items) == ["caption", "image"]
    arrays = [Path(items[i]["image"]["path"]) for i in (0, 1)]
    assert all(p.is_relative_to(policy.cache_dir) and p.suffix == ".webp" for p in arrays)
    assert items[1]["caption"] == "a caption"
    assert items[2]["image"]["path"] == str(picture)
    assert in_cache(policy, items[3]["image"]).name == "w.png"
    assert items[3]["caption"] == "copied"
    assert items[4]["video"]["mime_type"] == "video/mp4"
    assert items[5]["image"]["url"] == "https://example.com/cat.png"
    assert gr.Gallery().postprocess(None) == []
    assert (
        gr.Gallery(format="png")
        .postprocess([np.zeros((2, 2, 3), np.uint8)])[0]["image"]["path"]
        .endswith(".png")
    )


def test_gallery_bad_returns(policy: FileAccess) -> None:
    with pytest.raises(ValueError, match="must be a list of images or videos"):
        gr.Gallery().postprocess("one.png")
    with pytest.raises(ValueError, match=r"^Cannot process type as image: <class 'int'>$"):
        gr.Gallery().postprocess([3])
    with pytest.raises(ValueError, match="expects \\(media, caption\\) pairs"):
        gr.Gallery().postprocess([("a.png", "b", "c")])


def test_gallery_inputs(files: Path) -> None:
    picture = png(files / "p.png", (1, 2, 3))
    clip = write(files / "c.mp4", b"mp4")
    value = [
        {"image": payload(picture), "caption": "hi"},
        {"video": payload(clip), "caption": None},
    ]
    assert gr.Gallery().preprocess(value) == [(str(picture), "hi"), (str(clip), None)]
    (array, caption), _ = gr.Gallery(type="numpy").preprocess(value)
    assert caption == "hi"
    assert array.shape == (4, 4, 3)
    assert tuple(array[0, 0]) == (1, 2, 3)
    (image, _), _ = gr.Gallery(type="pil").preprocess(value)
    assert isinstance(image, PIL.Image.Image)
    assert gr.Gallery().preprocess(None) is None
    assert gr.Gallery().preprocess([]) is None
    with pytest.raises(InvalidInputError, match="Invalid file type"):
        gr.Gallery(file_types=["video"]).preprocess(value[:1])


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"image": {}}, "Gallery: expected a list of images, got a value of type dict"),
        (["x.png"], "Gallery: each item must be a dict with an 'image' or a 'video'"),
        ([{"caption": "c"}], "Gallery: each item must be a dict with an 'image' or a 'video'"),
        ([{"image": {"path": "x"}, "caption": 3}], "Gallery: a caption must be a string or null"),
    ],
)
def test_gallery_malformed_payloads(files: Path, value: object, words: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        gr.Gallery().preprocess(value)
    assert str(caught.value).startswith(words)


def test_gallery_description() -> None:
    gallery = gr.Gallery(columns=3, height=300, selected_index=1)
    info = gallery.api_info()
    assert (info["title"], info["type"]) == ("GalleryData", "array")
    assert set(info["$defs"]) == {
        "FileData",
        "FileDataMeta",
        "GalleryImage",
        "GalleryVideo",
        "ImageData",
    }
    assert info["$defs"]["GalleryImage"]["required"] == ["image"]
    props = gallery.props()
    assert (props["columns"], props["height"], props["selected_index"]) == (3, 300, 1)
    assert "select" in gr.Gallery.EVENTS
    with pytest.raises(ValueError, match=re.escape("Invalid type: url. Must be one of")):
        gr.Gallery(type="url")  # type: ignore[arg-type]
    assert gallery.example_value()[0].endswith("bus.png")


# -- ImageSlider ------------------------------------------------------------------------------


def test_image_slider_both_ways(policy: FileAccess, files: Path) -> None:
    first, second = png(files / "a.png", (1, 1, 1)), png(files / "b.png", (2, 2, 2))
    arrays = gr.ImageSlider().preprocess([payload(first), payload(second)])
    assert arrays is not None
    assert [int(a[0, 0, 0]) for a in arrays] == [1, 2]
    assert gr.ImageSlider(type="filepath").preprocess([payload(first), None]) == (str(first), None)
    out = gr.ImageSlider().postprocess((np.zeros((2, 2, 3), np.uint8), str(second)))
    assert out is not None
    assert out[0] is not None
    assert out[1] is not None
    assert out[0]["path"].endswith(".webp")
    assert out[1]["path"] == str(second)
    assert gr.ImageSlider().postprocess((None, str(second)))[0] is None  # type: ignore[index]
    assert gr.ImageSlider().postprocess(None) is None
    assert gr.ImageSlider().preprocess(None) is None


def test_image_slider_errors_and_description(files: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"^ImageSlider: expected a pair of images"):
        gr.ImageSlider().preprocess([{"path": "x"}])
    with pytest.raises(ValueError, match=r"^ImageSlider expects a pair of images"):
        gr.ImageSlider().postprocess(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="Invalid value for parameter `type`: url"):
        gr.ImageSlider(type="url")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Invalid value for parameter `image_mode`"):
        gr.ImageSlider(image_mode="XYZ")  # type: ignore[arg-type]
    info = gr.ImageSlider().api_info()
    assert info["title"] == "SliderData"
    assert info["anyOf"][0]["minItems"] == info["anyOf"][0]["maxItems"] == 2
    props = gr.ImageSlider(slider_position=30).props()
    assert props["name"] == "imageslider"
    assert (props["slider_position"], props["max_height"]) == (30, 500)
    assert len(gr.ImageSlider().example_value()) == 2


# -- AnnotatedImage ---------------------------------------------------------------------------


def pixels_of(policy: FileAccess, value: dict[str, Any]) -> np.ndarray:
    with PIL.Image.open(in_cache(policy, value)) as image:
        return np.asarray(image)


def test_annotated_image_draws_boxes_and_masks(policy: FileAccess, files: Path) -> None:
    base = np.zeros((10, 12, 3), np.uint8)
    mask = np.zeros((10, 12))
    mask[0, 0] = 1.0
    component = gr.AnnotatedImage(color_map={"cat": "#00ff00"})
    value = component.postprocess((base, [((1, 1, 9, 8), "dog"), (mask, "cat")]))
    assert value is not None
    assert in_cache(policy, value["image"]).suffix == ".webp"
    assert [a["label"] for a in value["annotations"]] == ["dog", "cat"]
    box = pixels_of(policy, value["annotations"][0]["image"])
    assert box.shape == (10, 12, 4)
    assert tuple(box[1, 1]) == (255, 0, 0, 255)  # the border, red by default
    assert tuple(box[4, 5]) == (255, 0, 0, 127)  # inside: half opaque
    assert tuple(box[0, 0]) == (0, 0, 0, 0)
    drawn = pixels_of(policy, value["annotations"][1]["image"])
    assert tuple(drawn[0, 0]) == (0, 255, 0, 255)
    assert tuple(drawn[5, 5]) == (0, 0, 0, 0)
    from_path = component.postprocess((str(png(files / "b.png", size=6)), []))
    assert from_path == {
        "image": {**from_path["image"], "path": str(files / "b.png")},  # type: ignore[index]
        "annotations": [],
    }
    assert component.postprocess(None) is None


def test_annotated_image_errors_and_input(policy: FileAccess, files: Path) -> None:
    component = gr.AnnotatedImage()
    base = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match=r"^AnnotatedImage expects \(image, "):
        component.postprocess(base)
    with pytest.raises(ValueError, match="only accepts filepaths, PIL images or numpy arrays"):
        component.postprocess((3, []))
    with pytest.raises(ValueError, match="a mask of shape \\(2, 2\\) does not match"):
        component.postprocess((base, [(np.zeros((2, 2)), "x")]))
    with pytest.raises(ValueError, match="a mask must be a numpy array or a box"):
        component.postprocess((base, [((1, 2), "x")]))
    with pytest.raises(ValueError, match="each annotation must be"):
        component.postprocess((base, ["x"]))
    with pytest.raises(ValueError, match="is not a hex colour"):
        gr.AnnotatedImage(color_map={"x": "#zzzzzz"}).postprocess((base, [((0, 0, 1, 1), "x")]))
    picture, mask = png(files / "p.png"), png(files / "m.png")
    value = {"image": payload(picture), "annotations": [{"image": payload(mask), "label": "m"}]}
    assert component.preprocess(value) == (str(picture), [(str(mask), "m")])
    assert component.preprocess(None) is None
    with pytest.raises(InvalidInputError, match=r"^AnnotatedImage: expected a dict"):
        component.preprocess({"image": payload(picture)})
    with pytest.raises(InvalidInputError, match=r"^AnnotatedImage: each annotation must be"):
        component.preprocess({"image": payload(picture), "annotations": [{"image": {}}]})
    info = component.api_info()
    assert info["title"] == "AnnotatedImageData"
    assert info["required"] == ["image", "annotations"]
    assert component.example_value()[1] == [([0, 0, 100, 100], "bus")]


def test_the_components_are_exported_and_named_in_the_config() -> None:
    names = ["File", "UploadButton", "Video", "Audio", "Gallery", "ImageSlider", "AnnotatedImage"]
    assert set(names) <= set(gr.__all__)
    with gr.Blocks() as demo:
        made = [getattr(gr, name)() for name in names]
    config = demo.config
    types = {c["id"]: c["type"] for c in config["components"]}
    assert [types[c.id] for c in made] == [name.lower() for name in names]
    assert all(c["api_info"] for c in config["components"] if c["id"] in types)


def test_a_copied_file_keeps_the_cache_rules(policy: FileAccess, work: Path) -> None:
    """The copy is content-addressed like every cache file: the same bytes twice give one
    file, recorded as created once."""
    first = write(work / "one/r.txt", b"same")
    second = write(work / "two/r.txt", b"same")
    told: list[bool] = []
    with cache_writes_told_to(lambda path, size, created: told.append(created)):
        assert serve_returned_file(first, policy) == serve_returned_file(second, policy)
    assert told == [True, False]
    limited = dataclasses.replace(policy, copied_roots=())
    with pytest.raises(PathNotAllowedError):
        serve_returned_file(first, limited)
