"""A small harness for the app corpus: what to call, with what, and what must come back.

Every app in this folder is a Gradio-style script that defines ``demo`` and ``CALLS``, a list
of :class:`Call`. :func:`load_app` imports an app (as written, with ``import streamcore as
gr``, or with that line swapped for ``import gradio as gr``), :func:`serving` launches its
demo on a free loopback port and :func:`run_calls` makes each call with ``gradio_client`` and
checks what came back, raising :class:`CallFailed` on the first difference.

The harness imports neither gradio nor streamcore: the same code checks an app under both.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import PIL.Image

__all__ = [
    "APPS_DIR",
    "ASSETS",
    "Call",
    "CallFailed",
    "Upload",
    "app_names",
    "fetch_config",
    "is_image",
    "load_app",
    "looks_like",
    "rgb",
    "run_calls",
    "serving",
]

APPS_DIR = Path(__file__).parent
ASSETS = APPS_DIR / "assets"
TIMEOUT = 30.0
STREAMCORE_IMPORT = "import streamcore as gr\n"
GRADIO_IMPORT = "import gradio as gr\n"
NOT_APPS = {"harness", "check_with_gradio", "make_assets"}


class CallFailed(AssertionError):
    """A call's result differs from what its :class:`Call` expects."""


@dataclass(frozen=True)
class Upload:
    """A file of ``assets/`` sent as a file input (``gradio_client.handle_file``)."""

    name: str

    @property
    def path(self) -> Path:
        return ASSETS / self.name


@dataclass(frozen=True)
class Call:
    """One call of an app's endpoint and what must come back.

    ``args`` are plain values, :class:`Upload` files, or lists/dicts of them. Exactly one
    of the expectations is given: ``expect`` (the result equals it), ``check`` (a predicate
    on the result, file outputs already downloaded to paths), ``error`` (the call fails
    with a ``gr.Error`` of this message). ``outputs``, if given, is a predicate on every
    output of the call in order (a generator's yields). ``stream=True`` calls a ``.stream``
    event: the result is its first output, then the call is cancelled (a stream event runs
    until its ``time_limit`` waiting for more frames)."""

    api_name: str
    args: Sequence[Any] = ()
    expect: Any = None
    check: Callable[[Any], bool] | None = None
    error: str | None = None
    outputs: Callable[[list[Any]], bool] | None = None
    stream: bool = False


# -- checks on results --------------------------------------------------------------------------


def rgb(value: Any) -> np.ndarray:
    """The RGB pixels of an image result: a path, or a dict with a ``path`` or ``image``."""
    if isinstance(value, dict):
        inner = value.get("path") or value.get("image") or value.get("value")
        if inner is None:  # e.g. an inline data: URL, which Gradio never sends for an image
            raise CallFailed(f"an image result with no file: {str(value)[:120]}")
        return rgb(inner)
    with PIL.Image.open(value) as image:
        return np.asarray(image.convert("RGB"))


def is_image(
    shape: tuple[int, ...] | None = None,
    color: tuple[int, int, int] | None = None,
    tolerance: float = 4.0,
) -> Callable[[Any], bool]:
    """A predicate: the result is an image of this ``(height, width, 3)`` shape whose every
    pixel is within ``tolerance`` of ``color`` on average (lossy codecs blur a few levels)."""

    def check(value: Any) -> bool:
        pixels = rgb(value)
        if shape is not None and pixels.shape != shape:
            return False
        if color is None:
            return True
        difference = np.abs(pixels.astype(float) - np.array(color, float))
        return bool(difference.mean() <= tolerance and np.median(difference) <= tolerance)

    return check


def looks_like(expected: np.ndarray, mean: float = 4.0) -> Callable[[Any], bool]:
    """A predicate: the result is an image of ``expected``'s shape within ``mean`` levels
    of it on average."""

    def check(value: Any) -> bool:
        pixels = rgb(value).astype(float)
        if pixels.shape != expected.shape:
            return False
        return bool(np.abs(pixels - expected.astype(float)).mean() <= mean)

    return check


# -- loading and serving an app -----------------------------------------------------------------


def app_names() -> list[str]:
    """Every app of the corpus, by file stem, sorted."""
    return sorted(p.stem for p in APPS_DIR.glob("*.py") if p.stem not in NOT_APPS)


