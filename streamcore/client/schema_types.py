"""A component's ``api_info`` (a JSON schema) as the Python type hint ``gradio_client``'s
``view_api`` shows for it: ``Literal['a', 'b']`` for an enum, ``list[...]`` for an array,
``dict(name: type, ...)`` for an object, ``A | B`` for ``anyOf``, ``Any`` for ``{}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["python_type"]

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def python_type(schema: Mapping[str, Any]) -> str:
    """The type hint for ``schema`` (``$ref``s resolved against its ``$defs``); ``Any`` for
    a schema it cannot read."""
    return _hint(schema, schema.get("$defs") or {})


def _hint(schema: Any, defs: Mapping[str, Any]) -> str:
    if not isinstance(schema, Mapping) or not schema:
        return "Any"
    if "const" in schema:
        return f"Literal[{schema['const']}]"
    if "enum" in schema:
        return "Literal[" + ", ".join(f"'{option}'" for option in schema["enum"]) + "]"
    kind = schema.get("type")
    if isinstance(kind, str) and kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        return f"list[{_hint(schema.get('items', {}), defs)}]"
    if kind == "object":
        properties = schema.get("properties", {})
        fields = [f"{name}: {_hint(sub, defs)}" for name, sub in properties.items()]
        return f"dict({', '.join(fields)})"
    if isinstance(schema.get("$ref"), str):
        return _hint(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list):
            return " | ".join(_hint(option, defs) for option in schema[union])
    return "Any"
