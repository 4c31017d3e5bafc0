"""``File`` and ``UploadButton``: one or more generic files, as ``gr.File`` and
``gr.UploadButton`` in Gradio 6.

The client-side value is a ``FileData`` dict (``file_count="single"``) or a list of them
(``"multiple"``, ``"directory"``). The fn receives a file path (``type="filepath"``) or
the file's bytes (``type="binary"``), or a list of them; it returns a path or URL, or a
list of them. See :mod:`streamcore.components._files` for which files are read and served.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

from ._common import (
    BUTTON_SIZES,
    BUTTON_VARIANTS,
    Key,
    buttons_prop,
    check_choice,
    describe,
)
from ._files import (
    check_file_count,
    check_file_types,
    client_file,
    file_data_schema,
    fn_file,
    list_files_schema,
)
from .base import Component

__all__ = ["File", "UploadButton"]

_TYPES: Final = ["filepath", "binary"]
_SAMPLE_FILE: Final = (
    "https://github.com/gradio-app/gradio/raw/main/test/test_files/sample_file.pdf"
)

FileValue = str | Path | list[str | Path]
"""What a fn may return for a ``File`` or ``UploadButton`` output (or ``None``)."""


class _Files(Component):
    """The value rules ``File`` and ``UploadButton`` share (see the module docstring)."""

    kind: ClassVar[str] = "File"
    file_count: str
    file_types: list[str] | None
    type: str

    def _configure(self, file_count: str, file_types: list[str] | None, type: str) -> None:
        self.file_count = check_file_count(self.kind, file_count)
        if file_types is not None and not isinstance(file_types, list):
            raise ValueError(
                f"Parameter file_types must be a list. Received {file_types.__class__.__name__}"
            )
        self.file_types = file_types
        if type not in _TYPES:
            raise ValueError(
                f"Invalid value for parameter `type`: {type}. Please choose from one of: {_TYPES}"
            )
        self.type = type

    @property
    def _many(self) -> bool:
        return self.file_count != "single"

    def preprocess(self, payload: Any) -> Any:
        """The fn's argument: ``None`` for ``None``; else a path (``str``) or the bytes of
        each file, one for ``file_count="single"`` (the first of a list), a list otherwise
        (a single dict counts as a list of one). Raises :class:`InvalidInputError` for a
        malformed payload or a file whose type is not in ``file_types``, and what
        :func:`client_file` raises."""
        if payload is None:
            return None
        items = payload if isinstance(payload, list) else [payload]
        if not items:
            return [] if self._many else None
        if not self._many:
            return self._one(items[0])
        return [self._one(item) for item in items]

    def _one(self, payload: object) -> str | bytes:
        path, name = client_file(self.kind, payload)
        check_file_types(self.kind, self.file_types, name)
        if self.type == "binary":
            return path.read_bytes()
        return str(path)

    def postprocess(self, value: Any) -> Any:
        """The client's value: ``None`` for ``None``, a FileData dict for a path or URL, a
        list of them for a list. Raises ``ValueError`` naming the component for another
        type, and what :func:`fn_file` raises."""
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return [fn_file(self.kind, item) for item in value]
        return fn_file(self.kind, value)

    def api_info(self) -> dict[str, Any]:
        """Gradio 6's schema: ``FileData``, or ``ListFiles`` when ``file_count`` is not
        single."""
        return list_files_schema() if self._many else file_data_schema()

    def example_value(self) -> Any:
        """Gradio's sample: a PDF's URL (in a list when ``file_count`` is not single)."""
        return [_SAMPLE_FILE] if self._many else _SAMPLE_FILE

    def example_payload(self) -> Any:
        """:meth:`example_value` as ``handle_file`` would send it."""
        one = {
            "path": _SAMPLE_FILE,
            "orig_name": "sample_file.pdf",
            "meta": {"_type": "gradio.FileData"},
        }
        return [one] if self._many else one

    def _file_props(self) -> dict[str, Any]:
        return {
            "file_count": self.file_count,
            "file_types": self.file_types,
            "type": self.type,
            "value": self.value,
        }


class File(_Files):
    """Generic files to upload (input) or to download (output), as ``gr.File``.

    Every parameter is Gradio 6's, with its default. Raises ``ValueError`` for an unknown
    ``file_count`` or ``type``, and for ``file_types`` that is not a list.
    """

    EVENTS: ClassVar[tuple[str, ...]] = (
        "change",
        "select",
        "clear",
        "upload",
        "delete",
        "download",
    )

    def __init__(
        self,
        value: FileValue | Callable[..., Any] | None = None,
        *,
        file_count: Literal["single", "multiple", "directory"] = "single",
        file_types: list[str] | None = None,
        type: Literal["filepath", "binary"] = "filepath",
        label: str | None = None,
        every: Any = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        height: int | str | float | None = None,
        interactive: bool | None = None,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        allow_reordering: bool = False,
        buttons: list[Any] | None = None,
    ) -> None:
        self._configure(file_count, file_types, type)
        self.height = height
        self.allow_reordering = allow_reordering
        self.buttons = buttons
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            **self._file_props(),
            "name": "file",
            "height": self.height,
            "allow_reordering": self.allow_reordering,
            "buttons": buttons_prop(self.buttons),
        }


class UploadButton(_Files):
    """A button that uploads files, as ``gr.UploadButton``: its value is the files chosen
    (FileData, as :class:`File`), its ``label`` is the button's text. Fires ``click``
    when pressed and ``upload`` once the files are uploaded.

    Every parameter is Gradio 6's, with its default. Raises ``ValueError`` as
    :class:`File`, and for an unknown ``variant`` or ``size``.
    """

    kind: ClassVar[str] = "UploadButton"
    EVENTS: ClassVar[tuple[str, ...]] = ("change", "click", "upload")

    def __init__(
        self,
        label: str = "Upload a File",
        value: FileValue | Callable[..., Any] | None = None,
        *,
        every: Any = None,
        inputs: Any = None,
        variant: Literal["primary", "secondary", "stop"] = "secondary",
        visible: bool | Literal["hidden"] = True,
        size: Literal["sm", "md", "lg"] = "lg",
        icon: str | None = None,
        scale: int | None = None,
        min_width: int | None = None,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        type: Literal["filepath", "binary"] = "filepath",
        file_count: Literal["single", "multiple", "directory"] = "single",
        file_types: list[str] | None = None,
    ) -> None:
        if not isinstance(label, str):
            raise ValueError(f"UploadButton label must be a string, not {describe(label)}")
        self._configure(file_count, file_types, type)
        self.variant = check_choice("UploadButton", "variant", variant, BUTTON_VARIANTS)
        self.size = check_choice("UploadButton", "size", size, BUTTON_SIZES)
        self.icon = icon
        super().__init__(
            value,
            label=label,
            every=every,
            inputs=inputs,
            show_label=False,
            scale=scale,
            min_width=160 if min_width is None else min_width,
            interactive=interactive,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )
        self.min_width_given = min_width

    def props(self) -> dict[str, Any]:
        """The config props clients receive, JSON-serialisable."""
        return {
            **super().props(),
            **self._file_props(),
            "name": "uploadbutton",
            "min_width": self.min_width_given,
            "variant": self.variant,
            "size": self.size,
            "icon": self.icon,
        }
