"""The component contract: what the app model and the runtime ask of a component.

:class:`Block` is the base every component derives from (through
:class:`~streamcore.components.base.Component`). The event API, the runtime and the
transports speak to components only through it, so none of them imports a concrete
component, and a component's capabilities are declared, never guessed from its attributes:

- every component turns payloads into fn arguments (:meth:`Block.preprocess`) and fn
  results into payloads (:meth:`Block.postprocess`);
- one that keeps a per-session value says so with :attr:`Block.stateful` and gives each
  session its :meth:`Block.initial_value`;
- one that can take a stream's frames returns a :class:`FrameInput` from
  :meth:`Block.frame_input`; one that can carry a stream's image output as bytes or pixels
  returns a :class:`FrameOutput` from :meth:`Block.frame_output`.
"""

from __future__ import annotations

import abc
import itertools
from typing import Any, Protocol

from .engine.frames import Pixels

__all__ = ["Block", "FrameInput", "FrameOutput", "next_block_id", "to_wire"]

_block_ids = itertools.count(1)


def to_wire(value: Any) -> Any:
    """``value`` as clients receive it: a value model's ``to_dict()`` (an ``ImageData``,
    say), anything else as it is."""
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def next_block_id() -> int:
    """A new process-unique id for a component or a layout (``0`` names the app itself)."""
    return next(_block_ids)


class FrameInput(Protocol):
    """A component that receives a stream's decoded frames."""

    def preprocess_frame(self, pixels: Pixels) -> Any:
        """The fn's argument for one decoded ``(H, W, 3)`` uint8 RGB frame."""
        ...


class FrameOutput(Protocol):
    """A component whose value can travel as an encoded image or as pixels."""

    def postprocess_to_bytes(self, value: Any) -> tuple[bytes, str]:
        """The fn's result as ``(encoded bytes, mime type)``."""
        ...

    def postprocess_to_array(self, value: Any) -> Pixels:
        """The fn's result as a ``(H, W, 3)`` uint8 RGB array (for a video track)."""
        ...


class Block(abc.ABC):
    """The contract of a component (see the module docstring)."""

    @property
    @abc.abstractmethod
    def id(self) -> int:
        """A process-unique id, used on the wire to name the component."""

    @abc.abstractmethod
    def preprocess(self, payload: Any) -> Any:
        """What the fn receives for ``payload`` (the client-side value)."""

    @abc.abstractmethod
    def postprocess(self, value: Any) -> Any:
        """What the client receives for ``value`` (the fn's return)."""

    @property
    def stateful(self) -> bool:
        """True for a component whose value lives on the server, one per session."""
        return False

    def initial_value(self) -> Any:
        """A stateful component's value for a new session (see :attr:`stateful`)."""
        raise TypeError(f"{type(self).__name__} is not stateful: it has no session value")

    def mark_streaming(self) -> None:  # noqa: B027 - a hook whose default is to do nothing
        """A ``.stream`` listener was attached to this component (Gradio then makes an
        Image streaming). Nothing by default."""

    def frame_input(self) -> FrameInput | None:
        """This component as a receiver of stream frames, or ``None`` if it is not one."""
        return None

    def frame_output(self) -> FrameOutput | None:
        """This component as a carrier of a stream's image output, or ``None``."""
        return None
