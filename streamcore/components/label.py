"""``Label``: a class label, or confidences per class."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from ..errors import InvalidInputError
from ..media.files import check_readable, current_file_access
from ._common import (
    Key,
    as_builtin_number,
    buttons_prop,
    describe,
    is_real,
)
from .base import Component

__all__ = ["Label"]


class Label(Component):
    """A classification result (``gr.Label``).

    Fn outputs: a ``str``/``int``/``float`` becomes ``{"label": str(value),
    "confidences": None}``; a ``{class: confidence}`` dict becomes ``{"label": top_class,
    "confidences": [{"label": ..., "confidence": ...}, ...]}`` sorted by descending
    confidence (ties keep their order) and cut to ``num_top_classes``; ``None`` or ``{}``
    becomes ``{}``; a path ending in ``.json`` to an existing file is read as that
    structure (subject to the file access policy). Anything else raises ``ValueError``.
    :meth:`preprocess` reverses this: the label, or the ``{class: confidence}`` dict.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "select")

    def __init__(
        self,
        value: dict[str, float] | str | float | Callable[..., Any] | None = None,
        *,
        num_top_classes: int | None = None,
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
        color: str | None = None,
        show_heading: bool = True,
        buttons: list[Any] | None = None,
    ) -> None:
        if num_top_classes is not None and (
            not isinstance(num_top_classes, int)
            or isinstance(num_top_classes, bool)
            or num_top_classes < 1
        ):
            raise ValueError(
                f"Label num_top_classes must be None or a positive int, not {num_top_classes!r}."
            )
        self.num_top_classes = num_top_classes
        self.color = color
        self.show_heading = show_heading
        self.buttons = buttons
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

    def preprocess(self, payload: Any) -> dict[Any, float | None] | str | int | float | None:
        """The label, or ``{class: confidence}`` when the payload has confidences; raises
        :class:`InvalidInputError` for a payload not of that shape."""
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise InvalidInputError(
                f"Label: expected an object with 'label' and 'confidences', "
                f"got {describe(payload)}."
            )
        confidences = payload.get("confidences")
        if confidences is None:
            label = payload.get("label")
            if label is not None and not isinstance(label, (str, int, float)):
                raise InvalidInputError(
                    f"Label: 'label' must be a string or a number, got {describe(label)}."
                )
            return label
        if not isinstance(confidences, list):
            raise InvalidInputError(
                f"Label: 'confidences' must be a list, got {describe(confidences)}."
            )
        return dict(_client_confidence(entry) for entry in confidences)

    def postprocess(self, value: Any) -> dict[str, Any]:
        """The client's ``LabelData`` dict for ``value`` (see the class docstring)."""
        if value is None or (isinstance(value, dict) and not value):
            return {}
        if isinstance(value, str) and value.endswith(".json") and Path(value).is_file():
            path = check_readable(value, current_file_access.get())
            value = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(value, dict):
                raise ValueError(f"Label: the JSON file {path} must hold an object.")
        if isinstance(value, (str, bool)) or is_real(value):
            return {"label": str(value), "confidences": None}
        if isinstance(value, dict):
            return self._postprocess_mapping(value)
        raise ValueError(
            "The Label output expects one of: a string label, an int label, a float label, "
            "or a dictionary whose keys are labels and values are confidences. "
            f"Instead, got a {type(value).__name__}."
        )

    def _postprocess_mapping(self, value: dict[Any, Any]) -> dict[str, Any]:
        if isinstance(value.get("confidences"), list):
            if not value["confidences"]:
                return {}
            value = dict(_fn_confidence_entry(entry) for entry in value["confidences"])
        ranked = sorted(
            (_fn_confidence(label, conf) for label, conf in value.items()),
            key=lambda pair: pair[1],
            reverse=True,
        )
        if self.num_top_classes is not None:
            ranked = ranked[: self.num_top_classes]
        return {
            "label": ranked[0][0],
            "confidences": [{"label": lbl, "confidence": conf} for lbl, conf in ranked],
        }

    def props(self) -> dict[str, Any]:
        """Gradio's Label config props, JSON-serialisable."""
        return {
            **super().props(),
            "num_top_classes": self.num_top_classes,
            "color": self.color,
            "show_heading": self.show_heading,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """The JSON schema of ``LabelData``."""
        label_type = {
            "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "null"}]
        }
        confidence = {
            "type": "object",
            "properties": {
                "label": label_type,
                "confidence": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            },
        }
        return {
            "title": "LabelData",
            "type": "object",
            "properties": {
                "label": label_type,
                "confidences": {
                    "anyOf": [{"type": "array", "items": confidence}, {"type": "null"}]
                },
            },
        }


def _client_confidence(entry: object) -> tuple[Any, float | None]:
    """One ``{"label": ..., "confidence": ...}`` entry a client sent, as a pair."""
    if not isinstance(entry, dict) or "label" not in entry:
        raise InvalidInputError(
            "Label: each entry of 'confidences' must be an object with 'label' and "
            f"'confidence', got {describe(entry)}."
        )
    confidence = entry.get("confidence")
    if confidence is not None and not is_real(confidence):
        raise InvalidInputError(
            f"Label: the confidence of {entry['label']!r} must be a number, "
            f"got {describe(confidence)}."
        )
    return entry["label"], None if confidence is None else float(confidence)


def _fn_confidence_entry(entry: object) -> tuple[Any, Any]:
    if not isinstance(entry, dict) or "label" not in entry or "confidence" not in entry:
        raise ValueError(
            "Label: each entry of 'confidences' must be a dict with 'label' and 'confidence', "
            f"got a {type(entry).__name__}."
        )
    return entry["label"], entry["confidence"]


def _fn_confidence(label: object, confidence: object) -> tuple[str | int | float, float]:
    """A ``(class, confidence)`` pair a fn returned, checked and made JSON-serialisable."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (str, numbers.Real)):
        raise ValueError(
            f"Label: class names must be str, int or float, got a {type(label).__name__}."
        )
    if not is_real(confidence) or not math.isfinite(confidence):  # type: ignore[arg-type]
        raise ValueError(
            f"Label: the confidence of {label!r} must be a finite number, "
            f"got {type(confidence).__name__} {confidence!r}."
        )
    name = label if isinstance(label, str) else as_builtin_number(label)
    return name, float(confidence)  # type: ignore[arg-type]


# -- State ------------------------------------------------------------------------------
