"""Gradio's update idiom: a fn changes an output's props (and maybe its value).

A fn returns ``gr.update(label="New", value=...)`` (a dict whose ``__type__`` is
``"update"``) or a component instance (``gr.Image(label="New")``: the arguments its caller
named are the update). :func:`apply_update` rebuilds the output component with those props
over the ones it was built with (so a later call of the same session preprocesses with the
new props: a ``Slider``'s new ``maximum`` bounds its input) and gives the client Gradio's
update payload: ``{"__type__": "update", <each prop named, as the rebuilt component has
it>, "value": <postprocessed value>}``.
"""

from __future__ import annotations

from typing import Any

from ..components.constructor_args import constructor_args
from ..contract import Block

__all__ = ["apply_update", "as_update", "is_update", "skip", "update"]

_NO_VALUE = object()


def update(
    elem_id: str | None = None,
    elem_classes: list[str] | str | None = None,
    visible: bool | str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """``gr.update(...)``: a fn's return value that updates the props named (and the value,
    if ``value=`` is given) of its output component. Props given as ``None`` are left as
    they are (``value=None`` clears the value)."""
    props: dict[str, Any] = {"__type__": "update", **kwargs}
    if elem_id is not None:
        props["elem_id"] = elem_id
    if elem_classes is not None:
        props["elem_classes"] = elem_classes
    if visible is not None:
        props["visible"] = visible
    return props


def skip() -> dict[str, Any]:
    """``gr.skip()``: a fn's return value that leaves its output as it is (an update of
    nothing, as Gradio's)."""
    return {"__type__": "update"}


def is_update(value: Any) -> bool:
    """Whether ``value`` is an update dict (``gr.update(...)``'s form)."""
    return isinstance(value, dict) and value.get("__type__") == "update"


def as_update(value: Any) -> dict[str, Any] | None:
    """``value`` as an update dict when it is one or is a component or layout instance (its
    constructor's named arguments), else ``None``. Props given as ``None`` are dropped
    (``value`` excepted)."""
    from ..components.base import Component
    from ..layouts import Layout

    if isinstance(value, Component | Layout):
        props = constructor_args(value)
        props.pop("render", None)
    elif is_update(value):
        props = {key: item for key, item in value.items() if key != "__type__"}
    else:
        return None
    return {key: item for key, item in props.items() if item is not None or key == "value"}


def apply_update(
    component: Block, base: Block, props: dict[str, Any], *, postprocess: bool = True
) -> tuple[dict[str, Any], Block]:
    """The client payload for the update ``props`` of the output ``component`` whose
    current state (for this session) is ``base``, and the rebuilt component.

    Raises ``ValueError`` naming the component when it cannot take a prop (or the props
    are invalid together); the component's own error when the value is refused."""
    kind = type(component).__name__
    props = dict(props)
    value = props.pop("value", _NO_VALUE)
    if not props:
        rebuilt = base
    else:
        arguments = {**constructor_args(base), **props, "render": False}
        arguments.pop("value", None)
        try:
            rebuilt = type(component)(**arguments)
        except TypeError as exc:
            raise ValueError(
                f"{kind}: the update {sorted(props)} cannot be applied: {exc}"
            ) from None
    payload: dict[str, Any] = {"__type__": "update"}
    known = rebuilt.props() if hasattr(rebuilt, "props") else {}
    for key in props:
        if key in known:
            payload[key] = known[key]
        elif hasattr(rebuilt, key):
            payload[key] = getattr(rebuilt, key)
    if value is not _NO_VALUE:
        payload["value"] = rebuilt.postprocess(value) if postprocess else value
    return payload, rebuilt
