"""``Dataframe``: a table of values (``gr.Dataframe``).

On the wire a table is ``{"headers": [...], "data": [[...], ...], "metadata": ...}`` (Gradio
6's ``DataframeData``). A fn receives it as a pandas or polars DataFrame, a numpy array or
a list of lists (``type``); pandas and polars are optional: they are imported only when the
component's ``type`` needs them, or to recognise a value a fn returned.
"""

from __future__ import annotations

import csv
import datetime
import importlib
import math
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar, Final, Literal

import numpy as np

from ..errors import InvalidInputError
from ..media.files import check_readable, current_file_access
from ._common import DEFAULT_LATEX_DELIMITERS, Key, describe
from .base import Component

__all__ = ["DATAFRAME_TYPES", "DATATYPES", "Dataframe"]

DATAFRAME_TYPES: Final = ("pandas", "numpy", "array", "polars")
"""The ``type`` values ``Dataframe`` accepts: what its fn receives."""

DATATYPES: Final = ("str", "number", "bool", "date", "markdown", "html", "image", "auto")
"""The column ``datatype`` values ``Dataframe`` accepts."""

_SCALARS: Final = (str, int, float, bool, type(None))

_SCHEMA: Final = {
    "properties": {
        "headers": {"items": {}, "title": "Headers", "type": "array"},
        "data": {"items": {"items": {}, "type": "array"}, "title": "Data", "type": "array"},
        "metadata": {
            "anyOf": [
                {
                    "additionalProperties": {
                        "anyOf": [{"items": {}, "type": "array"}, {"type": "null"}]
                    },
                    "type": "object",
                },
                {"type": "null"},
            ],
            "default": None,
            "title": "Metadata",
        },
    },
    "required": ["headers", "data"],
    "title": "DataframeData",
    "type": "object",
}


