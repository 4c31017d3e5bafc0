"""``Image(value=path)`` takes the author's file at build, as Gradio does (copied into the
cache from anywhere; a path to no file kept), and PNG text metadata of a PIL image is kept
(``streamcore/components/author_files.py``, ``image.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

import streamcore as gr
from streamcore.media.files import FileAccess, use_file_access


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")) as policy:
        yield policy.cache_dir


def png(path: Path) -> Path:
    PIL.Image.fromarray(np.full((4, 4, 3), 200, np.uint8)).save(path)
    return path


def test_a_file_outside_the_working_folder_is_copied_into_the_cache(
    tmp_path: Path, cache: Path
) -> None:
    (tmp_path / "outside").mkdir()
    source = png(tmp_path / "outside" / "cat.png")
    image = gr.Image(value=str(source), label="Cat")
    assert image.value is not None
    assert image.value.path is not None
    copied = Path(image.value.path)
    assert copied.parent.parent == cache
    assert copied.name == "cat.png"
    assert copied.read_bytes() == source.read_bytes()
    assert gr.Image(value=source).value.path == str(copied)  # same bytes, same file


def test_a_path_to_no_file_is_kept_at_build(tmp_path: Path, cache: Path) -> None:
    missing = tmp_path / "later.png"
    image = gr.Image(value=str(missing))
    assert image.value is not None
    assert (image.value.path, image.value.orig_name) == (str(missing), "later.png")
    assert image.value.mime_type == "image/png"
    assert not cache.exists() or not any(cache.rglob("*.png"))


def test_urls_and_arrays_are_not_taken_as_files(cache: Path) -> None:
    assert gr.Image(value="https://example.com/a.png").value.url == "https://example.com/a.png"
    array = gr.Image(value=np.zeros((2, 2, 3), np.uint8), format="png").value
    assert array is not None
    assert array.path is not None
    assert Path(array.path).parent.parent == cache


def test_png_text_metadata_in_a_pil_images_info_is_kept(cache: Path) -> None:
    picture = PIL.Image.new("RGB", (4, 4))
    picture.info["parameters"] = "a cat, 20 steps"
    picture.info["dpi"] = (72, 72)  # not text: left out
    saved = gr.Image(format="png").postprocess(picture)
    assert saved is not None
    assert saved.path is not None
    with PIL.Image.open(saved.path) as reopened:
        assert reopened.info.get("parameters") == "a cat, 20 steps"
        assert "dpi" not in reopened.text  # type: ignore[attr-defined]
