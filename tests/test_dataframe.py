"""``gr.Dataframe``: constructor defaults and checks, the table format both ways (lists,
numpy, pandas through a stand-in module, polars refused when missing), every error a
client or a fn can cause, the API description, and a call by the real ``gradio_client``."""

from __future__ import annotations

import datetime
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradio_client import Client

import streamcore as gr
from streamcore.components.dataframe import DATAFRAME_TYPES, Dataframe
from streamcore.errors import InvalidInputError, PathNotAllowedError
from streamcore.media.files import FileAccess, use_file_access

TABLE = {"headers": ["name", "age"], "data": [["Ada", 36], ["Alan", 41]], "metadata": None}


# -- a stand-in for pandas, at the import seam --------------------------------------------------


class _FakeFrame:
    """Just what Dataframe uses of ``pandas.DataFrame``: the constructor and ``to_dict``."""

    def __init__(self, rows: list[list[Any]], columns: list[Any] | None = None) -> None:
        self.rows = rows
        self.columns = list(columns) if columns is not None else list(range(len(rows[0])))

    def to_dict(self, orient: str) -> dict[str, Any]:
        assert orient == "split"
        return {"index": list(range(len(self.rows))), "columns": self.columns, "data": self.rows}


_FakeFrame.__module__ = "pandas.core.frame"


@pytest.fixture
def fake_pandas(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("pandas")
    module.DataFrame = _FakeFrame  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pandas", module)
    return module


@pytest.fixture
def no_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    monkeypatch.setitem(sys.modules, "polars", None)


# -- construction -------------------------------------------------------------------------------


def test_defaults_as_gradio(fake_pandas: types.ModuleType) -> None:
    table = Dataframe()
    assert table.type == "pandas"
    assert table.headers == ["1", "2", "3"]
    assert table.row_count == (3, "dynamic")
    assert table.column_count == (3, "dynamic")
    assert table.datatype == "str"
    assert table.value == {"headers": ["1", "2", "3"], "data": [], "metadata": None}
    props = table.props()
    assert props["col_count"] == [3, "dynamic"]
    assert props["max_height"] == 500
    assert props["latex_delimiters"] == [{"left": "$$", "right": "$$", "display": True}]
    assert Dataframe.EVENTS == ("change", "input", "select", "edit")


def test_headers_set_the_column_count() -> None:
    table = Dataframe(headers=["a", "b"], row_count=5, type="array")
    assert (table.headers, table.column_count, table.row_count) == (
        ["a", "b"],
        (2, "dynamic"),
        (5, "dynamic"),
    )


def test_col_count_is_deprecated_but_honoured() -> None:
    with pytest.warns(DeprecationWarning, match="column_count"):
        table = Dataframe(col_count=4, type="array")
    assert table.headers == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "table"}, "type must be one of 'pandas', 'numpy', 'array', 'polars'"),
        ({"headers": ["a", "b"], "column_count": 3}, "headers has 2 names but column_count is 3"),
        ({"datatype": "float"}, "datatype must be one of"),
        ({"datatype": ["str", "auto"]}, "got 'auto'"),
        ({"row_count": -1}, "row_count must be None or a non-negative int"),
        ({"column_count": "3"}, "column_count must be None or a non-negative int"),
    ],
)
def test_constructor_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dataframe(**{"type": "array", **kwargs})


def test_pandas_type_without_pandas_fails_at_the_first_input(no_pandas: None) -> None:
    table = {"headers": ["a"], "data": [[1]]}
    output = Dataframe(headers=["a"])  # an output needs no pandas (Gradio's default type)
    assert output.postprocess([[1]])["data"] == [[1]]
    with pytest.raises(ImportError, match=r"type='pandas'\) needs pandas.*type='array'"):
        output.preprocess(table)
    with pytest.raises(ImportError, match=r"type='polars'\) needs polars"):
        Dataframe(type="polars").preprocess(table)
    assert Dataframe(type="array").preprocess(table) == [[1]]  # lists and numpy need nothing
    assert Dataframe(type="numpy").preprocess(table).tolist() == [[1]]


