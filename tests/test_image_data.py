"""ImageData: building it from client payloads and serialising it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from streamcore.errors import InvalidInputError
from streamcore.media import image_data
from streamcore.media.image_data import ImageData


def test_exports() -> None:
    assert set(image_data.__all__) == {"FILE_DATA_META", "ImageData"}


def test_fields_and_defaults() -> None:
    assert [f.name for f in dataclasses.fields(ImageData)] == [
        "path",
        "url",
        "size",
        "orig_name",
        "mime_type",
        "is_stream",
        "meta",
    ]
    data = ImageData()
    assert data.to_dict() == {
        "path": None,
        "url": None,
        "size": None,
        "orig_name": None,
        "mime_type": None,
        "is_stream": False,
        "meta": {"_type": "gradio.FileData"},
    }


def test_meta_default_is_not_shared() -> None:
    first, second = ImageData(), ImageData()
    first.meta["x"] = 1
    assert "x" not in second.meta


def test_from_payload_passes_image_data_through() -> None:
    data = ImageData(path="/a.png")
    assert ImageData.from_payload(data) is data


def test_from_payload_reads_every_field_and_ignores_unknown_keys() -> None:
    payload: dict[str, Any] = {
        "path": "/tmp/a.png",
        "url": "http://x/a.png",
        "size": 12,
        "orig_name": "a.png",
        "mime_type": "image/png",
        "is_stream": True,
        "meta": {"_type": "gradio.FileData"},
        "unknown": object(),
    }
    data = ImageData.from_payload(payload)
    assert data == ImageData(
        path="/tmp/a.png",
        url="http://x/a.png",
        size=12,
        orig_name="a.png",
        mime_type="image/png",
        is_stream=True,
    )


def test_from_payload_defaults_missing_fields_and_null_meta() -> None:
    data = ImageData.from_payload({"url": "data:image/png;base64,AAAA", "meta": None})
    assert data.path is None
    assert data.meta == {"_type": "gradio.FileData"}


def test_from_payload_accepts_pathlike_path() -> None:
    assert ImageData.from_payload({"path": Path("/tmp/a.png")}).path == "/tmp/a.png"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("path", 5, "field 'path' must be a string or null, got int 5"),
        ("url", ["x"], "field 'url' must be a string or null, got list ['x']"),
        ("size", "12", "field 'size' must be an integer or null, got str '12'"),
        ("size", True, "field 'size' must be an integer or null, got bool True"),
        ("orig_name", 1.5, "field 'orig_name' must be a string or null, got float 1.5"),
        ("mime_type", {}, "field 'mime_type' must be a string or null, got dict {}"),
        ("is_stream", "yes", "field 'is_stream' must be a boolean, got str 'yes'"),
        ("is_stream", None, "field 'is_stream' must be a boolean, got NoneType None"),
        ("meta", "x", "field 'meta' must be an object or null, got str 'x'"),
    ],
)
def test_wrong_types_name_the_field(field: str, value: object, expected: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        ImageData.from_payload({field: value})
    assert str(caught.value) == f"Invalid image payload: {expected}"
    assert isinstance(caught.value, ValueError)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidInputError) as caught:
        ImageData.from_payload({"path": list(range(1000))})
    assert len(str(caught.value)) < 160
    assert str(caught.value).endswith("...")


@pytest.mark.parametrize("payload", ["data:image/png;base64,AAAA", 3, ["/a.png"]])
def test_non_dict_payloads_are_refused(payload: object) -> None:
    with pytest.raises(InvalidInputError, match="must be a dict with a 'path' or a 'url'"):
        ImageData.from_payload(payload)  # type: ignore[arg-type]


def test_to_dict_round_trip_and_copies_meta() -> None:
    data = ImageData(path="/a.png", orig_name="a.png", size=3, meta={"_type": "gradio.FileData"})
    as_dict = data.to_dict()
    assert ImageData.from_payload(as_dict) == data
    as_dict["meta"]["_type"] = "changed"
    assert data.meta == {"_type": "gradio.FileData"}
