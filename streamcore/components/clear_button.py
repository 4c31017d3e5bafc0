"""``ClearButton``: a button that empties the components given to it (Gradio's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from .base import Component
from .controls import Button

__all__ = ["ClearButton", "clear_on_click"]


class ClearButton(Button):
    """A ``Button`` (``value="Clear"``) whose click sets each of ``components`` (and those
    :meth:`add` adds) to what it shows for ``None``, as Gradio's does in the browser; here
    it is an undocumented event the page calls. ``State`` components are left as they are.
    """

    def __init__(
        self,
        components: Component | Sequence[Component] | None = None,
        *,
        value: str = "Clear",
        variant: Literal["primary", "secondary", "stop"] = "secondary",
        api_name: str | None = None,
        api_visibility: Literal["public", "private", "undocumented"] = "undocumented",
        **button_options: Any,
    ) -> None:
        super().__init__(value, variant=variant, **button_options)
        self.api_name = api_name
        self.api_visibility = api_visibility
        if components is not None:
            self.add(components)

    def get_block_name(self) -> str:
        """``"button"``: the page draws it as one (Gradio's config says so too)."""
        return "button"

    def add(self, components: Component | Sequence[Component] | None) -> ClearButton:
        """Clear ``components`` too on a click (inside ``with gr.Blocks():``); returns self."""
        if components is not None:
            items = [components] if isinstance(components, Component) else list(components)
            clear_on_click(self, items, self.api_name or "clear", self.api_visibility)
        return self


def clear_on_click(
    button: Button,
    components: Sequence[Component],
    api_name: str = "clear",
    api_visibility: Literal["public", "private", "undocumented"] = "undocumented",
) -> None:
    """Register ``button``'s click to set each of ``components`` but the ``State`` ones to
    what it shows for ``None`` (unqueued, unlimited: instant while a call runs). Nothing
    is registered when no component is left to clear."""
    cleared = [c for c in components if not c.stateful]
    if not cleared:
        return

    def clear() -> Any:
        return tuple(None for _ in cleared) if len(cleared) > 1 else None

    button.click(
        clear,
        None,
        cleared,
        api_name=api_name,
        api_visibility=api_visibility,
        show_progress="hidden",
        queue=False,
        concurrency_limit=None,
    )
