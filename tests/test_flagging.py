"""Flagging: ``Interface(flagging_mode=...)`` and its buttons, and the CSV files of
``CSVLogger`` read back (columns, cells, copied files, new files when the columns change,
CSV-injection escapes, refused paths)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import PIL.Image
import pytest

import streamcore as gr
from streamcore.app.flagging import (
    FLAGGING_MODES,
    CSVLogger,
    flagging_options,
    resolve_flagging_mode,
    sanitize_cell,
)
from streamcore.errors import PathNotAllowedError
from streamcore.media.files import FileAccess, save_bytes_to_cache, use_file_access


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def greet(name: str, times: float) -> str:
    return f"hi {name} " * int(times)


@pytest.fixture(autouse=True)
def no_mode_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADIO_FLAGGING_MODE", raising=False)


# -- modes and buttons ----------------------------------------------------------------------------


def test_the_default_mode_is_manual_with_one_flag_button(tmp_path: Path) -> None:
    demo = gr.Interface(greet, ["text", "number"], "text", flagging_dir=str(tmp_path))
    (button,) = demo.flag_buttons
    assert button.value == "Flag"
    flag = demo.dependency("Flag")
    assert flag.triggers[0].source is button
    assert flag.inputs == [*demo.input_components, *demo.output_components]
    assert flag.outputs == []
    assert (flag.preprocess, flag.queue, flag.api_visibility) == (False, False, "undocumented")
    assert not tmp_path.joinpath("dataset1.csv").exists()  # nothing before the first flag
    shown = {c["id"]: c["props"].get("interactive") for c in demo.config["components"]}
    assert [shown[c.id] for c in (*demo.input_components, *demo.output_components)] == [
        True,
        True,
        False,  # an output stays read-only though the flag event takes it (Gradio's rule)
    ]


def test_modes_from_the_parameter_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_flagging_mode(None) == "manual"
    monkeypatch.setenv("GRADIO_FLAGGING_MODE", "never")
    assert resolve_flagging_mode(None) == "never"
    assert resolve_flagging_mode("auto") == "auto"
    assert FLAGGING_MODES == ("never", "auto", "manual")
    with pytest.raises(ValueError, match="flagging_mode must be one of 'never', 'auto', 'manual'"):
        gr.Interface(greet, ["text", "number"], "text", flagging_mode="always")


def test_never_adds_nothing() -> None:
    demo = gr.Interface(greet, ["text", "number"], "text", flagging_mode="never")
    assert demo.flag_buttons == []
    assert [d.api_name for d in demo.dependencies] == ["greet", "clear"]


def test_auto_flags_after_each_successful_run() -> None:
    demo = gr.Interface(greet, ["text", "number"], "text", flagging_mode="auto")
    assert demo.flag_buttons == []
    flag = demo.dependency("Flag")
    assert [(t.source, t.event) for t in flag.triggers] == [(demo.dependency_, "success")]
    assert flag.preprocess is False


def test_flagging_options_make_one_button_each() -> None:
    assert flagging_options(None) == [("Flag", None)]
    assert flagging_options(["good", "bad"]) == [("Flag as good", "good"), ("Flag as bad", "bad")]
    assert flagging_options([("Yes", "y")]) == [("Yes", "y")]
    with pytest.raises(ValueError, match="list of strings or of \\(label, value\\) tuples"):
        flagging_options("good")
    with pytest.raises(TypeError, match="option values must be strings"):
        flagging_options([("Yes", 1)])
    demo = gr.Interface(greet, ["text", "number"], "text", flagging_options=["good", "bad"])
    assert [b.value for b in demo.flag_buttons] == ["Flag as good", "Flag as bad"]


# -- the CSV, through the app ---------------------------------------------------------------------


def test_a_flag_writes_a_row_with_the_files_copied(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    PIL.Image.new("RGB", (4, 3), (10, 20, 30)).save(photo)
    flagged = tmp_path / "flagged"
    demo = gr.Interface(
        lambda name, n: photo,
        [gr.Textbox(label="name"), gr.Number(label="count")],
        gr.Image(label="picture"),
        flagging_dir=str(flagged),
    )
    before = datetime.datetime.now()
    assert demo("Ada", 3, str(photo), api_name="Flag") == ()  # no outputs
    demo("=cmd()", None, str(photo), api_name="Flag")

    rows = read_csv(flagged / "dataset1.csv")
    assert rows[0] == ["name", "count", "picture", "timestamp"]
    assert len(rows) == 3
    name, count, picture, timestamp = rows[1]
    assert (name, count) == ("Ada", "3")
    copy = Path(picture)
    assert copy.is_relative_to(flagged / "picture")
    assert copy.read_bytes() == photo.read_bytes()
    assert datetime.datetime.fromisoformat(timestamp) >= before
    assert rows[2][:2] == ["'=cmd()", ""]  # a formula is escaped; None is an empty cell
    assert Path(rows[2][2]) != copy  # each flag has its own copy


def test_options_add_a_flag_column_and_new_columns_start_a_new_file(tmp_path: Path) -> None:
    demo = gr.Interface(
        greet, ["text", "number"], "text", flagging_dir=str(tmp_path), flagging_options=["bad"]
    )
    demo("Ada", 1, "hi Ada ", api_name="Flag")
    rows = read_csv(tmp_path / "dataset1.csv")
    assert rows[0] == ["name", "times", "output", "flag", "timestamp"]
    assert rows[1][:4] == ["Ada", "1", "hi Ada ", "bad"]

    other = gr.Interface(greet, ["text", "number"], "text", flagging_dir=str(tmp_path))
    other("Bo", 2, "x", api_name="Flag")
    assert read_csv(tmp_path / "dataset2.csv")[0] == ["name", "times", "output", "timestamp"]
    again = gr.Interface(greet, ["text", "number"], "text", flagging_dir=str(tmp_path))
    again("Cy", 3, "y", api_name="Flag")
    assert [r[0] for r in read_csv(tmp_path / "dataset2.csv")] == ["name", "Bo", "Cy"]


def test_a_dataframe_is_flagged_as_json(tmp_path: Path) -> None:
    demo = gr.Interface(
        lambda t: t,
        gr.Dataframe(label="table", type="array"),
        gr.Dataframe(label="same", type="array"),
        flagging_dir=str(tmp_path),
    )
    table = {"headers": ["a"], "data": [[1], [2]], "metadata": None}
    demo(table, table, api_name="Flag")
    row = read_csv(tmp_path / "dataset1.csv")[1]
    assert row[0] == row[1] == '{"headers": ["a"], "data": [[1], [2]], "metadata": null}'


# -- CSVLogger directly ---------------------------------------------------------------------------


def test_logger_cells_and_refusals(tmp_path: Path) -> None:
    components = [gr.Textbox(label="t", render=False), gr.Image(render=False)]
    logger = CSVLogger(verbose=False)
    logger.setup(components, tmp_path / "flags")
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")) as policy:
        cached = save_bytes_to_cache(b"GIF89a", "tiny.gif", policy)
        assert logger.flag(["a", {"path": str(cached), "orig_name": "tiny.gif"}]) == 1
        assert (
            logger.flag(
                [{"k": 1}, {"url": "data:image/png;base64,iVBORw0KGgo=", "orig_name": "../x"}]
            )
            == 2
        )
        outside = tmp_path / "elsewhere.png"
        outside.write_bytes(b"x")
        with pytest.raises(PathNotAllowedError, match="upload it first"):
            logger.flag(["b", {"path": str(outside)}])
    rows = read_csv(tmp_path / "flags" / "dataset1.csv")
    assert rows[0] == ["t", "component 1", "timestamp"]
    assert Path(rows[1][1]).read_bytes() == b"GIF89a"
    assert Path(rows[1][1]).parent.parent == tmp_path / "flags" / "component 1"
    assert rows[2][0] == '{"k": 1}'
    written = Path(rows[2][1])
    assert (written.name, written.read_bytes()) == ("x.png", b"\x89PNG\r\n\x1a\n")
    assert len(rows) == 3  # the refused flag wrote nothing


def test_logger_keeps_whole_file_values_when_asked(tmp_path: Path) -> None:
    logger = CSVLogger(simplify_file_data=False, verbose=False, dataset_file_name="log.csv")
    logger.setup([gr.Image(label="i", render=False)], tmp_path)
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")) as policy:
        cached = save_bytes_to_cache(b"data", "f.png", policy)
        logger.flag([{"path": str(cached), "orig_name": "f.png"}])
    cell = read_csv(tmp_path / "log.csv")[1][0]
    assert cell.startswith('{"path": "')
    assert '"orig_name": "f.png"' in cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (2.5, 2.5),
        ("plain", "plain"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("a,=b", "'a,=b"),
        ('{"a":  1}', '{"a": 1}'),
        ("[1,", "[1,"),
        (True, "True"),
    ],
)
def test_sanitize_cell_as_gradio(value: Any, expected: Any) -> None:
    assert sanitize_cell(value) == expected
