"""Layouts: ``Row``, ``Column``, ``Group``, ``Tabs`` and ``Tab``, ``Accordion`` and ``Sidebar``.

A layout is a container used as a context manager inside ``with gr.Blocks():``; components
and layouts made inside it are its children, in order. It holds no value and takes no part
in calls: it only says where its children go on the page. The app's description
(``Blocks.get_config_file()``) carries the tree as Gradio's ``layout`` entry
(``{"id": 0, "children": [{"id": ..., "children": [...]}, ...]}``) and each layout as an
entry of ``components`` with its props, as Gradio's does.

As in Gradio, a ``Tab`` made outside ``Tabs`` is put in one: consecutive ``Tab``\\ s of the
same parent share the ``Tabs`` made for the first of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .components.constructor_args import recording_args
from .contract import Block, next_block_id
from .events import EventListener, attach_event_listeners, current_blocks

if TYPE_CHECKING:
    from .components.base import Component

__all__ = [
    "LAYOUT_VARIANTS",
    "Accordion",
    "Column",
    "Group",
    "Layout",
    "Row",
    "Sidebar",
    "Tab",
    "TabItem",
    "Tabs",
]

LAYOUT_VARIANTS = ("default", "panel", "compact")


class Layout(Block):
    """A container of components and layouts (see the module docstring).

    ``render=False`` (or making it outside ``with gr.Blocks():``) leaves it out of the app;
    :meth:`render` places it later (with its children) where it is called. A layout may
    be an event's output, for Gradio's ``return gr.update(visible=False)`` (or ``return
    gr.Column(visible=False)``): its props change, it has no value; it is never an input.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        attach_event_listeners(cls)
        if "__init__" in cls.__dict__:  # remembers what each instance was built with
            cls.__init__ = recording_args(cls.__init__)  # type: ignore[method-assign]

    def __init__(
        self,
        *,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        if visible not in (True, False, "hidden"):
            raise ValueError(f"visible must be True, False or 'hidden', not {visible!r}")
        self._id = next_block_id()
        self.visible = visible
        self.elem_id = elem_id
        self.elem_classes = [elem_classes] if isinstance(elem_classes, str) else elem_classes
        self.key = list(key) if isinstance(key, tuple) else key
        self.preserved_by_key = preserved_by_key
        self.children: list[Component | Layout] = []
        self.parent: Layout | None = None
        if render and current_blocks() is not None:  # outside an app: made, not placed
            self.render()

    @property
    def id(self) -> int:
        """A process-unique id, shared with components: clients know the layout by it."""
        return self._id

    @property
    def type_name(self) -> str:
        """The layout's ``type`` in the app description (Gradio's block names)."""
        return type(self).__name__.lower()

    def preprocess(self, payload: Any) -> Any:
        raise TypeError(f"gr.{type(self).__name__} is a layout: it cannot be an event's input")

    def postprocess(self, value: Any) -> Any:
        """A layout output takes only updates of its props (handled before this); any other
        value is refused, naming the layout."""
        raise ValueError(
            f"gr.{type(self).__name__} is a layout: a fn can only update its props "
            f"(return gr.update(visible=...)), not give it {type(value).__name__} value"
        )

    def render(self) -> Layout:
        """Place this layout in the innermost layout being built; returns it."""
        blocks = current_blocks()
        if blocks is None:
            raise RuntimeError(
                f"gr.{type(self).__name__} must be made (or rendered) inside `with gr.Blocks():`"
            )
        blocks.add_layout(self)
        return self

    def add_child(self, child: Component | Layout) -> None:
        """Append ``child`` (a ``Tab`` goes into a ``Tabs``, made if the last child is not one)."""
        if isinstance(child, Tab) and not isinstance(self, Tabs):
            last = self.children[-1] if self.children else None
            tabs = last if isinstance(last, Tabs) and last.made_for_tabs else None
            if tabs is None:
                tabs = Tabs(render=False)
                tabs.made_for_tabs = True
                self.add_child(tabs)
            tabs.add_child(child)
            return
        child.parent = self
        self.children.append(child)

    def remove_child(self, child: Component | Layout) -> None:
        if child in self.children:
            self.children.remove(child)
            child.parent = None

    def __enter__(self) -> Any:
        blocks = current_blocks()
        if blocks is None:
            raise RuntimeError(
                f"`with gr.{type(self).__name__}():` must be inside `with gr.Blocks():`"
            )
        blocks.open_layout(self)
        return self

    def __exit__(self, *exc: object) -> None:
        blocks = current_blocks()
        if blocks is not None:
            blocks.close_layout(self)

    def props(self) -> dict[str, Any]:
        """The props a client needs to lay this container out (JSON-serialisable)."""
        return {
            "visible": self.visible,
            "elem_id": self.elem_id,
            "elem_classes": self.elem_classes,
            "key": self.key,
        }

    def layout(self) -> dict[str, Any]:
        """This container and its children as an entry of the app's ``layout`` tree."""
        children = [
            child.layout() if isinstance(child, Layout) else {"id": child.id}
            for child in self.children
        ]
        return {"id": self.id, "children": children}

    def walk(self) -> list[Component | Layout]:
        """Every descendant, depth first, in order."""
        found: list[Component | Layout] = []
        for child in self.children:
            found.append(child)
            if isinstance(child, Layout):
                found += child.walk()
        return found

    def __repr__(self) -> str:
        return f"gr.{type(self).__name__}(id={self.id}, children={len(self.children)})"


def _variant(variant: str) -> str:
    if variant not in LAYOUT_VARIANTS:
        raise ValueError(f"variant must be one of {list(LAYOUT_VARIANTS)}, not {variant!r}")
    return variant


class Row(Layout):
    """Children side by side; they wrap onto the next line when the page is too narrow.

    ``equal_height`` stretches them to the tallest; ``variant="panel"`` draws a panel,
    ``"compact"`` removes the gaps; ``height``, ``min_height``, ``max_height`` (pixels or
    CSS sizes) bound it; ``scale`` is its share of its parent row.
    """

    def __init__(
        self,
        *,
        variant: Literal["default", "panel", "compact"] = "default",
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        scale: int | None = None,
        render: bool = True,
        height: int | str | None = None,
        max_height: int | str | None = None,
        min_height: int | str | None = None,
        equal_height: bool = False,
        show_progress: bool = False,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        self.variant = _variant(variant)
        self.scale = scale
        self.height = height
        self.max_height = max_height
        self.min_height = min_height
        self.equal_height = equal_height
        self.show_progress = show_progress
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def props(self) -> dict[str, Any]:
        return {
            **super().props(),
            "variant": self.variant,
            "scale": self.scale,
            "height": self.height,
            "max_height": self.max_height,
            "min_height": self.min_height,
            "equal_height": self.equal_height,
            "show_progress": self.show_progress,
        }


class Column(Layout):
    """Children one under the other. In a ``Row``, ``scale`` is its share of the width (an
    int, ``0`` for no growth) and ``min_width`` (pixels) the narrowest it gets before the
    row wraps."""

    def __init__(
        self,
        *,
        scale: int = 1,
        min_width: int = 320,
        variant: Literal["default", "panel", "compact"] = "default",
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        show_progress: bool = False,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        if not isinstance(scale, int) or isinstance(scale, bool) or scale < 0:
            raise ValueError(f"Column scale must be a non-negative int, not {scale!r}")
        if not isinstance(min_width, int) or isinstance(min_width, bool) or min_width < 0:
            raise ValueError(f"Column min_width must be a non-negative int, not {min_width!r}")
        self.scale = scale
        self.min_width = min_width
        self.variant = _variant(variant)
        self.show_progress = show_progress
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def props(self) -> dict[str, Any]:
        return {
            **super().props(),
            "scale": self.scale,
            "min_width": self.min_width,
            "variant": self.variant,
            "show_progress": self.show_progress,
        }


class Group(Layout):
    """Children drawn as one block, with no gap or frame between them."""


class Tabs(Layout):
    """Tabs: one ``Tab`` child shown at a time. ``selected`` is the ``id`` (else the
    position) of the tab shown first. Events: ``change`` and ``select`` (a tab was chosen:
    ``SelectData`` with its ``index`` and its label as ``value``)."""

    EVENTS = ("change", "select")

    if TYPE_CHECKING:
        change: EventListener
        select: EventListener

    def __init__(
        self,
        *,
        selected: int | str | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        self.selected = selected
        self.made_for_tabs = False
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def add_child(self, child: Component | Layout) -> None:
        if not isinstance(child, Tab):
            raise TypeError(f"gr.Tabs holds only gr.Tab children, not {child!r}")
        super().add_child(child)

    def props(self) -> dict[str, Any]:
        return {**super().props(), "selected": self.selected}


class Tab(Layout):
    """One tab of a ``Tabs`` (made for it if there is none): its ``label`` is the tab's
    title; ``id`` names it for ``Tabs(selected=...)``; ``interactive=False`` greys it out;
    ``visible=False`` hides its title. Event: ``select``."""

    EVENTS = ("select",)

    if TYPE_CHECKING:
        select: EventListener

    def __init__(
        self,
        label: str | None = None,
        visible: bool | Literal["hidden"] = True,
        interactive: bool = True,
        *,
        id: int | str | None = None,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        scale: int | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
        render_children: bool = False,
    ) -> None:
        self.label = label
        self.interactive = interactive
        self.tab_id = id
        self.scale = scale
        self.render_children = render_children
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    @property
    def type_name(self) -> str:
        return "tabitem"

    def props(self) -> dict[str, Any]:
        return {
            **super().props(),
            "label": self.label,
            "interactive": self.interactive,
            "id": self.tab_id,
            "scale": self.scale,
        }


TabItem = Tab


class Accordion(Layout):
    """Children under a title that opens and closes them (``open`` at first). Events:
    ``expand`` and ``collapse``."""

    EVENTS = ("expand", "collapse")

    if TYPE_CHECKING:
        expand: EventListener
        collapse: EventListener

    def __init__(
        self,
        label: str | None = None,
        *,
        open: bool = True,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        self.label = label
        self.open = open
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def props(self) -> dict[str, Any]:
        return {**super().props(), "label": self.label, "open": self.open}


class Sidebar(Layout):
    """Children in a panel at the side of the page (``position`` ``"left"`` or ``"right"``,
    ``open`` at first, ``width`` in pixels or CSS). Events: ``expand`` and ``collapse``."""

    EVENTS = ("expand", "collapse")

    if TYPE_CHECKING:
        expand: EventListener
        collapse: EventListener

    def __init__(
        self,
        label: str | None = None,
        *,
        open: bool = True,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        width: int | str = 320,
        position: Literal["left", "right"] = "left",
        key: int | str | tuple[int | str, ...] | None = None,
        preserved_by_key: list[str] | str | None = None,
    ) -> None:
        if position not in ("left", "right"):
            raise ValueError(f"Sidebar position must be 'left' or 'right', not {position!r}")
        self.label = label
        self.open = open
        self.width = width
        self.position = position
        super().__init__(
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def props(self) -> dict[str, Any]:
        return {
            **super().props(),
            "label": self.label,
            "open": self.open,
            "width": self.width,
            "position": self.position,
        }
