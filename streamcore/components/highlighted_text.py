"""``HighlightedText``: text whose spans carry a category or a confidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from ..errors import InvalidInputError
from ._common import Key, as_builtin_number, buttons_prop, describe, is_real
from .base import Component

__all__ = ["HighlightedText"]

Span = tuple[str, str | int | float | None]
"""One piece of the text and its label (a category, a confidence, or ``None``)."""

_TOKEN_SCHEMA: dict[str, Any] = {
    "properties": {
        "token": {"title": "Token", "type": "string"},
        "class_or_confidence": {
            "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}],
            "default": None,
            "title": "Class Or Confidence",
        },
    },
    "required": ["token"],
    "title": "HighlightedToken",
    "type": "object",
}


class HighlightedText(Component):
    """Text with highlighted spans (``gr.HighlightedText``).

    A fn returns a list of ``(text, label)`` pairs (the label a category string, a
    confidence number, or ``None`` for plain text), or a dict with ``"text"`` and
    ``"entities"`` (each entity a dict with ``"start"``, ``"end"`` and ``"entity"`` or
    ``"entity_group"``, as a transformers NER pipeline gives). With ``combine_adjacent``
    neighbouring spans of the same label are merged (joined by ``adjacent_separator``);
    with ``show_whitespaces=False`` each span is stripped. The client value is a list of
    ``{"token": str, "class_or_confidence": str | number | null}``; :meth:`preprocess`
    gives the fn that list of dicts (as Gradio's ``model_dump``) and raises
    :class:`InvalidInputError` for any other shape. A malformed fn value raises
    ``ValueError`` saying what was expected.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "select")

    def __init__(
        self,
        value: Any = None,
        *,
        color_map: dict[str, str] | None = None,
        show_legend: bool = False,
        show_inline_category: bool = True,
        combine_adjacent: bool = False,
        adjacent_separator: str = "",
        show_whitespaces: bool = True,
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
        interactive: bool | None = None,
        rtl: bool = False,
        buttons: list[Any] | None = None,
    ) -> None:
        self.color_map = color_map
        self.show_legend = show_legend
        self.show_inline_category = show_inline_category
        self.combine_adjacent = combine_adjacent
        self.adjacent_separator = adjacent_separator
        self.show_whitespaces = show_whitespaces
        self.rtl = rtl
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
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> list[dict[str, Any]] | None:
        """The spans as ``{"token", "class_or_confidence"}`` dicts; ``None`` stays ``None``."""
        if payload is None:
            return None
        if not isinstance(payload, list):
            raise InvalidInputError(
                f"HighlightedText: expected a list of spans, got {describe(payload)}."
            )
        return [_client_span(n, item) for n, item in enumerate(payload)]

    def postprocess(self, value: Any) -> list[dict[str, Any]] | None:
        """The spans to show as ``{"token", "class_or_confidence"}`` dicts (see the class
        docstring); ``None`` stays ``None``."""
        if value is None:
            return None
        spans = _entity_spans(value) if isinstance(value, Mapping) else _pair_spans(value)
        if self.combine_adjacent:
            spans = _combine(spans, self.adjacent_separator)
        return [
            {
                "token": token if self.show_whitespaces else token.strip(),
                "class_or_confidence": label,
            }
            for token, label in spans
        ]

    def example_value(self) -> list[Span]:
        """A few labelled words, as Gradio."""
        return [("The", None), ("quick", "adj"), ("brown", "adj"), ("fox", "noun")]

    def props(self) -> dict[str, Any]:
        """Gradio's HighlightedText config props."""
        return {
            **super().props(),
            "color_map": self.color_map,
            "show_legend": self.show_legend,
            "show_inline_category": self.show_inline_category,
            "combine_adjacent": self.combine_adjacent,
            "adjacent_separator": self.adjacent_separator,
            "show_whitespaces": self.show_whitespaces,
            "rtl": self.rtl,
            "buttons": buttons_prop(self.buttons),
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Gradio's schema (its data model's JSON schema): an array of tokens."""
        return {
            "$defs": {"HighlightedToken": _TOKEN_SCHEMA},
            "items": {"$ref": "#/$defs/HighlightedToken"},
            "title": "HighlightedTextData",
            "type": "array",
            "additional_description": None,
        }


def _is_label(label: object) -> bool:
    return label is None or isinstance(label, str) or is_real(label)


def _client_span(position: int, item: object) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("token"), str):
        raise InvalidInputError(
            f"HighlightedText: span {position} must be an object with a string 'token', "
            f"got {describe(item)}."
        )
    label = item.get("class_or_confidence")
    if not _is_label(label):
        raise InvalidInputError(
            f"HighlightedText: span {position}'s class_or_confidence must be a string, a "
            f"number or null, got {describe(label)}."
        )
    return {"token": item["token"], "class_or_confidence": label}


def _fn_label(label: object) -> str | int | float | None:
    if not _is_label(label):
        raise ValueError(
            "HighlightedText expects each label to be a string, a number or None, "
            f"got {describe(label)}."
        )
    return as_builtin_number(label) if is_real(label) else label  # type: ignore[arg-type,return-value]


def _pair_spans(value: object) -> list[Span]:
    if not isinstance(value, list | tuple):
        raise ValueError(
            "HighlightedText expects a list of (text, label) pairs or a dict with 'text' "
            f"and 'entities' from the function, got {describe(value)}."
        )
    spans: list[Span] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2 or not isinstance(item[0], str):
            raise ValueError(
                f"HighlightedText expects each span to be a (text, label) pair, got {item!r:.60}."
            )
        spans.append((item[0], _fn_label(item[1])))
    return spans


def _entity_spans(value: Mapping[str, Any]) -> list[Span]:
    """Gradio's dict form: the text cut at each entity, the pieces between unlabelled."""
    try:
        text, entities = value["text"], value["entities"]
    except KeyError:
        raise ValueError(
            "HighlightedText expects a dict with the keys 'text' and 'entities'."
        ) from None
    if not isinstance(text, str) or not isinstance(entities, list | tuple):
        raise ValueError(
            "HighlightedText expects 'text' to be a string and 'entities' a list of dicts."
        )
    if not entities:
        return [(text, None)]
    try:
        ordered = sorted(entities, key=lambda entity: entity["start"])
        spans: list[Span] = []
        index = 0
        for entity in ordered:
            start, end = entity["start"], entity["end"]
            spans.append((text[index:start], None))
            category = entity.get("entity") or entity.get("entity_group")
            spans.append((text[start:end], _fn_label(category)))
            index = end
    except (KeyError, TypeError) as error:
        raise ValueError(
            "HighlightedText expects each entity to be a dict with 'start', 'end' and "
            f"'entity' (or 'entity_group'); {type(error).__name__}: {error}"
        ) from None
    spans.append((text[index:], None))
    return spans


def _combine(spans: list[Span], separator: str) -> list[Span]:
    """Neighbouring spans of one label merged; empty spans dropped (as Gradio)."""
    merged: list[Span] = []
    for token, label in spans:
        if not token:
            continue
        if merged and merged[-1][1] == label:
            merged[-1] = (merged[-1][0] + separator + token, label)
        else:
            merged.append((token, label))
    return merged
