"""Event listeners and the dependencies they register.

``image.change(fn, inputs, outputs, ...)`` (or ``@image.change(inputs=..., outputs=...)``)
validates its parameters and registers a :class:`Dependency` on the app being built (the
innermost :func:`building` context, a :class:`~streamcore.app.blocks.Blocks`). A dependency is
the unit the runtime executes: fn, inputs, outputs and every documented event parameter,
resolved and validated at registration so that a bad value fails where it is written, with
the valid choices in the message. Inputs and outputs are components, known here only by
their contract (:class:`~streamcore.contract.Block`).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .contract import Block
from .engine.functions import FnKind, fn_kind

__all__ = [
    "API_VISIBILITIES",
    "SHOW_PROGRESS",
    "TRIGGER_MODES",
    "AppUnderConstruction",
    "Dependency",
    "EventAttribute",
    "EventListener",
    "SelectData",
    "Trigger",
    "attach_event_listeners",
    "building",
    "current_blocks",
    "on",
    "validate",
]

TRIGGER_MODES = ("once", "multiple", "always_last")
SHOW_PROGRESS = ("full", "minimal", "hidden")
API_VISIBILITIES = ("public", "private", "undocumented")
_ids = itertools.count()


class AppUnderConstruction(Protocol):
    """What components and listeners register into while an app is built (a ``Blocks``)."""

    def add_component(self, component: Block) -> None: ...

    def add_dependency(self, dependency: Dependency) -> None: ...

    def add_layout(self, layout: Any) -> None: ...

    def open_layout(self, layout: Any) -> None: ...

    def close_layout(self, layout: Any) -> None: ...


_building: contextvars.ContextVar[tuple[AppUnderConstruction, ...]] = contextvars.ContextVar(
    "streamcore_blocks", default=()
)


def current_blocks() -> AppUnderConstruction | None:
    """The innermost ``with Blocks():`` being built in this context, if any."""
    stack = _building.get()
    return stack[-1] if stack else None


@contextlib.contextmanager
def building(app: AppUnderConstruction) -> Iterator[None]:
    """Make ``app`` the one components and listeners register into, for the block."""
    token = _building.set((*_building.get(), app))
    try:
        yield
    finally:
        _building.reset(token)


@dataclass(frozen=True)
class Trigger:
    """What fires a dependency: an event of a component, or the end of another dependency."""

    source: Any
    """A component, or a :class:`Dependency` for ``then`` / ``success``."""
    event: str


@dataclass
class SelectData:
    """Event data of ``select``: for an Image, ``index`` is the clicked ``[x, y]`` pixel."""

    index: Any = None
    value: Any = None
    selected: bool = True
    target: Any = None

    @classmethod
    def from_payload(cls, payload: Any, target: Any = None) -> SelectData:
        if not isinstance(payload, dict):
            payload = {}
        return cls(
            payload.get("index"), payload.get("value"), bool(payload.get("selected", True)), target
        )


@dataclass(eq=False)
class Dependency:
    """One registered event: what runs, on what, and with which parameters."""

    triggers: list[Trigger]
    fn: Callable[..., Any] | None
    inputs: list[Block]
    outputs: list[Block]
    api_name: str
    api_description: str | Literal[False] | None = None
    scroll_to_output: bool = False
    show_progress: str = "full"
    show_progress_on: list[Block] | None = None
    queue: bool = True
    batch: bool = False
    max_batch_size: int = 4
    preprocess: bool = True
    postprocess: bool = True
    cancels: list[Dependency] = field(default_factory=list)
    trigger_mode: str = "once"
    js: str | bool | None = None
    concurrency_limit: int | Literal["default"] | None = "default"
    concurrency_id: str | None = None
    api_visibility: str = "public"
    time_limit: float | None = None
    stream_every: float = 0.5
    key: Any = None
    validator: Callable[..., Any] | None = None
    max_concurrent_fns: int | Literal["app"] | None = "app"
    """streamcore's, streams only: how many of this event's fn calls may run at once
    (``"app"``: it shares the app's limit, ``ServerOptions.max_concurrent_fns``; an int: a
    fair limit of its own; ``None``: no limit, for fns that release the GIL). See
    ``docs/semantics.md``, "Concurrent fn calls"."""
    connection: str | None = None
    blocks: AppUnderConstruction | None = None
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def kind(self) -> FnKind | None:
        return None if self.fn is None else fn_kind(self.fn)

    @property
    def is_stream(self) -> bool:
        return self.connection == "stream"

    @property
    def group_id(self) -> Any:
        """The concurrency group: ``concurrency_id``, else the fn object itself."""
        return self.concurrency_id if self.concurrency_id is not None else self.fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the fn directly, as a plain function (decorator use keeps it callable)."""
        if self.fn is None:
            raise TypeError(f"the event {self.api_name!r} has no fn to call")
        return self.fn(*args, **kwargs)

    def then(
        self, fn: Any = "decorator", inputs: Any = None, outputs: Any = None, **kw: Any
    ) -> Any:
        """Register an event that runs after this one ends, whatever the outcome."""
        return _register([Trigger(self, "then")], fn, inputs, outputs, self.blocks, **kw)

    def success(
        self, fn: Any = "decorator", inputs: Any = None, outputs: Any = None, **kw: Any
    ) -> Any:
        """Register an event that runs after this one ends without error."""
        return _register([Trigger(self, "success")], fn, inputs, outputs, self.blocks, **kw)

    @property
    def description(self) -> str | Literal[False] | None:
        """What the API docs show: ``api_description``; when ``None``, the fn's docstring;
        ``False`` for none at all."""
        if self.api_description is None and self.fn is not None:
            return inspect.getdoc(self.fn)
        return self.api_description

    def config(
        self, component_ids: Callable[[Block | AppUnderConstruction], int]
    ) -> dict[str, Any]:
        """This dependency as the app description sends it to clients."""

        def target(trigger: Trigger) -> list[Any]:
            if isinstance(trigger.source, Dependency):
                return [f"dep:{trigger.source.id}", trigger.event]
            return [component_ids(trigger.source), trigger.event]

        return {
            "id": self.id,
            "targets": [target(t) for t in self.triggers],
            "inputs": [component_ids(c) for c in self.inputs],
            "outputs": [component_ids(c) for c in self.outputs],
            "api_name": self.api_name,
            "api_description": self.description,
            "api_visibility": self.api_visibility,
            "scroll_to_output": self.scroll_to_output,
            "show_progress": self.show_progress,
            "show_progress_on": (
                None
                if self.show_progress_on is None
                else [component_ids(c) for c in self.show_progress_on]
            ),
            "queue": self.queue,
            "batch": self.batch,
            "max_batch_size": self.max_batch_size,
            "cancels": [d.id for d in self.cancels],
            "trigger_mode": self.trigger_mode,
            "js": self.js,
            "connection": self.connection,
            "time_limit": self.time_limit,
            "stream_every": self.stream_every,
            "key": self.key,
            "has_fn": self.fn is not None,
            "backend_fn": self.fn is not None,
            "types": {
                "generator": bool(self.kind and self.kind.is_generator),
                "cancel": False,
            },
            "is_generator": bool(self.kind and self.kind.is_generator),
            "has_validator": self.validator is not None,
        }