class Dataframe(Component):
    """A table (``gr.Dataframe``), editable cell by cell when interactive.

    :meth:`preprocess` takes ``{"headers": [...], "data": [[...]], "metadata": ...}``: rows
    of JSON scalars, each as long as ``headers``; anything else raises
    :class:`InvalidInputError` starting with ``"Dataframe:"``. The fn receives a pandas or
    polars DataFrame, a numpy array or the list of lists, as ``type`` says.

    :meth:`postprocess` accepts what Gradio's does: a pandas DataFrame (or Styler: its data),
    a polars DataFrame, a numpy array (1-D is one column), a list of lists (a flat list is
    one column), a dict with ``data`` (and optionally ``headers`` and ``metadata``), a path
    to a CSV file, or ``None`` (an empty table). Headers are the value's own, else the
    component's, cut or extended (``"4"``, ``"5"``...) to the width of the rows. Numpy
    scalars become Python numbers, NaN and infinities ``None``, dates ISO text. Anything
    else, ragged rows, or cells that are not scalars raise ``ValueError`` naming the
    component.

    The constructor raises ``ValueError`` for an unknown ``type`` or ``datatype``, or
    ``headers`` whose length is not ``column_count``. ``type="pandas"`` (the default) or
    ``"polars"`` needs that library only to hand a client's table to the fn: an output
    Dataframe works without it, and an input one raises ``ImportError`` at its first call,
    saying how to get it or what ``type`` to use instead.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "input", "select", "edit")

    def __init__(
        self,
        value: Any = None,
        *,
        headers: list[str] | None = None,
        row_count: int | None = None,
        row_limits: tuple[int | None, int | None] | None = None,
        col_count: int | None = None,
        column_count: int | None = None,
        column_limits: tuple[int | None, int | None] | None = None,
        datatype: str | Sequence[str] = "str",
        type: Literal["pandas", "numpy", "array", "polars"] = "pandas",
        latex_delimiters: list[dict[str, str | bool]] | None = None,
        label: str | None = None,
        show_label: bool | None = None,
        every: Any = None,
        inputs: Any = None,
        max_height: int | str = 500,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        wrap: bool = False,
        line_breaks: bool = True,
        column_widths: list[str | int] | None = None,
        buttons: list[Literal["fullscreen", "copy"]] | None = None,
        show_row_numbers: bool = False,
        max_chars: int | None = None,
        show_search: Literal["none", "search", "filter"] = "none",
        pinned_columns: int | None = None,
        static_columns: list[int] | None = None,
    ) -> None:
        if type not in DATAFRAME_TYPES:
            raise ValueError(
                f"Dataframe type must be one of {', '.join(map(repr, DATAFRAME_TYPES))}; "
                f"got {type!r}."
            )
        if col_count is not None:
            warnings.warn(
                "Dataframe col_count is deprecated: use column_count.",
                DeprecationWarning,
                stacklevel=2,
            )
            column_count = column_count if column_count is not None else col_count
        self.row_count = (_count("row_count", row_count, 3), "dynamic")
        self.column_count = (
            _count("column_count", column_count, len(headers) if headers else 3),
            "dynamic",
        )
        if headers is not None and len(headers) != self.column_count[0]:
            raise ValueError(
                f"Dataframe headers has {len(headers)} names but column_count is "
                f"{self.column_count[0]}; give one header per column."
            )
        self.headers: list[Any] = (
            list(headers)
            if headers is not None
            else [str(i) for i in range(1, self.column_count[0] + 1)]
        )
        self.type = type
        self.datatype = _check_datatype(datatype)
        if self.datatype == "auto":
            self.datatype = _auto_datatype(value)
        self.row_limits = row_limits
        self.column_limits = column_limits
        self.latex_delimiters = (
            [dict(d) for d in DEFAULT_LATEX_DELIMITERS]
            if latex_delimiters is None
            else latex_delimiters
        )
        self.max_height = max_height
        self.wrap = wrap
        self.line_breaks = line_breaks
        self.column_widths = [
            w if isinstance(w, str) and (w.endswith(("px", "%")) or w == "auto") else f"{w}px"
            for w in (column_widths or [])
        ]
        self.buttons = buttons
        self.show_row_numbers = show_row_numbers
        self.max_chars = max_chars
        self.show_search = show_search
        self.pinned_columns = pinned_columns
        self.static_columns = list(static_columns or [])
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
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

    # -- input ----------------------------------------------------------------------------

    def preprocess(self, payload: Any) -> Any:
        """The table for the fn, as ``type`` says (``None`` stays ``None``); raises
        :class:`InvalidInputError` for a payload that is not a well-formed table."""
        if payload is None:
            return None
        headers, rows = _client_table(payload)
        if self.type == "array":
            return rows
        if self.type == "numpy":
            return np.array(rows)
        library = _table_library(self.type)
        if self.type == "pandas":
            return library.DataFrame(rows, columns=headers or None)
        schema = [str(h) for h in headers] or None
        if not rows:
            return library.DataFrame(schema=schema)
        return library.DataFrame(rows, schema=schema, orient="row")

    # -- output ---------------------------------------------------------------------------

    def postprocess(self, value: Any) -> dict[str, Any]:
        """``value`` as ``{"headers", "data", "metadata"}`` (see the class docstring);
        raises ``ValueError`` naming the component for a value it cannot show."""
        headers, rows, metadata = _table_of(value)
        rows = [_fn_row(row, index) for index, row in enumerate(rows)]
        if not rows:
            return {"headers": list(headers or self.headers), "data": [], "metadata": None}
        width = len(rows[0])
        for index, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(
                    f"Dataframe: row {index} has {len(row)} cells but row 0 has {width}; "
                    "every row needs the same number of cells."
                )
        headers = [_header(h) for h in (headers or self.headers)][:width]
        headers += [str(i) for i in range(len(headers) + 1, width + 1)]
        return {"headers": headers, "data": rows, "metadata": metadata}

    # -- description ----------------------------------------------------------------------

    def props(self) -> dict[str, Any]:
        """Gradio's Dataframe config props, JSON-serialisable."""
        return {
            **super().props(),
            "headers": self.headers,
            "row_count": list(self.row_count),
            "col_count": list(self.column_count),
            "column_count": list(self.column_count),
            "row_limits": self.row_limits,
            "column_limits": self.column_limits,
            "datatype": self.datatype,
            "type": self.type,
            "latex_delimiters": self.latex_delimiters,
            "max_height": self.max_height,
            "wrap": self.wrap,
            "line_breaks": self.line_breaks,
            "column_widths": self.column_widths,
            "buttons": self.buttons,
            "show_row_numbers": self.show_row_numbers,
            "max_chars": self.max_chars,
            "show_search": self.show_search,
            "pinned_columns": self.pinned_columns,
            "static_columns": self.static_columns,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """The JSON schema of Gradio's ``DataframeData``."""
        return dict(_SCHEMA)

    def example_value(self) -> dict[str, Any]:
        """A value a fn may return and a client may send (Gradio's)."""
        return {"headers": ["a", "b"], "data": [["foo", "bar"]]}

    def example_payload(self) -> dict[str, Any]:
        """A payload a client may send (Gradio's)."""
        return self.example_value()


# -- helpers --------------------------------------------------------------------------------


def _count(name: str, count: object, default: int) -> int:
    if count is None:
        return default
    if isinstance(count, tuple) and count:  # Gradio 5's (count, "fixed" | "dynamic")
        count = count[0]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"Dataframe {name} must be None or a non-negative int, not {count!r}.")
    return count


