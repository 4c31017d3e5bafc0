"""``Dataset``: a table or gallery of samples a user can click (``gr.Dataset``), the widget
under ``gr.Examples``.

Each sample is a list with one value per component of ``components``; the samples are
kept as given (what a fn receives) and as each component's client value (what the page
shows). Files a sample names (an ``Image`` example's path, chosen by the app's author) are
copied into the file cache, so the page can show them and a client can send them back.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar, Final, Literal

from ..contract import to_wire
from ..errors import InvalidInputError
from ..media.files import check_readable, current_file_access, save_bytes_to_cache
from ._common import Key, describe
from .base import Component
from .shortcuts import component_from_string

__all__ = ["DATASET_TYPES", "Dataset", "client_sample_value"]

DATASET_TYPES: Final = ("values", "index", "tuple")
"""The ``type`` values ``Dataset`` accepts: what a fn with the Dataset as input receives."""


class Dataset(Component):
    """Samples shown as a table (or, with one component, a gallery); clicking one fires
    ``click`` and ``select`` (``SelectData.index`` is the sample's index, ``value`` the
    sample as shown).

    The client value is the index of a sample. :meth:`preprocess` gives the fn the sample
    as given (``type="values"``), its index (``"index"``) or both (``"tuple"``), and raises
    :class:`InvalidInputError` for an index that is not an int or is out of range.
    :meth:`postprocess` takes an index, ``None`` or a sample (its index is looked up; a
    sample that is not one warns, as Gradio, and gives ``None``). The constructor raises
    ``ValueError`` for an unknown ``type`` or a sample with more values than components, and
    what each component's ``postprocess`` raises for a sample value it cannot show.
    """

    EVENTS: ClassVar[tuple[str, ...]] = ("change", "click", "select")

    def __init__(
        self,
        *,
        label: str | None = None,
        show_label: bool = True,
        components: list[Component] | list[str] | None = None,
        component_props: list[dict[str, Any]] | None = None,
        samples: list[list[Any]] | None = None,
        headers: list[str] | None = None,
        type: Literal["values", "index", "tuple"] = "values",
        layout: Literal["gallery", "table"] | None = None,
        samples_per_page: int = 10,
        visible: bool | Literal["hidden"] = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Key = None,
        preserved_by_key: list[str] | str | None = "value",
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        proxy_url: str | None = None,
        sample_labels: list[str] | None = None,
    ) -> None:
        if type not in DATASET_TYPES:
            raise ValueError(
                f"Dataset type must be one of {', '.join(map(repr, DATASET_TYPES))}; got {type!r}."
            )
        if not isinstance(samples_per_page, int) or samples_per_page < 1:
            raise ValueError(
                f"Dataset samples_per_page must be a positive int, not {samples_per_page!r}."
            )
        self.components = [_component(c) for c in components or []]
        self.component_props = (
            [_props_without_value(c) for c in self.components]
            if component_props is None
            else component_props
        )
        self.raw_samples: list[list[Any]] = [[]] if samples is None else [list(s) for s in samples]
        for index, sample in enumerate(self.raw_samples):
            if len(sample) > len(self.components):
                raise ValueError(
                    f"Dataset sample {index} has {len(sample)} values but there are "
                    f"{len(self.components)} components; give one value per component."
                )
        self.samples = [
            [client_sample_value(c, v) for c, v in zip(self.components, sample, strict=False)]
            for sample in self.raw_samples
        ]
        if headers is not None:
            self.headers = list(headers)
        elif all(c.label is None for c in self.components):
            self.headers = []
        else:
            self.headers = [c.label or "" for c in self.components]
        if sample_labels is not None and len(sample_labels) != len(self.raw_samples):
            raise ValueError(
                f"Dataset sample_labels has {len(sample_labels)} labels for "
                f"{len(self.raw_samples)} samples; give one per sample."
            )
        self.type = type
        self.layout = layout
        self.samples_per_page = samples_per_page
        self.proxy_url = proxy_url
        self.sample_labels = sample_labels
        super().__init__(
            None,
            label=label,
            show_label=show_label,
            container=container,
            scale=scale,
            min_width=min_width,
            visible=visible,
            elem_id=elem_id,
            elem_classes=elem_classes,
            render=render,
            key=key,
            preserved_by_key=preserved_by_key,
        )

    def preprocess(self, payload: Any) -> Any:
        """The clicked sample for the fn, as ``type`` says (``None`` stays ``None``)."""
        if payload is None:
            return None
        if not isinstance(payload, int) or isinstance(payload, bool):
            raise InvalidInputError(
                f"Dataset: expected the index of a sample (an int), got {describe(payload)}."
            )
        if not 0 <= payload < len(self.raw_samples):
            raise InvalidInputError(
                f"Dataset: there is no sample {payload}; the indices are 0 to "
                f"{len(self.raw_samples) - 1}."
            )
        if self.type == "index":
            return payload
        if self.type == "values":
            return self.raw_samples[payload]
        return payload, self.raw_samples[payload]

    def postprocess(self, value: Any) -> int | None:
        """The index the client receives for ``value`` (an index, a sample or ``None``)."""
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, list | tuple):
            for samples in (self.raw_samples, self.samples):
                if list(value) in samples:
                    return samples.index(list(value))
            warnings.warn(
                "Dataset cannot show a list of values that is not one of its samples; return "
                "a new Dataset(samples=...) to change the samples.",
                UserWarning,
                stacklevel=2,
            )
            return None
        raise ValueError(
            f"Dataset expects a sample index, a sample or None, got {describe(value)}."
        )

    def props(self) -> dict[str, Any]:
        """Gradio's Dataset config props (the components by type name and id)."""
        props = super().props()
        props.pop("interactive", None)
        return {
            **props,
            "components": [type(c).__name__.lower() for c in self.components],
            "component_ids": [c.id for c in self.components],
            "component_props": self.component_props,
            "samples": self.samples,
            "headers": self.headers,
            "type": self.type,
            "layout": self.layout,
            "samples_per_page": self.samples_per_page,
            "sample_labels": self.sample_labels,
            "proxy_url": self.proxy_url,
            "value": self.value,
        }

    def api_info(self) -> dict[str, Any]:
        """Gradio's: the index of the selected sample."""
        return {"type": "integer", "description": "index of selected example"}

    def example_value(self) -> list[Any]:
        """Gradio's example value (an empty sample)."""
        return []

    def example_payload(self) -> int:
        """A payload a client may send: the first sample."""
        return 0