def test_auto_datatype_from_the_first_row() -> None:
    table = Dataframe(
        [["a", 1, 2.5, True, datetime.date(2024, 1, 2)]], datatype="auto", type="array"
    )
    assert table.datatype == ["str", "number", "number", "bool", "date"]


def test_api_info_and_example_value_as_gradio() -> None:
    table = Dataframe(type="array")
    info = table.api_info()
    assert info["title"] == "DataframeData"
    assert info["required"] == ["headers", "data"]
    assert info["properties"]["data"]["items"] == {"items": {}, "type": "array"}
    assert table.example_value() == {"headers": ["a", "b"], "data": [["foo", "bar"]]}
    assert table.preprocess(table.example_payload()) == [["foo", "bar"]]


# -- client -> fn ---------------------------------------------------------------------------------


def test_preprocess_each_type(fake_pandas: types.ModuleType) -> None:
    assert Dataframe(type="array").preprocess(TABLE) == [["Ada", 36], ["Alan", 41]]
    array = Dataframe(type="numpy").preprocess({"headers": ["x", "y"], "data": [[1, 2], [3, 4]]})
    assert isinstance(array, np.ndarray)
    assert array.tolist() == [[1, 2], [3, 4]]
    frame = Dataframe().preprocess(TABLE)
    assert isinstance(frame, _FakeFrame)
    assert (frame.columns, frame.rows) == (["name", "age"], [["Ada", 36], ["Alan", 41]])
    empty = Dataframe().preprocess({"headers": ["a"], "data": [[]]})
    assert (empty.columns, empty.rows) == (["a"], [])  # Gradio's rule for [[]]
    assert Dataframe(type="array").preprocess(None) is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            "a,b",
            'expected {"headers": \\[...\\], "data": \\[\\[...\\]\\]}, got a value of type str',
        ),
        ({"headers": ["a"]}, "expected"),
        ({"headers": "a", "data": []}, "headers must be a list"),
        ({"headers": [["a"]], "data": []}, "headers must be a list"),
        ({"headers": ["a"], "data": "x"}, "data must be a list of rows"),
        ({"headers": ["a"], "data": ["x"]}, "row 0 is a value of type str, not a list"),
        ({"headers": ["a", "b"], "data": [[1, 2], [3]]}, "row 1 has 1 cells but there are 2"),
        (
            {"headers": ["a"], "data": [[{"x": 1}]]},
            "the cell at row 0, column 0 is a value of type dict",
        ),
        ({"headers": ["a"], "data": [[float("nan")]]}, "the cell at row 0, column 0"),
        ({"headers": ["a"], "data": [[1]], "metadata": 3}, "metadata must be an object or null"),
    ],
)
def test_preprocess_refuses_a_malformed_table(payload: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match="^Dataframe: " + message):
        Dataframe(type="array").preprocess(payload)


# -- fn -> client ---------------------------------------------------------------------------------


def test_postprocess_lists_arrays_and_dicts() -> None:
    table = Dataframe(headers=["a", "b"], type="array")
    assert table.postprocess([[1, 2], [3, 4]]) == {
        "headers": ["a", "b"],
        "data": [[1, 2], [3, 4]],
        "metadata": None,
    }
    assert table.postprocess([1, 2])["data"] == [[1], [2]]  # a flat list is one column
    assert table.postprocess([(1, 2)])["data"] == [[1, 2]]
    wide = table.postprocess(np.arange(6).reshape(2, 3))
    assert wide["headers"] == ["a", "b", "3"]  # extended to the width of the rows
    assert table.postprocess(np.array([1.5, 2.5]))["data"] == [[1.5], [2.5]]
    narrow = table.postprocess({"headers": ["x", "y", "z"], "data": [[1]], "metadata": {"k": []}})
    assert narrow == {"headers": ["x"], "data": [[1]], "metadata": {"k": []}}
    assert table.postprocess(None) == {"headers": ["a", "b"], "data": [], "metadata": None}
    assert table.postprocess([]) == {"headers": ["a", "b"], "data": [], "metadata": None}


