"""The arguments a fn receives besides its inputs: Gradio's injected parameters.

A fn parameter is filled by streamcore, not by an input component, when it is

* annotated ``gr.Request`` (or ``gr.Request | None``): the client's :class:`Request`;
* annotated ``gr.EventData`` or ``gr.SelectData``: the event data of the trigger;
* given a ``gr.Progress()`` instance as its default: that tracker (bound to the running job
  when it is called).

The inputs fill the other positional parameters in order (Gradio's ``special_args`` rule).
:func:`arg_plan` reads a fn's signature once; :meth:`ArgPlan.arguments` is cheap enough for
every frame of a stream.
"""

from __future__ import annotations

import contextlib
import inspect
import typing
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..events import SelectData
from .progress import Progress
from .request import Request

__all__ = ["ArgPlan", "arg_plan", "input_parameter_names", "progress_of"]

_EVENT_DATA_NAMES = frozenset({"SelectData", "EventData"})
_INPUT = "input"


@dataclass(frozen=True, slots=True)
class ArgPlan:
    """Where each injected value goes among a fn's positional arguments: ``slots`` holds,
    per parameter up to the last injected one, ``"input"``, ``"request"``, ``"event"`` or
    a :class:`Progress` (its default). Empty when nothing is injected."""

    slots: tuple[str | Progress, ...] = ()

    @property
    def progress(self) -> Progress | None:
        """The fn's ``gr.Progress`` default, if it declares one."""
        return next((slot for slot in self.slots if isinstance(slot, Progress)), None)

    @property
    def wants_request(self) -> bool:
        return "request" in self.slots

    def arguments(
        self, inputs: list[Any], *, event_data: Any = None, request: Request | None = None
    ) -> list[Any]:
        """The fn's positional arguments for ``inputs`` (returned as is when nothing is
        injected)."""
        if not self.slots:
            return inputs
        args: list[Any] = []
        given = iter(inputs)
        for slot in self.slots:
            if isinstance(slot, Progress):
                args.append(slot)
            elif slot == "request":
                args.append(request)
            elif slot == "event":
                args.append(SelectData.from_payload(event_data))
            else:
                args.append(next(given, None))
        args.extend(given)
        return args


_plans: weakref.WeakKeyDictionary[Any, ArgPlan] = weakref.WeakKeyDictionary()


def arg_plan(fn: Callable[..., Any] | None) -> ArgPlan:
    """The :class:`ArgPlan` of ``fn`` (computed once per fn object that can be weakly
    referenced)."""
    if fn is None:
        return ArgPlan()
    try:
        return _plans[fn]
    except (KeyError, TypeError):
        pass
    plan = _make_plan(fn)
    with contextlib.suppress(TypeError):
        _plans[fn] = plan
    return plan


def progress_of(fn: Callable[..., Any] | None) -> Progress | None:
    """``fn``'s ``gr.Progress`` default, if any."""
    return arg_plan(fn).progress


def input_parameter_names(fn: Callable[..., Any]) -> list[str]:
    """The names of ``fn``'s parameters that the inputs fill, in order (the injected ones
    left out); ``[]`` when its signature cannot be read."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    slots = arg_plan(fn).slots
    return [
        parameter.name
        for index, parameter in enumerate(parameters)
        if index >= len(slots) or slots[index] == _INPUT
    ]


def _make_plan(fn: Callable[..., Any]) -> ArgPlan:
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ArgPlan()
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # unresolvable string annotations: read their text
        hints = {}
    slots: list[str | Progress] = []
    last_special = -1
    for parameter in parameters:
        if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            break
        slot = _slot_of(parameter, hints.get(parameter.name, parameter.annotation))
        if slot != _INPUT:
            last_special = len(slots)
        slots.append(slot)
    return ArgPlan(tuple(slots[: last_special + 1]))


def _slot_of(parameter: inspect.Parameter, hint: Any) -> str | Progress:
    if isinstance(parameter.default, Progress):
        return parameter.default
    names = _type_names(hint)
    if "Request" in names:
        return "request"
    if names & _EVENT_DATA_NAMES:
        return "event"
    return _INPUT


def _type_names(hint: Any) -> set[str]:
    """The class names an annotation names (``X | None`` and ``Optional[X]`` looked into;
    a string's dotted names by their last part)."""
    if hint is inspect.Parameter.empty or hint is None:
        return set()
    if isinstance(hint, str):
        text = hint.replace("Optional[", "").replace("]", "")
        return {part.strip().split(".")[-1] for part in text.split("|")} - {"None"}
    arguments = typing.get_args(hint)
    if arguments:
        return set().union(*(_type_names(argument) for argument in arguments))
    if isinstance(hint, type) and issubclass(hint, Request):
        return {"Request"}
    if isinstance(hint, type) and issubclass(hint, SelectData):
        return {"SelectData"}
    return set()