def client_sample_value(component: Component, value: Any) -> Any:
    """``value`` (a sample an app's author gave) as ``component``'s client value, with each
    file it names copied into the file cache (see :func:`cached_copy`)."""
    if value is None:
        return None
    return cached_copy(to_wire(component.postprocess(value)))


def cached_copy(payload: Any) -> Any:
    """``payload`` with a file dict's ``path`` (a file the app may read, outside the cache)
    replaced by a copy in the cache; anything else unchanged. The file is checked with
    :func:`~streamcore.media.files.check_readable` under the current policy."""
    if not isinstance(payload, dict) or not isinstance(payload.get("path"), str):
        return payload
    policy = current_file_access.get()
    path = check_readable(payload["path"], policy)
    if path.is_relative_to(policy.cache_dir):
        return payload
    copy = save_bytes_to_cache(path.read_bytes(), path.name, policy)
    return {**payload, "path": str(copy), "orig_name": payload.get("orig_name") or path.name}


def _component(component: Component | str) -> Component:
    if isinstance(component, str):
        return component_from_string(component, render=False)  # the Dataset's own
    if not isinstance(component, Component):
        raise TypeError(f"Dataset components must be components or their names, not {component!r}")
    return component


def _props_without_value(component: Component) -> dict[str, Any]:
    props = dict(component.props())
    props.pop("value", None)
    return props
