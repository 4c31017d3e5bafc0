"""The arguments a component was built with, as its caller gave them.

Gradio's update idiom (``return gr.Image(label="New")`` from a fn) changes only the props the
caller named, so a component remembers them: :func:`recording_args` wraps a component class's
``__init__`` (done for every subclass by :class:`~streamcore.components.base.Component`), and
:func:`constructor_args` reads them back.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["constructor_args", "recording_args"]

_ATTRIBUTE = "_constructor_args"


def recording_args(init: Callable[..., None]) -> Callable[..., None]:
    """``init`` wrapped so that the outermost call records its arguments by name on the
    instance (a subclass's ``super().__init__`` records nothing more). Positional
    arguments are named from ``init``'s signature; ``**kwargs`` are merged in."""
    if getattr(init, "_records_args", False):
        return init
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if _ATTRIBUTE not in self.__dict__:
            self.__dict__[_ATTRIBUTE] = _named(signature, self, args, kwargs)
        init(self, *args, **kwargs)

    wrapper._records_args = True  # type: ignore[attr-defined]
    return wrapper


def _named(
    signature: inspect.Signature, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    try:
        bound = signature.bind(instance, *args, **kwargs)
    except TypeError:  # the call itself is wrong: __init__ raises the real error
        return dict(kwargs)
    named: dict[str, Any] = {}
    parameters = signature.parameters
    for index, (name, value) in enumerate(bound.arguments.items()):
        if index == 0:  # self
            continue
        if parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)
        elif parameters[name].kind is not inspect.Parameter.VAR_POSITIONAL:
            named[name] = value
    return named


def constructor_args(component: Any) -> dict[str, Any]:
    """A copy of the arguments ``component`` was built with, by name (``{}`` if none were
    recorded)."""
    return dict(getattr(component, _ATTRIBUTE, {}))
