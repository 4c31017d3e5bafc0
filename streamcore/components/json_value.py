"""``JSON``: any JSON-serialisable value, checked on the way out."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import numbers
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, ClassVar, Literal

import numpy as np

from ..errors import Error
from ._common import (
    Key,
    as_builtin_number,
    buttons_prop,
)
from .base import Component

__all__ = ["JSON"]


class JSON(Component):
    """Arbitrary JSON shown prettily (``gr.JSON``).

    :meth:`postprocess` parses a ``str`` as JSON (raising :class:`Error`, shown to the
    client, for invalid JSON, as Gradio) and converts anything else to plain JSON values:
    tuples and numpy arrays become lists, numpy scalars numbers, NaN and infinity
    ``None``, dates/times, UUIDs and paths strings, enums their value, dataclasses
    dicts. Any other type raises ``ValueError`` naming the type and where it was.
    :meth:`preprocess` passes the client's (already JSON) value through.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change",)

    def __init__(
        self,
        value: str | dict[str, Any] | list[Any] | Callable[..., Any] | None = None,
        *,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        open: bool = False,
        show_indices: bool = False,
        height: int | str | None = None,
        max_height: int | str | None = 500,
        min_height: int | str | None = None,
        buttons: list[Any] | None = None,
    ) -> None:
        self.open = open
        self.show_indices = show_indices
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.buttons: list[Any] = ["copy"] if buttons is None else list(buttons)
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def postprocess(self, value: Any) -> Any:
        """``value`` as plain JSON values (see the class docstring)."""
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as err:
                raise Error(f"Invalid JSON string: {err}") from err
        return _to_json(value, "$", set())

    def props(self) -> dict[str, Any]:
        """Gradio's JSON config props, JSON-serialisable."""
        return {
            **super().props(),
            "open": self.open,
            "show_indices": self.show_indices,
            "height": self.height,
            "max_height": self.max_height,
            "min_height": self.min_height,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Any JSON value (Gradio's description)."""
        return {"type": {}, "description": "any valid json"}


def _to_json(value: Any, where: str, seen: set[int]) -> Any:
    """``value`` as plain JSON values; ``where`` is its JSON path, for error messages."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.bool_, numbers.Real)):
        return _json_scalar(value)
    if isinstance(value, (dict, list, tuple, np.ndarray)) or _is_dataclass_instance(value):
        return _json_container(value, where, seen)
    if isinstance(value, enum.Enum):
        return _to_json(value.value, where, seen)
    if isinstance(value, (datetime.date, datetime.time, uuid.UUID, PurePath)):
        return str(value)
    raise ValueError(
        f"JSON: the value at {where} is of type {type(value).__name__}, which is not "
        "JSON-serialisable. Return dicts, lists, strings, numbers, bools or None."
    )


def _json_scalar(value: np.bool_ | numbers.Real) -> bool | int | float | None:
    if isinstance(value, np.bool_):
        return bool(value)
    number = as_builtin_number(value)
    return number if math.isfinite(number) else None


def _json_container(value: Any, where: str, seen: set[int]) -> Any:
    """Convert a dict, sequence, array or dataclass, refusing reference cycles."""
    if id(value) in seen:
        raise ValueError(f"JSON: the value at {where} contains itself (a reference cycle).")
    seen.add(id(value))
    try:
        if isinstance(value, np.ndarray):
            return _to_json(value.tolist(), where, seen)
        if isinstance(value, (list, tuple)):
            return [_to_json(item, f"{where}[{i}]", seen) for i, item in enumerate(value)]
        if not isinstance(value, dict):
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return {_json_key(k, where): _to_json(v, f"{where}[{k!r}]", seen) for k, v in value.items()}
    finally:
        seen.discard(id(value))


def _json_key(key: object, where: str) -> str:
    """A dict key as JSON's ``json.dumps`` writes it (numbers, bools and None as text)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    if isinstance(key, (np.bool_, numbers.Real)):
        return json.dumps(_json_scalar(key))
    raise ValueError(
        f"JSON: a key of the object at {where} is of type {type(key).__name__}; "
        "keys must be strings, numbers, bools or None."
    )


def _is_dataclass_instance(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


# -- Markdown ---------------------------------------------------------------------------
