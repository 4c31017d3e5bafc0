"""The events a client can call, read from an app's description (``/config``).

:func:`find_endpoint` resolves ``api_name`` / ``fn_index`` as ``gradio_client`` does;
:func:`api_info` describes the public events in ``gradio_client.view_api``'s dict format and
:func:`render_api_info` as its readable summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import UnknownEventError
from .schema_types import python_type as schema_python_type

__all__ = [
    "Endpoint",
    "UnknownEventError",
    "api_info",
    "find_endpoint",
    "public_names",
    "render_api_info",
]

_PYTHON_TYPES = {
    "image": ("filepath", "a path or URL of an image file (handle_file(...) works too)"),
    "number": ("float", ""),
    "slider": ("float", "numeric value"),
    "textbox": ("str", ""),
    "label": ("dict", "a label and its confidences"),
    "json": ("Any", "any valid JSON"),
    "markdown": ("str", ""),
    "file": ("filepath", "a path or URL of a file (handle_file(...) works too)"),
    "uploadbutton": ("filepath", "a path or URL of a file (handle_file(...) works too)"),
    "video": ("filepath", "a path or URL of a video file (handle_file(...) works too)"),
    "audio": ("filepath", "a path or URL of an audio file (handle_file(...) works too)"),
    "gallery": ("list", "a list of images (or (image, caption) pairs)"),
    "imageslider": ("tuple", "a pair of images"),
    "annotatedimage": ("tuple", "an image and its (mask or box, label) annotations"),
}


@dataclass(frozen=True)
class Endpoint:
    """What a client needs to know of one event: its name, index and components' types."""

    api_name: str
    fn_index: int
    input_types: list[str]
    output_types: list[str]
    is_stream: bool


def _is_callable(dependency: dict[str, Any]) -> bool:
    # an event with no fn (the ``stop.click(None, cancels=[...])`` idiom) is private in the
    # listings but stays triggerable, or its ``cancels`` could never run
    return dependency.get("api_visibility") != "private" or not dependency.get("has_fn", True)


def public_names(config: dict[str, Any]) -> list[str]:
    """The ``/``-prefixed names of the events a client may call by name."""
    return [
        "/" + d["api_name"]
        for d in config.get("dependencies", [])
        if d.get("api_visibility") != "private"
    ]


def find_endpoint(
    config: dict[str, Any], api_name: str | int | None = None, fn_index: int | None = None
) -> Endpoint:
    """The event to call: by ``api_name`` (a leading ``/`` optional; an ``int`` is taken as
    an index), else by ``fn_index`` (its position in the app's dependencies), else
    ``/predict``, else the app's only public event (undocumented ones, an Interface's Clear
    say, do not count, as in ``gradio_client``).

    Raises :class:`UnknownEventError` naming the valid api names.
    """
    dependencies: list[dict[str, Any]] = config.get("dependencies", [])
    if isinstance(api_name, int):
        api_name, fn_index = None, api_name
    found: dict[str, Any] | None = None
    if api_name is not None:
        name = api_name.lstrip("/")
        found = next((d for d in dependencies if d["api_name"] == name), None)
    elif fn_index is not None:
        found = dependencies[fn_index] if 0 <= fn_index < len(dependencies) else None
    else:
        found = next((d for d in dependencies if d["api_name"] == "predict"), None)
        public = [d for d in dependencies if d.get("api_visibility", "public") == "public"]
        if found is None and len(public) == 1:
            found = public[0]
    if found is None or not _is_callable(found):
        names = ", ".join(public_names(config)) or "none"
        if api_name is not None:
            asked = f"api_name {'/' + api_name.lstrip('/')!r}"
        elif fn_index is not None:
            asked = f"fn_index {fn_index}"
        else:
            asked = "api_name (the app has no /predict)"
        raise UnknownEventError(f"there is no public event with {asked}; the app has: {names}")
    types = {c["id"]: c["type"] for c in config.get("components", [])}
    return Endpoint(
        found["api_name"],
        dependencies.index(found),
        [types.get(i, "") for i in found["inputs"]],
        [types.get(i, "") for i in found["outputs"]],
        found.get("connection") == "stream",
    )


def api_info(config: dict[str, Any]) -> dict[str, Any]:
    """The public events as ``gradio_client``'s ``view_api(return_format="dict")`` gives
    them: ``{"named_endpoints": {"/name": {"parameters": [...], "returns": [...],
    "is_stream": bool}}, "unnamed_endpoints": {}}``."""
    # layouts (``skip_api``) carry no value: gradio_client leaves them out too
    components = {c["id"]: c for c in config.get("components", []) if not c.get("skip_api")}
    named: dict[str, Any] = {}
    for dependency in config.get("dependencies", []):
        if dependency.get("api_visibility") != "public":
            continue
        inputs = [components[i] for i in dependency["inputs"] if i in components]
        outputs = [components[i] for i in dependency["outputs"] if i in components]
        named["/" + dependency["api_name"]] = {
            "parameters": [_describe(c, n, parameter=True) for n, c in enumerate(inputs)],
            "returns": [_describe(c, n, parameter=False) for n, c in enumerate(outputs)],
            "is_stream": dependency.get("connection") == "stream",
        }
    return {"named_endpoints": named, "unnamed_endpoints": {}}


def _describe(component: dict[str, Any], position: int, *, parameter: bool) -> dict[str, Any]:
    kind = component["type"]
    label = component.get("props", {}).get("label") or f"{'value' if parameter else 'output'}"
    python_type, description = _PYTHON_TYPES.get(kind) or (
        schema_python_type(component.get("api_info") or {}),  # other kinds: from their schema
        "",
    )
    info: dict[str, Any] = {
        "label": label,
        "component": kind.capitalize() if kind != "json" else "JSON",
        "python_type": {"type": python_type, "description": description},
    }
    if parameter:
        info["parameter_name"] = _identifier(label, position)
        info["parameter_has_default"] = False
    return info


def _identifier(label: str, position: int) -> str:
    name = "".join(ch if ch.isalnum() else "_" for ch in label.lower()).strip("_")
    return name if name and not name[0].isdigit() else f"param_{position}"


def render_api_info(info: dict[str, Any]) -> str:
    """``info`` (from :func:`api_info`) as a readable usage summary."""
    named = info["named_endpoints"]
    lines = ["Client.predict() Usage Info", "---------------------------"]
    lines.append(f"Named API endpoints: {len(named)}")
    for name, endpoint in named.items():
        parameters = [p["parameter_name"] for p in endpoint["parameters"]]
        returns = [r["label"] for r in endpoint["returns"]]
        rendered = ", ".join(returns)
        if len(returns) > 1:
            rendered = f"({rendered})"
        call = "stream(frames, " if endpoint["is_stream"] else "predict("
        arguments = "".join(f"{p}, " for p in parameters)
        lines.append("")
        lines.append(f' - {call}{arguments}api_name="{name}") -> {rendered or "None"}')
        lines.append("    Parameters:")
        lines += [_line(p, p["parameter_name"]) for p in endpoint["parameters"]] or ["     - None"]
        lines.append("    Returns:")
        lines += [_line(r, r["label"]) for r in endpoint["returns"]] or ["     - None"]
    return "\n".join(lines) + "\n"


def _line(item: dict[str, Any], name: str) -> str:
    python_type = item["python_type"]
    description = f" ({python_type['description']})" if python_type["description"] else ""
    required = " (required)" if "parameter_has_default" in item else ""
    return f"     - [{item['component']}] {name}: {python_type['type']}{required}{description}"