def test_postprocess_makes_cells_json_scalars() -> None:
    cells = Dataframe(type="array").postprocess(
        [[np.int64(3), np.float32(0.5), np.bool_(True), float("nan"), datetime.date(2024, 5, 6)]]
    )["data"][0]
    assert cells == [3, 0.5, True, None, "2024-05-06"]
    assert [type(c) for c in cells[:3]] == [int, float, bool]


def test_postprocess_a_pandas_frame(fake_pandas: types.ModuleType) -> None:
    frame = _FakeFrame([["Ada", 36]], columns=["name", "age"])
    assert Dataframe().postprocess(frame) == {
        "headers": ["name", "age"],
        "data": [["Ada", 36]],
        "metadata": None,
    }


def test_postprocess_a_csv_file(tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,age,score\nAda,36,1.5\nAlan,41,x\n", encoding="utf-8")
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache", allowed_paths=[tmp_path])):
        value = Dataframe(type="array").postprocess(str(csv_file))
    assert value["headers"] == ["name", "age", "score"]
    assert value["data"] == [["Ada", 36, 1.5], ["Alan", 41, "x"]]
    with (
        use_file_access(FileAccess(cache_dir=tmp_path / "cache")),
        pytest.raises(PathNotAllowedError),
    ):
        Dataframe(type="array").postprocess(str(csv_file))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3.5, "Dataframe cannot show a value of type float"),
        (np.zeros((2, 2, 2)), "1 or 2 dimensions, not shape \\(2, 2, 2\\)"),
        ([[1, 2], [3]], "row 1 has 1 cells but row 0 has 2"),
        ([[object()]], "the cell at row 0, column 0 is a value of type object"),
        ({"data": 3}, "the dict's data must be a list of rows"),
        ({"data": [[1]], "headers": "a"}, "the dict's headers must be a list"),
    ],
)
def test_postprocess_refuses_what_it_cannot_show(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dataframe(type="array").postprocess(value)


def test_every_type_round_trips_a_table(fake_pandas: types.ModuleType) -> None:
    for kind in ("pandas", "numpy", "array"):
        table = Dataframe(headers=["a", "b"], type=kind)  # type: ignore[arg-type]
        out = table.postprocess(table.preprocess({"headers": ["a", "b"], "data": [[1, 2]]}))
        assert out["data"] == [[1, 2]], kind
    assert set(DATAFRAME_TYPES) == {"pandas", "numpy", "array", "polars"}


def test_a_fn_in_process_gets_and_returns_tables() -> None:
    with gr.Blocks() as demo:
        table = gr.Dataframe(headers=["a", "b"], type="numpy", interactive=True)
        out = gr.Dataframe(type="array")
        table.change(lambda t: (t * 2).tolist(), table, out, api_name="double")
    result = demo({"headers": ["a", "b"], "data": [[1, 2], [3, 4]]}, api_name="double")
    assert result["data"] == [[2, 4], [6, 8]]
    config = {c["id"]: c for c in demo.config["components"]}
    assert config[table.id]["type"] == "dataframe"
    assert config[table.id]["events"] == ["change", "input", "select", "edit"]


# -- the real gradio_client ---------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[str]:
    def transpose(rows: list[list[Any]]) -> list[list[Any]]:
        return [list(column) for column in zip(*rows, strict=True)]

    with gr.Blocks() as demo:
        table = gr.Dataframe(headers=["x", "y", "z"], type="array")
        out = gr.Dataframe(type="array")
        gr.Button("go").click(transpose, table, out, api_name="transpose")
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield str(server.local_url)
    finally:
        demo.close()


def test_gradio_client_calls_a_dataframe_fn(served: str) -> None:
    client = Client(served, verbose=False)
    try:
        result = client.predict(
            {"headers": ["x", "y", "z"], "data": [[1, 2, 3], [4, 5, 6]]}, api_name="/transpose"
        )
        info = client.view_api(print_info=False, return_format="dict")
    finally:
        client.close()
    assert result["data"] == [[1, 4], [2, 5], [3, 6]]
    assert result["headers"] == ["1", "2"]
    (parameter,) = info["named_endpoints"]["/transpose"]["parameters"]
    assert parameter["component"] == "Dataframe"