def load_app(name: str, *, gradio: bool = False) -> ModuleType:
    """Import ``<name>.py`` as module ``apps.<name>`` (``apps.gradio.<name>`` with
    ``gradio=True``, its one ``import streamcore as gr`` line swapped for gradio's)."""
    path = APPS_DIR / f"{name}.py"
    source = path.read_text()
    if source.count(STREAMCORE_IMPORT) != 1:
        raise ValueError(f"{path}: needs exactly one line {STREAMCORE_IMPORT!r}")
    if gradio:
        source = source.replace(STREAMCORE_IMPORT, GRADIO_IMPORT)
    if str(APPS_DIR) not in sys.path:
        sys.path.insert(0, str(APPS_DIR))  # for ``from harness import ...``
    module_name = f"apps.{'gradio.' if gradio else ''}{name}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[module_name] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(demo: Any) -> Iterator[str]:
    """Launch ``demo`` on 127.0.0.1 without blocking; yield its URL; close it after."""
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True
    )
    try:
        yield str(demo.local_url)
    finally:
        demo.close()


def fetch_config(url: str) -> dict[str, Any]:
    """The app's ``GET /config``."""
    # an opener of its own, with no proxy: ``urlopen``'s shared one keeps the proxies of the
    # environment it was first used in (a test's), for the rest of the process
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(url.rstrip("/") + "/config", timeout=TIMEOUT) as response:
        config: dict[str, Any] = json.loads(response.read())
    return config


# -- calling ------------------------------------------------------------------------------------


def _prepared(value: Any) -> Any:
    from gradio_client import handle_file

    if isinstance(value, Upload):
        return handle_file(str(value.path))
    if isinstance(value, (list, tuple)):
        return [_prepared(item) for item in value]
    if isinstance(value, dict):
        return {key: _prepared(item) for key, item in value.items()}
    return value


def run_calls(url: str, calls: Sequence[Call], download_dir: Path) -> None:
    """Make every call in order with one ``gradio_client.Client`` (one session, so
    ``gr.State`` carries over) and check each; raise :class:`CallFailed` on a difference."""
    from gradio_client import Client

    client = Client(
        url, verbose=False, download_files=str(download_dir), httpx_kwargs={"timeout": TIMEOUT}
    )
    try:
        for call in calls:
            _run_call(client, call)
    finally:
        client.close()


def _run_call(client: Any, call: Call) -> None:
    from gradio_client.exceptions import AppError

    where = f"{call.api_name}{tuple(call.args)!r}"
    job = client.submit(*[_prepared(arg) for arg in call.args], api_name=call.api_name)
    if call.error is not None:
        try:
            result = job.result(timeout=TIMEOUT)
        except AppError as error:
            if error.message != call.error:
                raise CallFailed(f"{where}: error {error.message!r}, not {call.error!r}") from None
            return
        raise CallFailed(f"{where}: returned {result!r}, expected the error {call.error!r}")
    try:
        result = _first_output(job) if call.stream else job.result(timeout=TIMEOUT)
    except Exception as error:
        raise CallFailed(f"{where}: raised {type(error).__name__}: {error}") from error
    if call.check is not None:
        if not _holds(call.check, result):
            raise CallFailed(f"{where}: check failed on {result!r}")
    elif result != call.expect:
        raise CallFailed(f"{where}: returned {result!r}, expected {call.expect!r}")
    if call.outputs is not None and not _holds(call.outputs, job.outputs()):
        raise CallFailed(f"{where}: outputs check failed on {job.outputs()!r}")


def _first_output(job: Any) -> Any:
    """A stream event's first output; the job is cancelled after it."""
    _teach_stream_messages()
    try:
        for output in job:
            return output
        return job.result(timeout=TIMEOUT)  # ended with no output: its error, if any
    finally:
        job.cancel()


def _teach_stream_messages() -> None:
    """gradio_client 2.7 does not know Gradio 6's ``process_streaming`` message (a stream
    event's output) and fails on it with a KeyError; read it as ``process_generating``."""
    from gradio_client.utils import Status

    known = Status.msg_to_status
    if getattr(known, "knows_streaming", False):
        return

    def msg_to_status(msg: str) -> Any:
        return known("process_generating" if msg == "process_streaming" else msg)

    msg_to_status.knows_streaming = True  # type: ignore[attr-defined]
    Status.msg_to_status = staticmethod(msg_to_status)  # type: ignore[method-assign]


def _holds(predicate: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(predicate(value))
    except CallFailed:
        raise
    except Exception as error:  # a result of the wrong form fails the check, with the reason
        raise CallFailed(f"check raised {type(error).__name__}: {error} on {value!r}") from error
