"""``Blocks``: the app being built, its components, its events and its queue settings."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ..components.base import Component
from ..components.values import Timer
from ..contract import Block
from ..errors import UnknownEventError
from ..events import (
    AppUnderConstruction,
    Dependency,
    EventListener,
    Trigger,
    building,
    current_blocks,
)
from ..layouts import Layout
from ..media.files import current_file_access
from .testing import TestClient

__all__ = ["Blocks", "current_blocks", "mount_gradio_app"]


class _AppRoot(Layout):
    """The top of an app's layout tree; ``0`` names it, as it names the app in events."""

    @property
    def id(self) -> int:
        return 0


class Blocks:
    """An app: components laid out in containers and the events wired between them.

    Use it as a context manager; components, layouts and listeners created inside belong to
    it, and components go into the innermost open layout (``with gr.Row():`` ...). A Blocks
    made inside another one (an ``Interface`` in a ``Tab``, say) is rendered into it where
    it is made, as :meth:`render` does. ``queue(...)`` sets the concurrency defaults and the
    queue size; ``launch(...)`` serves it (see :mod:`transports.server`); calling it runs
    one event in process.
    """

    EVENTS = ("load", "unload")

    def __init__(
        self,
        title: str = "streamcore",
        *,
        analytics_enabled: bool | None = None,
        mode: str = "blocks",
        fill_height: bool = False,
        fill_width: bool = False,
        delete_cache: tuple[int, int] | None = None,
        **display: Any,
    ) -> None:
        self.title = title
        self.mode = mode
        self.fill_height = fill_height
        self.fill_width = fill_width
        self.delete_cache = delete_cache
        self.display = display
        self.components: list[Component] = []
        self.dependencies: list[Dependency] = []
        self.default_concurrency_limit: int | None = 1
        self.max_size: int | None = None
        self.allowed_paths: tuple[Path, ...] = ()
        self.blocked_paths: tuple[Path, ...] = ()
        self._api_names: set[str] = set()
        self._building: contextlib.ExitStack | None = None
        self.root: Layout = _AppRoot(render=False)
        self._open_layouts: list[Layout] = [self.root]
        self._rendered_into: set[int] = set()
        self.server: Any = None

    # -- building ------------------------------------------------------------------------

    def __enter__(self) -> Blocks:
        self._building = contextlib.ExitStack()
        self._building.enter_context(building(self))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self._building is not None:
            self._building.close()
            self._building = None
        del self._open_layouts[1:]
        for component in list(self.components):
            self._attach_load_events(component)
        outer = current_blocks()
        if exc_type is None and outer is not None and id(outer) not in self._rendered_into:
            self.render()

    def render(self) -> Blocks:
        """Put this app's layout, components and events into the app being built, at the
        innermost open layout (Gradio's ``demo.render()``); returns it."""
        outer = current_blocks()
        if not isinstance(outer, Blocks) or outer is self:
            raise RuntimeError("Blocks.render() must be called inside another `with gr.Blocks():`")
        self._rendered_into.add(id(outer))
        for child in list(self.root.children):
            outer.place(child)
        for component in self.components:
            outer.register_component(component)
        for dependency in self.dependencies:
            dependency.blocks = outer
            outer.add_dependency(dependency)
        return self

    @property
    def load(self) -> EventListener:
        """``demo.load(fn, inputs, outputs)``: runs when a client opens the app."""
        return EventListener(self, "load")  # type: ignore[arg-type]

    @property
    def unload(self) -> EventListener:
        """``demo.unload(fn)``: runs when a client's session ends."""
        return EventListener(self, "unload")  # type: ignore[arg-type]

    def add_component(self, component: Block) -> None:
        """Register ``component`` and put it in the innermost open layout (unless it has a
        place already)."""
        self.register_component(component)
        assert isinstance(component, Component)
        if component.parent is None:
            self.place(component)

    def register_component(self, component: Block) -> None:
        """Make ``component`` one of the app's (events may name it) without laying it out:
        a component made with ``render=False`` is known to the app but not shown. A layout
        (an event's output, for updates) is known by its place in the tree."""
        if isinstance(component, Layout):
            return
        assert isinstance(component, Component)  # every other Block is a Component
        if component not in self.components:
            self.components.append(component)

    def place(self, child: Component | Layout) -> None:
        """Append ``child`` to the innermost open layout."""
        self._open_layouts[-1].add_child(child)

    def add_layout(self, layout: Layout) -> None:
        """Place ``layout`` (with what it holds already) in the innermost open layout."""
        if layout.parent is not None:
            raise ValueError(f"{layout!r} is laid out already: a layout has one place")
        self.place(layout)
        for descendant in layout.walk():
            if isinstance(descendant, Component):
                self.register_component(descendant)

    def open_layout(self, layout: Layout) -> None:
        """``with layout:``: what is made until :meth:`close_layout` goes into it."""
        if layout.parent is None:
            self.add_layout(layout)
        self._open_layouts.append(layout)

    def close_layout(self, layout: Layout) -> None:
        if layout in self._open_layouts[1:]:
            index = len(self._open_layouts) - 1 - self._open_layouts[::-1].index(layout)
            del self._open_layouts[index:]

    def add_dependency(self, dependency: Dependency) -> None:
        """Register ``dependency``; its api name gets ``_1``, ``_2``... if already taken.
        Raises ``TypeError`` for a layout among its inputs."""
        for layout in (c for c in dependency.inputs if isinstance(c, Layout)):
            raise TypeError(f"{layout!r} is a layout: it cannot be an event's input")
        for component in (*dependency.inputs, *dependency.outputs):
            self.register_component(component)
        name, suffix = dependency.api_name, 0
        while name in self._api_names:
            suffix += 1
            name = f"{dependency.api_name}_{suffix}"
        dependency.api_name = name
        self._api_names.add(name)
        self.dependencies.append(dependency)

    def _attach_load_events(self, component: Component) -> None:
        """A callable ``value`` is computed at load, on its timer and on its inputs' change."""
        if component.load_fn is None or getattr(component, "_load_attached", False):
            return
        component._load_attached = True  # type: ignore[attr-defined]
        inputs = component.inputs
        input_list = (
            list(inputs)
            if isinstance(inputs, list | tuple | set)
            else ([inputs] if inputs is not None else [])
        )
        triggers = [Trigger(self, "load")]
        every = component.every
        if isinstance(every, int | float):
            with self:
                every = Timer(every)
        if isinstance(every, Timer):
            triggers.append(Trigger(every, "tick"))
        triggers += [Trigger(c, "change") for c in input_list]
        dependency = Dependency(
            triggers=triggers,
            fn=component.load_fn,
            inputs=input_list,
            outputs=[component],
            api_name=f"load_{component.id}",
            api_visibility="undocumented",
            show_progress="hidden",
            trigger_mode="always_last",
            concurrency_limit=None,
            blocks=self,
        )
        self.add_dependency(dependency)

    # -- settings --------------------------------------------------------------------------

    def queue(
        self,
        status_update_rate: float | Literal["auto"] = "auto",
        api_open: bool | None = None,
        max_size: int | None = None,
        *,
        default_concurrency_limit: int | None | Literal["not_set"] = "not_set",
    ) -> Blocks:
        """Set the queue: ``max_size`` waiting calls at most (``None`` = no limit) and the
        concurrency limit of events left at ``concurrency_limit="default"``."""
        if max_size is not None and (not isinstance(max_size, int) or max_size < 0):
            raise ValueError(f"max_size must be a non-negative int or None, not {max_size!r}")
        self.max_size = max_size
        if default_concurrency_limit != "not_set":
            limit = default_concurrency_limit
            if limit is not None and (not isinstance(limit, int) or limit < 1):
                raise ValueError(
                    f"default_concurrency_limit must be a positive int or None, not {limit!r}"
                )
            self.default_concurrency_limit = limit
        return self

    def concurrency_limit_of(self, dependency: Dependency) -> int | None:
        limit = dependency.concurrency_limit
        return self.default_concurrency_limit if limit == "default" else limit

    # -- looking up ------------------------------------------------------------------------

    def component_id(self, component: Block | AppUnderConstruction) -> int:
        """The id clients know ``component`` by; the app itself (``load``) is ``0``."""
        return component.id if isinstance(component, Block | Layout) else 0

    def dependency(self, api_name: str | int) -> Dependency:
        """The event named ``api_name`` (a leading ``/`` is ignored) or at that index.

        Raises ``KeyError`` naming the known api names.
        """
        if isinstance(api_name, int):
            if 0 <= api_name < len(self.dependencies):
                return self.dependencies[api_name]
            raise UnknownEventError(f"there is no event at index {api_name}")
        name = api_name.lstrip("/")
        for dependency in self.dependencies:
            if dependency.api_name == name:
                return dependency
        known = [d.api_name for d in self.dependencies if d.api_visibility != "private"]
        raise UnknownEventError(f"there is no api_name {api_name!r}; the app has {known}")

    def get_config_file(self) -> dict[str, Any]:
        """The JSON description of the app that clients use to render and call it: its
        components and layouts (``components``), their tree (``layout``) and its events
        (``dependencies``), as Gradio's config."""
        used_as_input = {c.id for d in self.dependencies if d.fn is not None for c in d.inputs}
        selectable = {
            t.source.id
            for d in self.dependencies
            for t in d.triggers
            if t.event == "select" and hasattr(t.source, "id")
        }
        components = []
        for component in self.components:
            props = component.get_config()
            if props.get("interactive") is None:  # Gradio's inference: inputs are interactive
                props["interactive"] = component.id in used_as_input
            if "_selectable" in props:  # a select listener makes it clickable (Gradio)
                props["_selectable"] = component.id in selectable
            components.append(
                {
                    "id": component.id,
                    "type": component.get_block_name(),
                    "props": props,
                    "api_info": component.api_info(),
                    "events": list(type(component).EVENTS),
                }
            )
        for layout in self.root.walk():
            if isinstance(layout, Layout):
                components.append(
                    {
                        "id": layout.id,
                        "type": layout.type_name,
                        "props": layout.props(),
                        "events": list(type(layout).EVENTS),
                        "skip_api": True,
                    }
                )
        return {
            "title": self.title,
            "mode": self.mode,
            "fill_height": self.fill_height,
            "fill_width": self.fill_width,
            "components": components,
            "layout": self.root.layout(),
            "dependencies": [d.config(self.component_id) for d in self.dependencies],
            "default_concurrency_limit": self.default_concurrency_limit,
            "max_size": self.max_size,
        }

    @property
    def config(self) -> dict[str, Any]:
        """The app's description as it stands (Gradio's ``Blocks.config``); see
        :meth:`get_config_file`."""
        return self.get_config_file()

    def get_api_info(self) -> dict[str, Any]:
        """What ``/gradio_api/info`` answers: the public events, their parameters and
        returns (Gradio's ``Blocks.get_api_info()``)."""
        from transports.gradio_api import gradio_info

        return gradio_info(self.get_config_file())

    # -- running ---------------------------------------------------------------------------

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        """Serve the app (browser page, WebSocket sessions, WebRTC); see ``transports``."""
        from transports.server import launch

        return launch(self, *args, **kwargs)

    def close(self) -> None:
        """Stop the server started by :meth:`launch`, if any."""
        if self.server is not None:
            self.server.close()
            self.server = None

    @property
    def app(self) -> Any:
        """The ASGI app serving this demo (the launched server's, else one built once, for
        serving it with any ASGI server); see ``transports.server.asgi_app``."""
        from transports.server import asgi_app

        return asgi_app(self)

    @property
    def local_url(self) -> str | None:
        return None if self.server is None else str(self.server.local_url)

    def __call__(self, *inputs: Any, api_name: str | int | None = None) -> Any:
        """Run one event in process with client-side values (Gradio's ``demo(...)``).

        ``api_name`` names the event (or gives its index); by default the ``predict``
        event, else the first one (Gradio's ``fn_index=0``). Images are file paths or URLs
        in and out; a generator returns its last value; a batch fn gets its single input
        wrapped in a batch and its result unwrapped; a validator's refusal raises
        :class:`~streamcore.app.testing.ValidationError` (an :class:`~streamcore.errors.Error`)
        with its messages.
        """
        if api_name is None:
            names = {d.api_name for d in self.dependencies}
            api_name = "predict" if "predict" in names or not self.dependencies else 0
        # outputs are kept in the app's cache, as Gradio's are (the client's own folder
        # would go with the client)
        downloads = current_file_access.get().cache_dir / "outputs"
        with TestClient(self, download_dir=downloads) as client:
            return client.predict(*inputs, api_name=api_name)

    def set_file_access(
        self, allowed_paths: Sequence[str | Path] = (), blocked_paths: Sequence[str | Path] = ()
    ) -> None:
        self.allowed_paths = tuple(Path(p).resolve() for p in allowed_paths)
        self.blocked_paths = tuple(Path(p).resolve() for p in blocked_paths)


def mount_gradio_app(app: Any, blocks: Blocks, path: str, *args: Any, **kwargs: Any) -> Any:
    """Mount ``blocks`` into a FastAPI or Starlette ``app`` at ``path`` and return ``app``,
    as Gradio's function; see ``transports.mount``."""
    from transports.mount import mount_gradio_app as mount

    return mount(app, blocks, path, *args, **kwargs)
