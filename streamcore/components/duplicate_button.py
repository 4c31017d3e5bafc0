"""``DuplicateButton``: on a Hugging Face Space, a button that opens the Space's
duplication page; anywhere else, a button that does nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from ._common import Key
from .controls import Button

__all__ = ["DuplicateButton", "space_duplicate_url"]


def space_duplicate_url() -> str | None:
    """The duplication page of the Space this process runs on (``SPACE_ID`` is set by
    Hugging Face Spaces), or ``None`` elsewhere."""
    space = os.environ.get("SPACE_ID")
    return f"https://huggingface.co/spaces/{space}?duplicate=true" if space else None


class DuplicateButton(Button):
    """A ``Button`` (``gr.DuplicateButton``) with Gradio's defaults for it: "Duplicate
    Space", the ``huggingface`` variant, small, ``scale=0``.

    As in Gradio it is shown everywhere and does something only on a Space: there
    (``SPACE_ID`` is set when it is made, with ``_activate`` true) a click opens the
    Space's duplication page in a new tab, in the browser only (the ``duplicate_url``
    prop; nothing runs on the server). Elsewhere a click does nothing unless the app
    listens to it, like any ``Button``.
    """

    def __init__(
        self,
        value: str = "Duplicate Space",
        *,
        every: Any = None,
        inputs: Any = None,
        variant: Literal["primary", "secondary", "stop", "huggingface"] = "huggingface",
        size: Literal["sm", "md", "lg"] = "sm",
        icon: str | Path | None = None,
        link: str | None = None,
        link_target: Literal["_self", "_blank", "_parent", "_top"] = "_self",
        visible: bool | Literal["hidden"] = True,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        scale: int | None = 0,
        min_width: int | None = None,
        _activate: bool = True,
    ) -> None:
        self.duplicate_url = space_duplicate_url() if _activate else None
        super().__init__(
            value,
            every=every,
            inputs=inputs,
            variant=variant,
            size=size,
            icon=icon,
            link=link,
            link_target=link_target,
            visible=visible,
            interactive=interactive,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
            scale=scale,
            min_width=min_width,
        )

    def props(self) -> dict[str, Any]:
        """Button's props, with ``duplicate_url`` (``None`` off Spaces)."""
        return {**super().props(), "duplicate_url": self.duplicate_url}
