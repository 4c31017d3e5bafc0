"""The values of one event call, both ways, and a session's ``State`` values.

:class:`SessionValues` turns a client's payloads into a fn's arguments (each input
component's ``preprocess``; a stateful input gets the session's value) and a fn's result
into the payloads a client receives (each output component's ``postprocess``; a stateful
output stores the value in the session instead), for calls, batches and stream frames. The
functions below read what else a call needs from its dependency: the event data argument,
a validator's verdict, and the error payload a client gets.

Pure conversion: no I/O, no event loop; the runtime calls it where the work belongs (in a
worker thread for anything that scales with the input).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..contract import Block, to_wire
from ..errors import (
    Error,
    FetchError,
    InvalidInputError,
    MissingFileError,
    PathNotAllowedError,
    StreamcoreError,
)
from ..events import Dependency
from .updates import apply_update, as_update, is_update

__all__ = [
    "CLIENT_MISTAKES",
    "HIDDEN_ERROR",
    "Later",
    "SessionValues",
    "error_payload",
    "finish_outputs",
    "has_later",
    "name_the_input",
    "to_wire",
    "validation_failures",
]


class SessionValues:
    """One client session's value conversion; :attr:`state` holds its ``State`` values by
    component id."""

    def __init__(self) -> None:
        self.state: dict[int, Any] = {}
        self.updated: dict[int, Block] = {}
        """Per component id, the component as the session's updates left it
        (``gr.update(...)`` from a fn): its later values go through this one."""

    def current(self, component: Block) -> Block:
        """``component`` with the props this session's updates gave it."""
        return self.updated.get(component.id, component)

    def preprocess(
        self,
        dependency: Dependency,
        data: list[Any],
        skip: int | None = None,
        checkpoint: Callable[[], None] | None = None,
    ) -> list[Any]:
        """The fn's arguments for the client's ``data``, one per input (``None`` at
        ``skip``, a stream's frame input). Raises what the components raise; a refusal of
        the client's value (see :func:`name_the_input`) names the input first.

        ``checkpoint`` is called before each input: it raises to stop the work (in a worker
        thread, ``anyio.from_thread.check_cancelled`` stops it once its caller is cancelled).
        """
        values: list[Any] = []
        for index, (component, value) in enumerate(zip(dependency.inputs, data, strict=True)):
            if checkpoint is not None:
                checkpoint()
            if index == skip:
                values.append(None)
            elif component.stateful:
                values.append(self._state_of(component))
            elif dependency.preprocess:
                try:
                    values.append(self.current(component).preprocess(value))
                except CLIENT_MISTAKES as exc:
                    raise name_the_input(exc, index, component) from None
            else:
                values.append(value)
        return values

    def _state_of(self, component: Block) -> Any:
        if component.id not in self.state:
            self.state[component.id] = component.initial_value()
        return self.state[component.id]

    def postprocess_batch(self, dependency: Dependency, result: Any, size: int) -> list[list[Any]]:
        """A batch fn's result (one list per output) as ``size`` rows of payloads; raises
        :class:`~streamcore.errors.Error` when its shape is wrong."""
        expected = len(dependency.outputs)
        if not isinstance(result, list | tuple) or len(result) != expected:
            raise Error(
                f"a batch fn must return a tuple with one list per output ({expected}), "
                f"got {type(result).__name__}"
                + (f" of length {len(result)}" if isinstance(result, list | tuple) else "")
            )
        for column in result:
            if not isinstance(column, list | tuple) or len(column) != size:
                raise Error(
                    f"each list a batch fn returns must have one value per batched call "
                    f"({size}), got {column!r:.80}"
                )
        rows = list(zip(*result, strict=True)) if expected else [() for _ in range(size)]
        return [self.postprocess(dependency, row, unpacked=True) for row in rows]

    def postprocess(
        self, dependency: Dependency, value: Any, *, unpacked: bool = False
    ) -> list[Any]:
        """The fn's return value as client-side values, one per output component."""
        return self._postprocess(dependency, value, unpacked=unpacked, later=False)

    def postprocess_later(self, dependency: Dependency, value: Any) -> list[Any]:
        """:meth:`postprocess` for a generator's yield, in two steps: what reads ``value``
        is done now (the generator is suspended); the costly rest of each output whose
        component has ``postprocess_later`` (an ``Image``'s encoding) is left as a
        :class:`Later`, which :func:`finish_outputs` completes, in any thread, after the
        generator has carried on. Raises what :meth:`postprocess` raises about the value."""
        return self._postprocess(dependency, value, unpacked=False, later=True)

    def _postprocess(
        self, dependency: Dependency, value: Any, *, unpacked: bool, later: bool
    ) -> list[Any]:
        outputs = dependency.outputs
        if unpacked:
            values = list(value)
        elif len(outputs) == 1:
            values = [value]
        elif not outputs:
            values = []
        elif isinstance(value, list | tuple) and len(value) == len(outputs):
            values = list(value)
        else:
            got = f"{len(value)} values" if isinstance(value, list | tuple) else "one value"
            raise Error(
                f"{dependency.api_name!r} has {len(outputs)} outputs but its fn returned {got}"
            )
        result: list[Any] = []
        for component, item in zip(outputs, values, strict=True):
            if component.stateful:
                if not is_update(item):
                    self.state[component.id] = item
                elif "value" in item:  # gr.update(value=...) of a State
                    self.state[component.id] = item["value"]
                result.append(None)
                continue
            props = as_update(item)
            if props is not None:
                result.append(self._update(component, props, dependency.postprocess))
            elif dependency.postprocess:
                current = self.current(component)
                split = getattr(current, "postprocess_later", None) if later else None
                if split is None:
                    result.append(to_wire(current.postprocess(item)))
                else:
                    result.append(Later(split(item)))
            else:
                result.append(to_wire(item))
        return result

    def _update(self, component: Block, props: dict[str, Any], postprocess: bool) -> Any:
        """Gradio's update payload for ``props``; the session keeps the updated component."""
        payload, rebuilt = apply_update(
            component, self.current(component), props, postprocess=postprocess
        )
        if rebuilt is not component:
            self.updated[component.id] = rebuilt
        if "value" in payload:
            payload["value"] = to_wire(payload["value"])
        return payload

    def postprocess_frame_result(
        self, dependency: Dependency, result: Any, image_index: int, *, raw: bool = False
    ) -> tuple[list[Any], Any, str | None]:
        """The outputs with the image taken out: encoded bytes and their mime type, or
        (``raw``, for a video track) a uint8 RGB array and ``"raw"``."""
        values = [result] if len(dependency.outputs) == 1 else list(result)
        image_value = values[image_index]
        values[image_index] = None
        rest = self.postprocess(dependency, values, unpacked=True)
        if image_value is None:
            return rest, None, None
        carrier = dependency.outputs[image_index].frame_output()
        assert carrier is not None  # chosen by frame_output()
        if raw:
            return rest, carrier.postprocess_to_array(image_value), "raw"
        frame, mime = carrier.postprocess_to_bytes(image_value)
        return rest, frame, mime


