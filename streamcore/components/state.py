"""``State``: a per-session value that never travels to the client."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

from ._common import (
    is_real,
)
from .base import Component

__all__ = ["State"]


class State(Component):
    """Per-session server-side state (``gr.State``); never rendered nor sent to clients.

    ``value`` is deep-copied at construction (``TypeError`` if it cannot be) and again by
    :meth:`initial_value` for every session, so sessions never share a mutable object.
    ``time_to_live`` (seconds, ``None`` for no limit) and ``delete_callback`` (called with
    the value when it is deleted) are for the session layer, which owns the lifetimes.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change",)

    def __init__(
        self,
        value: Any = None,
        render: bool = True,
        *,
        time_to_live: float | None = None,
        delete_callback: Callable[[Any], None] | None = None,
    ) -> None:
        if time_to_live is not None and (not is_real(time_to_live) or not time_to_live > 0):
            raise ValueError(
                f"State time_to_live must be None or a positive number of seconds, "
                f"not {time_to_live!r}."
            )
        self.time_to_live = time_to_live
        self.delete_callback: Callable[[Any], None] = delete_callback or _ignore
        if not callable(value):
            value = _deepcopy_initial(value)
        super().__init__(value, render=render)

    @property
    def stateful(self) -> bool:
        """Always True: the value lives on the server, per session."""
        return True

    def initial_value(self) -> Any:
        """A fresh deep copy of the initial value, for one new session (``None`` when the
        value is computed by ``load_fn`` instead)."""
        return copy.deepcopy(self.value)

    def props(self) -> dict[str, Any]:
        """Marks the component as server-side only; the value is never sent."""
        return {"stateful": True, "render": self.render_at_build}

    def api_info(self) -> dict[str, Any]:
        """Any value (State is not part of the API)."""
        return {"type": {}, "description": "any valid json"}


def _ignore(_value: Any) -> None:
    """The default ``delete_callback``: do nothing."""


def _deepcopy_initial(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except TypeError as err:
        raise TypeError(
            "The initial value of `gr.State` must be able to be deepcopied. The initial "
            f"value of type {type(value).__name__} cannot be deepcopied."
        ) from err


# -- JSON -------------------------------------------------------------------------------
