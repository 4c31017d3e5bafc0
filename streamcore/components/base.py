"""The base of every component: the layout props Gradio gives all of them, and the
value contract (``preprocess`` turns what a client sent into what the fn receives,
``postprocess`` turns what the fn returned into what a client receives)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..contract import Block, next_block_id, to_wire
from ..events import EventListener, attach_event_listeners, current_blocks
from .constructor_args import recording_args

__all__ = ["Component"]


class Component(Block):
    """A value-holding UI element.

    Subclasses set :attr:`EVENTS` (the listener names they support; each becomes a
    ``component.<event>(fn, inputs, outputs, ...)`` listener) and override
    :meth:`preprocess`, :meth:`postprocess`, :meth:`props` and :meth:`api_info`.
    ``value`` may be a callable: it is then called at load time (and again on ``every``
    ticks or when one of ``inputs`` changes) instead of at construction. A component made
    inside ``with Blocks():`` belongs to that Blocks (unless ``render=False``).
    """

    EVENTS: ClassVar[tuple[str, ...]] = ()

    if TYPE_CHECKING:  # attached at runtime from EVENTS by __init_subclass__
        change: EventListener
        input: EventListener
        stream: EventListener
        select: EventListener
        upload: EventListener
        clear: EventListener
        click: EventListener
        tick: EventListener
        submit: EventListener
        release: EventListener
        focus: EventListener
        blur: EventListener

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:  # remembers what each instance was built with
            cls.__init__ = recording_args(cls.__dict__["__init__"])  # type: ignore[method-assign]
        attach_event_listeners(cls)

    def __init__(
        self,
        value: Any = None,
        *,
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = "value",
    ) -> None:
        if visible not in (True, False, "hidden"):
            raise ValueError(f"visible must be True, False or 'hidden', not {visible!r}")
        self._id = next_block_id()
        self.label = label
        self.every = every
        self.inputs = inputs
        self.show_label = show_label
        self.container = container
        self.scale = scale
        self.min_width = min_width
        self.interactive = interactive
        self.visible = visible
        self.elem_id = elem_id
        self.elem_classes = [elem_classes] if isinstance(elem_classes, str) else elem_classes
        self.render_at_build = render
        self.parent: Any = None
        self.key = list(key) if isinstance(key, tuple) else key
        if preserved_by_key is None:
            preserved_by_key = []
        elif isinstance(preserved_by_key, str):
            preserved_by_key = [preserved_by_key]
        self.preserved_by_key: list[str] = preserved_by_key
        self.load_fn: Callable[..., Any] | None = value if callable(value) else None
        self.value: Any = None if callable(value) else self.postprocess(value)
        if render:
            blocks = current_blocks()
            if blocks is not None:
                blocks.add_component(self)

    def render(self) -> Component:
        """Put this component (made with ``render=False``, say) in the app being built, at
        the innermost open layout; returns it. Raises outside ``with gr.Blocks():``."""
        blocks = current_blocks()
        if blocks is None:
            raise RuntimeError(
                f"{type(self).__name__}.render() must be called inside `with gr.Blocks():`"
            )
        if self.parent is not None:
            self.parent.remove_child(self)
        blocks.add_component(self)
        return self

    def unrender(self) -> Component:
        """Take this component out of its layout (it stays known to the app's events)."""
        if self.parent is not None:
            self.parent.remove_child(self)
        return self

    @property
    def id(self) -> int:
        """A process-unique id, used on the wire to name this component."""
        return self._id

    def preprocess(self, payload: Any) -> Any:
        """What the fn receives for ``payload`` (the client-side value). Identity here."""
        return payload

    def postprocess(self, value: Any) -> Any:
        """What the client receives for ``value`` (the fn's return). Identity here."""
        return value

    def example_value(self) -> Any:
        """A value the fn could return for this component (Gradio's ``example_value``):
        by default the component's own value; subclasses give Gradio's examples."""
        return self.value

    def props(self) -> dict[str, Any]:
        """The props a client needs to render this component (JSON-serialisable)."""
        return {
            "label": self.label,
            "show_label": self.show_label,
            "container": self.container,
            "scale": self.scale,
            "min_width": self.min_width,
            "interactive": self.interactive,
            "visible": self.visible,
            "elem_id": self.elem_id,
            "elem_classes": self.elem_classes,
            "key": self.key,
            "preserved_by_key": self.preserved_by_key,
        }

    def api_info(self) -> dict[str, Any]:
        """A JSON-schema-like description of the client-side value."""
        return {}

    def get_block_name(self) -> str:
        """The component's ``type`` in the app description: its class name in lower case."""
        return type(self).__name__.lower()

    def get_config(self) -> dict[str, Any]:
        """The component's props and initial value as the app description carries them
        (Gradio's ``Component.get_config()``)."""
        return {**self.props(), "value": to_wire(self.value), "name": self.get_block_name()}