def _check_datatype(datatype: str | Sequence[str]) -> str | list[str]:
    names = [datatype] if isinstance(datatype, str) else list(datatype)
    for name in names:
        if name not in DATATYPES or (name == "auto" and not isinstance(datatype, str)):
            raise ValueError(
                f"Dataframe datatype must be one of {', '.join(map(repr, DATATYPES))} "
                f"(or a list of them, one per column, without 'auto'); got {name!r}."
            )
    return datatype if isinstance(datatype, str) else names


def _auto_datatype(value: Any) -> str | list[str]:
    """Gradio's ``datatype="auto"``: a kind per column from the first row's cells."""
    try:
        _, rows, _ = _table_of(value)
    except ValueError:
        return "str"
    if not rows or not isinstance(rows[0], list | tuple):
        return "str"
    kinds = []
    for cell in rows[0]:
        if isinstance(cell, bool | np.bool_):
            kinds.append("bool")
        elif isinstance(cell, int | float | np.number):
            kinds.append("number")
        elif isinstance(cell, datetime.date):
            kinds.append("date")
        else:
            kinds.append("str")
    return kinds


def _table_library(kind: str) -> ModuleType:
    """pandas or polars, or ``ImportError`` saying how to get it or what to use instead."""
    try:
        return importlib.import_module(kind)
    except ImportError:
        raise ImportError(
            f"Dataframe(type={kind!r}) needs {kind}, which is not installed: "
            f"`pip install {kind}`, or use type='array' (a list of lists) or type='numpy'."
        ) from None


def _client_table(payload: Any) -> tuple[list[Any], list[list[Any]]]:
    """The headers and rows a client sent, checked; a lone empty row means no rows."""
    if not isinstance(payload, dict) or "data" not in payload:
        raise InvalidInputError(
            f'Dataframe: expected {{"headers": [...], "data": [[...]]}}, got {describe(payload)}.'
        )
    headers = payload.get("headers")
    if headers is None:
        headers = []
    if not isinstance(headers, list) or not all(isinstance(h, _SCALARS) for h in headers):
        raise InvalidInputError("Dataframe: headers must be a list of strings or numbers.")
    data = payload["data"]
    if not isinstance(data, list):
        raise InvalidInputError(f"Dataframe: data must be a list of rows, got {describe(data)}.")
    if data == [[]]:
        data = []
    metadata = payload.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidInputError(f"Dataframe: metadata must be an object or null, not {metadata!r}.")
    for index, row in enumerate(data):
        if not isinstance(row, list):
            raise InvalidInputError(f"Dataframe: row {index} is {describe(row)}, not a list.")
        if headers and len(row) != len(headers):
            raise InvalidInputError(
                f"Dataframe: row {index} has {len(row)} cells but there are {len(headers)} headers."
            )
        for column, cell in enumerate(row):
            if not isinstance(cell, _SCALARS) or (
                isinstance(cell, float) and not math.isfinite(cell)
            ):
                raise InvalidInputError(
                    f"Dataframe: the cell at row {index}, column {column} is "
                    f"{describe(cell)}; cells must be strings, numbers, booleans or null."
                )
    return headers, data


