"""The command line: ``python -m streamcore serve app.py:demo`` (or ``streamcore serve``),
and ``streamcore bench TARGET --api-name /name`` (:mod:`transports.bench.command`).

``serve TARGET`` loads the app named by ``TARGET`` (``path/to/app.py:demo`` or
``package.module:demo``; the name may be left out when the script has one app) and serves
it under uvicorn on ``--host``/``--port``. The script runs as ``__main__``, as
``python app.py`` would run it, except that its ``demo.launch(...)`` serves nothing: its
keywords (``auth``, ``max_threads``, ``allowed_paths``...) configure the served app, while
the address comes from the command line.

``--workers N`` runs N processes that share the port (uvicorn's supervisor). Each worker
loads the app itself and serves whole sessions: a WebSocket, its jobs and its WebRTC peer
live in one process, so nothing is shared, and concurrency limits and queues are per
process (``docs/deployment.md`` says how to size them). The workers share the key of the
login cookie (:data:`transports.auth.SECRET_ENV`, drawn here when it is not set), so a
login made on one is valid on all. With more than one worker, ``/metrics`` sums the
workers' figures: the command makes a temporary ``PROMETHEUS_MULTIPROC_DIR`` for the run
(unless one is set) and deletes it when the run ends (``docs/metrics.md``).

Exit status: 0 after a clean stop (Ctrl-C or SIGTERM), 2 on bad usage (a target that
cannot be loaded says why and lists the apps the script has).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamcore.app.blocks import Blocks

from .auth import SECRET_ENV
from .metrics import MULTIPROC_ENV
from .process_setup import prepare_process
from .server import Server, ServerOptions, launches_captured, uvicorn_settings

__all__ = ["LoadedApp", "TargetError", "load_app", "main", "worker_app"]

TARGET_ENV = "STREAMCORE_TARGET"
"""The app a worker process serves: the ``serve`` command's TARGET."""
ROOT_PATH_ENV = "STREAMCORE_ROOT_PATH"
"""The ``--root-path`` a worker's app scopes its login cookie to."""

LAUNCH_ONLY = frozenset(
    {
        "server_name",
        "server_port",
        "prevent_thread_lock",
        "quiet",
        "share",
        "inbrowser",
        "debug",
    }
)
"""``launch()`` keywords about starting a server, which the command line decides instead."""


class TargetError(Exception):
    """The TARGET names no app: its message says why and what the script has."""


@dataclass(frozen=True)
class LoadedApp:
    """An app to serve and the server options its script's ``launch(...)`` gave, if any."""

    blocks: Blocks
    options: dict[str, Any]


def load_app(target: str) -> LoadedApp:
    """The app ``target`` names: ``file.py:name``, ``module:name``, or either without a
    name when the script defines exactly one app at top level. Runs the script as
    ``__main__`` with its folder on ``sys.path``; its ``launch()`` calls serve nothing."""
    location, _, name = target.partition(":")
    with launches_captured() as launches:
        namespace = _run(location)
    apps = {key: value for key, value in namespace.items() if isinstance(value, Blocks)}
    if name:
        blocks = namespace.get(name)
        if not isinstance(blocks, Blocks):
            raise TargetError(f"{location} has no app named {name!r}; {_listing(apps)}")
    elif len(apps) == 1:
        blocks = next(iter(apps.values()))
    else:
        raise TargetError(f"name the app to serve as {location}:NAME; {_listing(apps)}")
    options: dict[str, Any] = {}
    for call in launches:
        if call.blocks is blocks:
            options = {k: v for k, v in call.options.items() if k not in LAUNCH_ONLY}
    return LoadedApp(blocks, options)


def worker_app() -> Any:
    """The ASGI app of one worker process (uvicorn calls this factory in each worker)."""
    prepare_process()  # as launch() does: malloc policy, switch interval, settings checked
    loaded = load_app(os.environ[TARGET_ENV])
    options = {"root_path": os.environ.get(ROOT_PATH_ENV, ""), **loaded.options}
    return Server(loaded.blocks, ServerOptions(**options)).app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "bench":
        from .bench.command import run

        return run(args)
    try:
        load_app(args.target)  # fail here, once, with a clear message, not in every worker
    except TargetError as exc:
        print(f"streamcore serve: {exc}", file=sys.stderr)
        return 2
    os.environ[TARGET_ENV] = args.target
    os.environ[ROOT_PATH_ENV] = args.root_path
    os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))
    for stop in (signal.SIGINT, signal.SIGTERM):
        # uvicorn stops cleanly, then re-raises the signal it caught: end with status 0
        signal.signal(stop, _exit_cleanly)
    with _multiprocess_metrics(args.workers):
        _run_uvicorn(args)
    return 0


@contextlib.contextmanager
def _multiprocess_metrics(workers: int) -> Iterator[None]:
    """With several workers and no ``PROMETHEUS_MULTIPROC_DIR`` set, a fresh one for the
    body (the workers inherit it), deleted afterwards."""
    if workers < 2 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    path = tempfile.mkdtemp(prefix="streamcore-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def _run_uvicorn(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "transports.cli:worker_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        root_path=args.root_path,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=args.log_level,
        **uvicorn_settings(),
    )


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamcore", description="streamcore's command line (see docs/deployment.md)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve an app with uvicorn, on one or several worker processes",
        description="Serve TARGET (app.py:demo or package.module:demo) with uvicorn.",
    )
    serve.add_argument("target", metavar="TARGET", help="app.py:demo or package.module:demo")
    serve.add_argument(
        "--host",
        default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        help="the address to listen on (default: GRADIO_SERVER_NAME, else 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        help="the port (default: GRADIO_SERVER_PORT, else 7860)",
    )
    serve.add_argument("--workers", type=_positive, default=1, help="processes (default 1)")
    serve.add_argument(
        "--root-path", default="", help="the prefix a proxy serves the app under and strips"
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a proxy)",
    )
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    from .bench.command import add_parser

    add_parser(commands)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _run(location: str) -> dict[str, Any]:
    """Run a script file or a module as ``__main__``; its global names."""
    if location.endswith(".py") or "/" in location or os.sep in location:
        path = Path(location).resolve()
        if not path.is_file():
            raise TargetError(f"no such file: {location}")
        sys.path.insert(0, str(path.parent))
        return runpy.run_path(str(path), run_name="__main__")
    try:
        return runpy.run_module(location, run_name="__main__", alter_sys=True)
    except ImportError as exc:
        raise TargetError(f"cannot import {location}: {exc}") from None


def _listing(apps: dict[str, Blocks]) -> str:
    if not apps:
        return "it defines no app (a gr.Blocks or gr.Interface at top level)"
    return "its apps: " + ", ".join(sorted(apps))
