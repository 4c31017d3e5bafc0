"""Uploads: ``media/sizes.py`` (Gradio's ``max_file_size`` forms) and
``files.save_stream_to_cache``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from streamcore.errors import FileTooLargeError
from streamcore.media.files import (
    FileAccess,
    save_bytes_to_cache,
    save_stream_to_cache,
)
from streamcore.media.sizes import file_too_large, format_size, parse_file_size

pytestmark = pytest.mark.anyio

BOUNDARY = "streamcore-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LIMIT = 2048
"""The ``max_file_size`` of the live tests, in bytes."""


# -- the size forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "size"),
    [
        (1000, 1000),
        ("7b", 7),
        ("200kb", 200 * 1024),
        ("5mb", 5 * 1024**2),
        ("1gb", 1024**3),
        ("2tb", 2 * 1024**4),
        ("10 MB", 10 * 1024**2),
        (" 3 Kb ", 3 * 1024),
        ("1.5kb", 1536),
        (None, None),
    ],
)
def test_file_sizes_in_gradio_forms(given: Any, size: int | None) -> None:
    assert parse_file_size(given) == size


@pytest.mark.parametrize("given", ["5", "mb", "", "5 megabytes", "5mb5", "-5mb", "0kb", "5 pb"])
def test_a_bad_size_string_is_a_value_error_naming_it(given: str) -> None:
    with pytest.raises(ValueError, match=repr(given)):
        parse_file_size(given)


@pytest.mark.parametrize("given", [0, -1])
def test_a_size_must_be_positive(given: int) -> None:
    with pytest.raises(ValueError, match="must be more than 0 bytes"):
        parse_file_size(given)


@pytest.mark.parametrize("given", [5.0, True, b"5mb"])
def test_a_size_of_another_type_is_a_type_error(given: Any) -> None:
    with pytest.raises(TypeError, match="max_file_size must be"):
        parse_file_size(given)


def test_sizes_are_written_in_human_units() -> None:
    assert format_size(5 * 1024**2) == "5 MB"
    assert format_size(int(7.2 * 1024**2)) == "7.2 MB"
    assert format_size(200 * 1024) == "200 KB"
    assert format_size(999) == "999 B"
    assert format_size(3 * 1024**4) == "3 TB"
    error = file_too_large("photo.png", 5 * 1024**2, int(7.2 * 1024**2))
    assert isinstance(error, FileTooLargeError)
    assert str(error).startswith("photo.png is 7.2 MB, over the 5 MB max_file_size")


# -- save_stream_to_cache -------------------------------------------------------------------------


def visible_files(cache: Path) -> list[Path]:
    """Everything in the cache but its seed: stored files and any temporary left over."""
    return sorted(path for path in cache.rglob("*") if path.is_file() and path.name != ".hash_seed")


def test_a_stream_is_stored_where_the_same_bytes_would_be(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    data = bytes(range(256)) * 1000  # several chunks
    streamed = save_stream_to_cache(io.BytesIO(data), "blob.bin", policy)
    assert streamed == save_bytes_to_cache(data, "blob.bin", policy)
    assert streamed.read_bytes() == data
    assert streamed.parent.parent == tmp_path
    assert visible_files(tmp_path) == [streamed]  # no temporary file left


def test_an_existing_file_is_kept(tmp_path: Path) -> None:
    policy = FileAccess(cache_dir=tmp_path)
    first = save_stream_to_cache(io.BytesIO(b"same"), "a.txt", policy)
    inode = first.stat().st_ino
    again = save_stream_to_cache(io.BytesIO(b"same"), "../a.txt", policy)
    assert (again, again.stat().st_ino) == (first, inode)
    assert visible_files(tmp_path) == [first]


def test_a_failing_source_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell():
                raise OSError("the disk went away")
            return super().read(size)

    with pytest.raises(OSError, match="the disk went away"):
        save_stream_to_cache(Broken(b"x" * 200_000), "x.bin", FileAccess(cache_dir=tmp_path))
    assert visible_files(tmp_path) == []
