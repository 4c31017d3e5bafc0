"""Flagging: a user marks an Interface's inputs and outputs for the app's author, who finds
them as rows of a CSV file (Gradio 6's ``CSVLogger``) under ``flagging_dir``
(``.gradio/flagged`` by default).

The CSV has one column per component, named by its label (``component N`` when it has
none), then ``flag`` (when a flagging option gave a value) and ``timestamp``. A cell holds
the client value: text as is, ``None`` as an empty cell, other values as JSON, and a file
(an image) as the path of a copy under ``<flagging_dir>/<label>/<random>/<name>``. Cells
that a spreadsheet would run as a formula are prefixed with ``'`` (Gradio's rule). A new
``datasetN.csv`` is started when the columns differ from the newest one's.
"""

from __future__ import annotations

import abc
import csv
import dataclasses
import datetime
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from ..components.base import Component
from ..components.values import Button
from ..events import Dependency
from ..media.encoding import parse_data_url
from ..media.files import check_readable, current_file_access


class Flaggable(Protocol):
    """What flagging needs of an app (an ``Interface`` is one): its inputs and outputs and
    the event whose successful runs ``"auto"`` stores."""

    input_components: list[Component]
    output_components: list[Component]
    dependency_: Dependency


__all__ = [
    "DEFAULT_FLAGGING_DIR",
    "FLAGGING_MODES",
    "CSVLogger",
    "FlagMethod",
    "Flaggable",
    "FlaggingCallback",
    "attach_flagging",
    "flagging_options",
    "resolve_flagging_mode",
    "sanitize_cell",
]

FLAGGING_MODES: Final = ("never", "auto", "manual")
"""The ``flagging_mode`` values ``Interface`` accepts."""

DEFAULT_FLAGGING_DIR: Final = ".gradio/flagged"
"""Where flagged rows go unless ``flagging_dir`` says otherwise (Gradio's default)."""

_UNSAFE_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\n")
_UNSAFE_SEQUENCES: Final = (",=", ",+", ",-", ",@", ",\t", ",\n")


class FlaggingCallback(abc.ABC):
    """What stores flagged samples: ``setup`` once with the components, then ``flag``."""

    @abc.abstractmethod
    def setup(self, components: Sequence[Component], flagging_dir: str | Path) -> None:
        """Remember the components whose values ``flag`` will receive, in order."""

    @abc.abstractmethod
    def flag(
        self, flag_data: list[Any], flag_option: str | None = None, username: str | None = None
    ) -> int:
        """Store one sample (one client value per component); return the samples stored."""