def _table_of(value: Any) -> tuple[list[Any] | None, list[Any], dict[str, Any] | None]:
    """``(headers or None, rows, metadata)`` of a fn's value, before the cells are checked."""
    if value is None:
        return None, [], None
    if isinstance(value, dict):
        return _dict_table(value)
    if isinstance(value, str):
        return _csv_table(value)
    if isinstance(value, np.ndarray):
        return None, _array_rows(value), None
    if isinstance(value, list | tuple):
        if not value:
            return None, [], None
        if isinstance(value[0], list | tuple):
            return None, list(value), None
        return None, [[cell] for cell in value], None
    module = type(value).__module__.split(".")[0]
    if module == "pandas":
        frame = value.data if type(value).__name__ == "Styler" else value  # shows its frame
        split = frame.to_dict(orient="split")
        return list(split["columns"]), split["data"], None
    if module == "polars":
        return list(value.columns), [list(row) for row in value.rows()], None
    raise ValueError(
        f"Dataframe cannot show {describe(value)}: return a list of lists, a numpy array, "
        'a pandas or polars DataFrame, a dict with "data" or the path of a CSV file.'
    )


def _dict_table(value: dict[str, Any]) -> tuple[list[Any] | None, list[Any], dict[str, Any] | None]:
    data = value.get("data", [])
    if not isinstance(data, list | tuple):
        raise ValueError(f"Dataframe: the dict's data must be a list of rows, not {data!r}.")
    headers = value.get("headers")
    if headers is not None and not isinstance(headers, list | tuple):
        raise ValueError(f"Dataframe: the dict's headers must be a list, not {headers!r}.")
    metadata = value.get("metadata")
    rows = [] if list(data) == [[]] else list(data)
    return (None if headers is None else list(headers)), rows, metadata


def _array_rows(array: np.ndarray[Any, Any]) -> list[Any]:
    if array.ndim == 1:
        return [[cell] for cell in array.tolist()]
    if array.ndim != 2:
        raise ValueError(
            f"Dataframe: a numpy array must have 1 or 2 dimensions, not shape {array.shape}."
        )
    rows: list[Any] = array.tolist()
    return rows


def _csv_table(path: str) -> tuple[list[Any] | None, list[Any], None]:
    """A CSV file the fn named (read under the file policy): its first row is the headers;
    cells that read as integers or decimals become numbers."""
    resolved = check_readable(path, current_file_access.get())
    with resolved.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    if not rows:
        return None, [], None
    return rows[0], [[_csv_cell(cell) for cell in row] for row in rows[1:]], None


def _csv_cell(text: str) -> Any:
    for parse in (int, float):
        try:
            number = parse(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else text
    return text


def _fn_row(row: Any, index: int) -> list[Any]:
    if not isinstance(row, list | tuple):
        raise ValueError(f"Dataframe: row {index} is {describe(row)}, not a list.")
    return [_fn_cell(cell, index, column) for column, cell in enumerate(row)]


def _fn_cell(cell: Any, row: int, column: int) -> Any:
    """A cell a fn returned as a JSON scalar."""
    if isinstance(cell, np.generic):
        cell = cell.item()
    if isinstance(cell, float) and not math.isfinite(cell):
        return None
    if isinstance(cell, _SCALARS):
        return cell
    if type(cell).__module__.split(".")[0] == "pandas" and _is_missing(cell):
        return None  # pandas.NaT, pandas.NA
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    raise ValueError(
        f"Dataframe: the cell at row {row}, column {column} is {describe(cell)}; cells must "
        "be strings, numbers, booleans, dates or None."
    )


def _is_missing(cell: Any) -> bool:
    try:
        return bool(cell != cell)  # NaT is not equal to itself; NA compares to NA
    except TypeError:
        return True


def _header(header: Any) -> Any:
    if isinstance(header, np.generic):
        header = header.item()
    return header if isinstance(header, str | int | float) else str(header)