def _default_trigger_mode(event: str) -> str:
    if event in ("change", "key_up"):
        return "always_last"
    if event == "stream":
        return "multiple"
    return "once"


def _default_show_progress(event: str) -> str:
    return {"stream": "minimal", "tick": "hidden"}.get(event, "full")


def _as_component_list(value: Any, name: str) -> list[Block]:
    if value is None:
        return []
    items = list(value) if isinstance(value, list | tuple | set) else [value]
    for item in items:
        if not isinstance(item, Block):
            raise TypeError(f"{name} must be components, got {type(item).__name__}: {item!r}")
    return items


def _choice(name: str, value: Any, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(
            f"Invalid value for parameter `{name}`: {value!r}. Please choose from one of: "
            f"{list(choices)}"
        )
    return str(value)


def _check_options(kw: dict[str, Any]) -> None:
    limit = kw.get("concurrency_limit", "default")
    if not (limit in ("default", None) or (_is_int(limit) and limit >= 1)):
        raise ValueError(
            f"concurrency_limit must be a positive int, None (unlimited) or 'default', "
            f"not {limit!r}"
        )
    size = kw.get("max_batch_size", 4)
    if not _is_int(size) or size < 1:
        raise ValueError(f"max_batch_size must be a positive int, not {size!r}")
    time_limit = kw.get("time_limit")
    if time_limit is not None and not (_is_number(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a number of seconds > 0 or None, not {time_limit!r}")
    every = kw.get("stream_every", 0.5)
    if not (_is_number(every) and every >= 0):
        raise ValueError(f"stream_every must be a number of seconds >= 0, not {every!r}")
    fns = kw.get("max_concurrent_fns", "app")
    if not (fns in ("app", None) or (_is_int(fns) and fns >= 1)):
        raise ValueError(
            f"max_concurrent_fns must be a positive int, None (no limit) or 'app' (the app's "
            f"limit), not {fns!r}"
        )
    validator = kw.get("validator")
    if validator is not None and not callable(validator):
        raise TypeError(f"validator must be callable or None, not {validator!r}")
    queue = kw.get("queue", True)
    if queue is not None and not isinstance(queue, bool):
        raise TypeError(f"queue must be True, False or None (the app's setting), not {queue!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _resolve_cancels(cancels: Any) -> list[Dependency]:
    if cancels is None:
        return []
    items = cancels if isinstance(cancels, list | tuple) else [cancels]
    for item in items:
        if not isinstance(item, Dependency):
            raise TypeError(
                f"cancels must list the values returned by event listeners, got {item!r}"
            )
    return list(items)


def default_api_name(fn: Callable[..., Any] | None) -> str:
    """The fn's name with punctuation other than ``-`` and ``_`` removed (Gradio's rule)."""
    if fn is None:
        return "unnamed"
    name = getattr(fn, "__name__", type(fn).__name__)
    if name == "<lambda>":
        return "lambda"
    return re.sub(r"[^\w-]", "", name) or "fn"


def _register(
    triggers: list[Trigger],
    fn: Any,
    inputs: Any,
    outputs: Any,
    blocks: AppUnderConstruction | None,
    **kw: Any,
) -> Any:
    if isinstance(fn, str) and fn == "decorator":

        def decorator(func: Callable[..., Any]) -> Dependency:
            return _make_dependency(triggers, func, inputs, outputs, blocks, **kw)

        return decorator
    return _make_dependency(triggers, fn, inputs, outputs, blocks, **kw)


def _make_dependency(
    triggers: list[Trigger],
    fn: Callable[..., Any] | None,
    inputs: Any,
    outputs: Any,
    blocks: AppUnderConstruction | None,
    *,
    api_name: str | None = None,
    api_description: str | Literal[False] | None = None,
    scroll_to_output: bool = False,
    show_progress: str | None = None,
    show_progress_on: Any = None,
    queue: bool | None = True,
    batch: bool = False,
    max_batch_size: int = 4,
    preprocess: bool = True,
    postprocess: bool = True,
    cancels: Any = None,
    trigger_mode: str | None = None,
    js: str | bool | None = None,
    concurrency_limit: int | Literal["default"] | None = "default",
    concurrency_id: str | None = None,
    api_visibility: str = "public",
    time_limit: float | None = None,
    stream_every: float = 0.5,
    key: Any = None,
    validator: Callable[..., Any] | None = None,
    max_concurrent_fns: int | Literal["app"] | None = "app",
) -> Dependency:
    if fn is not None and not callable(fn):
        raise TypeError(f"fn must be callable, None or 'decorator', not {fn!r}")
    is_stream = any(t.event == "stream" for t in triggers)
    first_event = "stream" if is_stream else (triggers[0].event if triggers else "change")
    _check_options(
        {
            "concurrency_limit": concurrency_limit,
            "max_batch_size": max_batch_size,
            "time_limit": time_limit,
            "stream_every": stream_every,
            "validator": validator,
            "queue": queue,
            "max_concurrent_fns": max_concurrent_fns,
        }
    )
    if max_concurrent_fns != "app" and not is_stream:
        raise ValueError(
            "max_concurrent_fns bounds the fn calls of a stream's frames: it is a keyword of "
            "stream events only"
        )
    trigger_mode = _choice(
        "trigger_mode",
        trigger_mode if trigger_mode is not None else _default_trigger_mode(first_event),
        TRIGGER_MODES,
    )
    show_progress = _choice(
        "show_progress",
        show_progress if show_progress is not None else _default_show_progress(first_event),
        SHOW_PROGRESS,
    )
    api_visibility = _choice("api_visibility", api_visibility, API_VISIBILITIES)
    if fn is None:
        api_visibility = "private"
    if batch and fn is not None and fn_kind(fn).is_generator:
        raise ValueError("Gradio does not support generators in batch mode (batch=True).")
    blocks = current_blocks() or blocks
    if blocks is None:
        raise AttributeError(
            "event listeners can only be set inside a `with Blocks():` block (or on a "
            "dependency of one)"
        )
    dependency = Dependency(
        triggers=triggers,
        fn=fn,
        inputs=_as_component_list(inputs, "inputs"),
        outputs=_as_component_list(outputs, "outputs"),
        api_name=api_name or default_api_name(fn),
        api_description=api_description,
        scroll_to_output=scroll_to_output,
        show_progress=show_progress,
        show_progress_on=(
            None
            if show_progress_on is None
            else _as_component_list(show_progress_on, "show_progress_on")
        ),
        queue=True if queue is None else queue,  # None: the app's setting (always queued)
        batch=batch,
        max_batch_size=max_batch_size,
        preprocess=preprocess,
        postprocess=postprocess,
        cancels=_resolve_cancels(cancels),
        trigger_mode=trigger_mode,
        js=js,
        concurrency_limit=concurrency_limit,
        concurrency_id=concurrency_id,
        api_visibility=api_visibility,
        time_limit=time_limit,
        stream_every=stream_every,
        key=key,
        validator=validator,
        max_concurrent_fns=max_concurrent_fns,
        connection="stream" if is_stream else None,
        blocks=blocks,
    )
    blocks.add_dependency(dependency)
    return dependency


class EventListener:
    """The ``component.<event>`` attribute: call it (or use it as a decorator) to register.

    Accessed without a call it names the trigger, for :func:`on`.
    """

    def __init__(self, component: Block, event: str) -> None:
        self.block = component
        self.event_name = event

    def __call__(
        self, fn: Any = "decorator", inputs: Any = None, outputs: Any = None, **kw: Any
    ) -> Any:
        if self.event_name == "stream":
            self.block.mark_streaming()
        return _register([Trigger(self.block, self.event_name)], fn, inputs, outputs, None, **kw)

    def __repr__(self) -> str:
        return f"<EventListener {type(self.block).__name__}.{self.event_name}>"


class EventAttribute:
    """Descriptor: ``block.<event>`` is that block's :class:`EventListener` (for a component
    or a layout; see :func:`attach_event_listeners`)."""

    def __init__(self, event: str) -> None:
        self.event = event

    def __get__(self, block: Any, owner: type) -> Any:
        if block is None:
            return self
        return EventListener(block, self.event)


def attach_event_listeners(cls: type) -> None:
    """Give ``cls`` a ``cls.<event>`` listener for each name in its ``EVENTS``, except where
    the class itself defines that name otherwise."""
    for event in getattr(cls, "EVENTS", ()):
        if isinstance(cls.__dict__.get(event), EventAttribute | type(None)):
            setattr(cls, event, EventAttribute(event))


def on(
    triggers: EventListener | list[EventListener] | None = None,
    fn: Any = "decorator",
    inputs: Any = None,
    outputs: Any = None,
    **kw: Any,
) -> Any:
    """Register one fn on several triggers (``gr.on``). ``triggers=None`` means the
    ``change`` event of every input. A ``stream`` trigger makes it a stream event."""
    if triggers is None:
        listeners = [EventListener(c, "change") for c in _as_component_list(inputs, "inputs")]
    else:
        listeners = triggers if isinstance(triggers, list) else [triggers]
    for listener in listeners:
        if not isinstance(listener, EventListener):
            raise TypeError(f"triggers must be listeners such as `button.click`, got {listener!r}")
        if listener.event_name == "stream":
            listener.block.mark_streaming()
    return _register(
        [Trigger(listener.block, listener.event_name) for listener in listeners],
        fn,
        inputs,
        outputs,
        None,
        **kw,
    )


def validate(is_valid: bool, message: str) -> dict[str, Any]:
    """A validator's verdict on one input (``gr.validate``): valid or not, and why."""
    return {"__type__": "validate", "is_valid": bool(is_valid), "message": message}