class CSVLogger(FlaggingCallback):
    """Gradio's CSV flagging (see the module docstring); safe to call from several threads.

    ``simplify_file_data`` writes a file as its path (else as its whole value, as JSON);
    ``verbose`` prints where the CSV file is; ``dataset_file_name`` fixes the file's name
    instead of ``datasetN.csv``. Nothing is written before the first flag.
    """

    def __init__(
        self,
        simplify_file_data: bool = True,
        verbose: bool = True,
        dataset_file_name: str | None = None,
    ) -> None:
        self.simplify_file_data = simplify_file_data
        self.verbose = verbose
        self.dataset_file_name = dataset_file_name
        self.lock = threading.Lock()
        self.components: list[Component] = []
        self.flagging_dir = Path(DEFAULT_FLAGGING_DIR)
        self.dataset_filepath: Path | None = None

    def setup(self, components: Sequence[Component], flagging_dir: str | Path) -> None:
        self.components = list(components)
        self.flagging_dir = Path(flagging_dir)
        self.dataset_filepath = None

    def flag(
        self, flag_data: list[Any], flag_option: str | None = None, username: str | None = None
    ) -> int:
        """Append one row; return the number of rows in the file. Raises
        :class:`~streamcore.errors.PathNotAllowedError` for a file value that is not in the
        file cache (a client may only flag files the server gave or received)."""
        with self.lock:
            if self.dataset_filepath is None:
                extra = (["flag"] if flag_option is not None else []) + (
                    ["username"] if username is not None else []
                )
                self.dataset_filepath = self._dataset_file(extra)
            row = [
                self._cell(index, component, value)
                for index, (component, value) in enumerate(
                    zip(self.components, flag_data, strict=False)
                )
            ]
            row += [v for v in (flag_option, username) if v is not None]
            row.append(str(datetime.datetime.now()))
            with self.dataset_filepath.open("a", newline="", encoding="utf-8") as file:
                csv.writer(file).writerow([sanitize_cell(cell) for cell in row])
            with self.dataset_filepath.open(newline="", encoding="utf-8") as file:
                return len(list(csv.reader(file))) - 1

    def _cell(self, index: int, component: Component, value: Any) -> Any:
        if value is None:
            return ""
        if _is_file_value(value):
            folder = self.flagging_dir / _safe_name(_column(index, component))
            copied = {**value, "path": str(_copy_file(value, folder)), "url": None}
            return copied["path"] if self.simplify_file_data else json.dumps(copied)
        return value if isinstance(value, str) else json.dumps(value)

    def _dataset_file(self, extra: list[str]) -> Path:
        """The CSV file for these columns, made with its header row if it is new."""
        headers = [
            *(_column(i, c) for i, c in enumerate(self.components)),
            *extra,
            "timestamp",
        ]
        headers = [str(sanitize_cell(h)) for h in headers]
        self.flagging_dir.mkdir(parents=True, exist_ok=True)
        if self.dataset_file_name:
            path = self.flagging_dir / self.dataset_file_name
        else:
            path = _dataset_path(self.flagging_dir, headers)
        if not path.exists():
            with path.open("w", newline="", encoding="utf-8") as file:
                csv.writer(file).writerow(headers)
            if self.verbose:
                print("Created dataset file at:", path)
        elif self.verbose:
            print("Using existing dataset file at:", path)
        return path


class FlagMethod:
    """The fn of a Flag button: stores the client values it is called with (in order) by
    ``callback``, under the option ``value``. Its ``__name__`` is ``Flag`` (the event's
    api name, as Gradio's)."""

    def __init__(
        self,
        flagging_callback: FlaggingCallback,
        label: str,
        value: str | None,
        visual_feedback: bool = True,
    ) -> None:
        self.flagging_callback = flagging_callback
        self.label = label
        self.value = value
        self.visual_feedback = visual_feedback
        self.__name__ = "Flag"

    def __call__(self, *flag_data: Any) -> None:
        self.flagging_callback.flag(list(flag_data), flag_option=self.value)


def resolve_flagging_mode(mode: str | None) -> str:
    """``mode``, or ``$GRADIO_FLAGGING_MODE``, or ``"manual"`` (Gradio's default);
    ``ValueError`` naming the valid modes otherwise."""
    if mode is None:
        mode = os.environ.get("GRADIO_FLAGGING_MODE", "manual")
    if mode not in FLAGGING_MODES:
        raise ValueError(
            f"Interface flagging_mode must be one of {', '.join(map(repr, FLAGGING_MODES))}; "
            f"got {mode!r}."
        )
    return mode


def flagging_options(options: Any) -> list[tuple[str, str | None]]:
    """``(button label, stored value)`` pairs: ``[("Flag", None)]`` by default, ``"X"`` is
    ``("Flag as X", "X")``; ``ValueError`` / ``TypeError`` for other shapes."""
    if options is None:
        return [("Flag", None)]
    if isinstance(options, list) and all(isinstance(o, str) for o in options):
        return [(f"Flag as {o}", o) for o in options]
    if isinstance(options, list) and all(isinstance(o, tuple) and len(o) == 2 for o in options):
        for label, value in options:
            if not isinstance(label, str) or not (value is None or isinstance(value, str)):
                raise TypeError(f"Interface flagging option values must be strings, not {value!r}")
        return list(options)
    raise ValueError(
        "Interface flagging_options must be a list of strings or of (label, value) tuples."
    )