CLIENT_MISTAKES = (InvalidInputError, PathNotAllowedError, MissingFileError, FetchError)
"""What a component raises for a value the client sent that cannot be used: the client's
mistake, answered with its message and never logged with a traceback."""


def name_the_input(exc: StreamcoreError, index: int, component: Block) -> StreamcoreError:
    """``exc`` (the same object, so its type and wire code stay) with its message prefixed
    by the input it concerns, in the client's terms: ``input 1 (Photo): ...``."""
    label = getattr(component, "label", None)
    where = f"input {index + 1}" + (f" ({label})" if label else "")
    exc.args = (f"{where}: {exc}",)
    return exc


def validation_failures(dependency: Dependency, results: Any) -> list[dict[str, Any]] | None:
    items = list(results) if isinstance(results, list | tuple) else [results]
    names = _parameter_names(dependency)
    report, refused = [], False
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("__type__") == "validate":
            valid = bool(item.get("is_valid", True))
            refused = refused or not valid
            report.append(
                {
                    "parameter_name": names[index] if index < len(names) else f"parameter_{index}",
                    "is_valid": valid,
                    "message": item.get("message", ""),
                }
            )
    return report if refused else None


def _parameter_names(dependency: Dependency) -> list[str]:
    try:
        return list(inspect.signature(dependency.fn).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []


HIDDEN_ERROR = (
    "the app raised an exception; its text is not sent to clients (the server's log has "
    "it): launch with show_error=True to send it"
)
"""What a client reads in place of an unexpected exception's text when ``show_error`` is off."""


def error_payload(
    exc: BaseException, *, frame_error: bool = False, show_error: bool = True
) -> dict[str, Any]:
    """The ``error`` of a :class:`~streamcore.messages.Completed` message for ``exc``.

    A :class:`~streamcore.errors.Error` (``gr.Error``) gives its message, title, duration
    and visibility; a :class:`~streamcore.errors.StreamcoreError` (bad input, a refused
    frame) its text. Any other exception gives ``"<Type>: <text>"`` when ``show_error``,
    else :data:`HIDDEN_ERROR` and ``"hidden": True`` (Gradio's rule: an unexpected
    exception's text may hold the server's secrets).
    """
    if isinstance(exc, Error):
        return {
            "type": "Error",
            "message": exc.message,
            "title": exc.title,
            "duration": exc.duration,
            "visible": exc.visible,
        }
    if isinstance(exc, StreamcoreError):
        return {
            "type": type(exc).__name__,
            "message": str(exc),
            "title": "Bad frame" if frame_error else "Bad input",
            "frame": frame_error,
        }
    if not show_error:
        return {"type": "Exception", "message": HIDDEN_ERROR, "title": "Error", "hidden": True}
    return {"type": type(exc).__name__, "message": f"{type(exc).__name__}: {exc}", "title": "Error"}


class Later:
    """An output of :meth:`SessionValues.postprocess_later` still to be completed:
    ``finish()`` returns the component's postprocessed value."""

    __slots__ = ("finish",)

    def __init__(self, finish: Callable[[], Any]) -> None:
        self.finish = finish


def has_later(outputs: list[Any]) -> bool:
    """Whether ``outputs`` (one value per output component) holds a :class:`Later`."""
    return any(isinstance(item, Later) for item in outputs)


def finish_outputs(outputs: list[Any]) -> list[Any]:
    """``outputs`` with every :class:`Later` completed (and made wire values); the other
    values unchanged. Raises what a ``finish()`` raises."""
    return [to_wire(item.finish()) if isinstance(item, Later) else item for item in outputs]