def attach_flagging(
    interface: Flaggable,
    mode: str | None,
    options: Any = None,
    flagging_dir: str | Path = DEFAULT_FLAGGING_DIR,
    callback: FlaggingCallback | None = None,
) -> list[Button]:
    """Wire flagging into ``interface`` (call it inside ``with interface:``, after its
    submit event): ``"manual"`` adds a Flag button per option whose click stores the
    inputs and outputs; ``"auto"`` stores them after each successful run; ``"never"``
    does nothing. Returns the buttons added.

    Outputs whose ``interactive`` is unset are made non-interactive, as Gradio's Interface
    does (the flag event takes them as inputs, which would otherwise make them editable)."""
    mode = resolve_flagging_mode(mode)
    for component in interface.output_components:
        if component.interactive is None:
            component.interactive = False
    callback = callback or CSVLogger()
    if mode == "never":
        return []
    components = [*interface.input_components, *interface.output_components]
    callback.setup(components, flagging_dir)
    if mode == "auto":
        interface.dependency_.success(
            FlagMethod(callback, "", None, visual_feedback=False),
            components,
            None,
            preprocess=False,
            queue=False,
            api_visibility="undocumented",
        )
        return []
    buttons = []
    for label, value in flagging_options(options):
        button = Button(label)
        button.click(
            FlagMethod(callback, label, value),
            components,
            None,
            preprocess=False,
            queue=False,
            api_visibility="undocumented",
        )
        buttons.append(button)
    return buttons


def sanitize_cell(value: Any) -> Any:
    """``value`` safe from CSV injection (Gradio's rule): numbers unchanged, JSON text
    normalised, text that starts a formula prefixed with ``'``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(("{", "[")):
        try:
            return json.dumps(json.loads(text))
        except ValueError:
            pass
    if text.startswith(_UNSAFE_PREFIXES) or any(s in text for s in _UNSAFE_SEQUENCES):
        return f"'{text}"
    return text


# -- helpers --------------------------------------------------------------------------------


def _column(index: int, component: Component) -> str:
    return str(component.label or f"component {index}")


def _safe_name(name: str) -> str:
    """A file or folder name from a label: letters, digits and ``._- `` only (stricter than
    gradio_client's rule, which keeps any character that is not a separator or control)."""
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:200] or "component"


def _is_file_value(value: Any) -> bool:
    return isinstance(value, dict) and (
        isinstance(value.get("path"), str)
        or (isinstance(value.get("url"), str) and value["url"].startswith("data:"))
    )


def _copy_file(value: dict[str, Any], folder: Path) -> Path:
    """A copy of a file value (a file of the cache, or a ``data:`` URL) in a new folder."""
    target = folder / secrets.token_hex(10)
    target.mkdir(parents=True)
    path = value.get("path")
    if isinstance(path, str):
        cache_only = dataclasses.replace(current_file_access.get(), allowed_paths=())
        source = check_readable(path, cache_only, named_by_client=True, name=value.get("orig_name"))
        destination = target / source.name
        shutil.copyfile(source, destination)
        return destination
    mime, data = parse_data_url(value["url"])
    suffix = re.sub(r"[^a-z0-9]", "", mime.split("/")[-1].split("+")[0]) or "bin"
    stem = _safe_name(Path(str(value.get("orig_name") or "file")).stem).lstrip(".") or "file"
    destination = target / f"{stem}.{suffix}"
    destination.write_bytes(data)
    return destination


def _dataset_path(folder: Path, headers: list[str]) -> Path:
    """``datasetN.csv``: the newest one if its header row is ``headers``, else the next."""
    numbered = []
    for path in folder.glob("dataset*.csv"):
        match = re.fullmatch(r"dataset(\d+)", path.stem)
        if match:
            numbered.append((int(match.group(1)), path))
    if not numbered:
        return folder / "dataset1.csv"
    number, latest = max(numbered)
    with latest.open(newline="", encoding="utf-8") as file:
        existing = next(csv.reader(file), None)
    return latest if existing == headers else folder / f"dataset{number + 1}.csv"
