"""Other systems doing the same jobs as streamcore, run in virtualenvs of their own.

``python -m benchmarks --setup-peers`` creates one virtualenv per peer under
``~/.cache/streamcore-bench/peers/<name>`` (override the root with
``STREAMCORE_BENCH_PEERS``) and ``pip install``\\ s the peer into it. A scenario runs a
peer's script (a module file in this folder) with that virtualenv's Python as a
subprocess; the script prints one JSON object on its last line of stdout. When a peer's
virtualenv is missing, :func:`peer_python` returns ``None`` and the scenario says so and
goes on without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

__all__ = [
    "PEERS",
    "Peer",
    "PeerError",
    "peer_python",
    "peers_root",
    "run_peer_script",
    "setup_peers",
]


class PeerError(Exception):
    """A peer's script failed or printed no result."""


@dataclass(frozen=True)
class Peer:
    """One peer: its virtualenv name and what ``pip install`` gets it."""

    name: str
    requirements: tuple[str, ...]
    import_name: str


PEERS: Final = (
    Peer("gradio", ("gradio",), "gradio"),
    Peer("fastrtc", ("fastrtc",), "fastrtc"),
)

SCRIPTS: Final = Path(__file__).resolve().parent


def peers_root() -> Path:
    """Where the peers' virtualenvs live."""
    override = os.environ.get("STREAMCORE_BENCH_PEERS")
    if override:
        return Path(override)
    return Path.home() / ".cache" / "streamcore-bench" / "peers"


def peer_python(name: str) -> Path | None:
    """The Python of peer ``name``'s virtualenv, or ``None`` if it was not set up (or the
    install did not finish: a ``.ok`` marker is written only after ``pip`` succeeded)."""
    venv = peers_root() / name
    python = venv / "bin" / "python"
    if python.exists() and (venv / ".ok").exists():
        return python
    return None


def peer_version(name: str) -> str | None:
    """The installed version of the peer, recorded at setup time."""
    marker = peers_root() / name / ".ok"
    try:
        version = json.loads(marker.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return str(version) if version else None


def setup_peers(stream: TextIO = sys.stdout) -> list[str]:
    """Create (or update) every peer's virtualenv; returns the problems, one line each.

    Each install's full pip output goes to ``<root>/<name>-setup.log``.
    """
    problems = []
    root = peers_root()
    root.mkdir(parents=True, exist_ok=True)
    for peer in PEERS:
        venv = root / peer.name
        log = venv.parent / f"{peer.name}-setup.log"
        print(f"[peers] {peer.name}: creating {venv} (log: {log})", file=stream, flush=True)
        started = time.perf_counter()
        (venv / ".ok").unlink(missing_ok=True)
        with log.open("w", encoding="utf-8") as out:
            steps: list[Sequence[str]] = [
                [sys.executable, "-m", "venv", str(venv)],
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-U", "pip"],
                [str(venv / "bin" / "python"), "-m", "pip", "install", *peer.requirements],
            ]
            failed = None
            for step in steps:
                out.write(f"$ {' '.join(step)}\n")
                out.flush()
                result = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, check=False)
                if result.returncode != 0:
                    failed = f"`{' '.join(step[-3:])}` exited {result.returncode}"
                    break
        if failed is None:
            version = _installed_version(venv, peer.import_name)
            if version is None:
                failed = f"{peer.import_name} does not import in the new virtualenv"
            else:
                (venv / ".ok").write_text(json.dumps({"version": version}), encoding="utf-8")
        elapsed = time.perf_counter() - started
        if failed is None:
            print(f"[peers] {peer.name}: ok in {elapsed:.0f} s", file=stream, flush=True)
        else:
            tail = _tail(log)
            problems.append(f"{peer.name}: {failed}; last lines of {log}:\n{tail}")
            print(f"[peers] {peer.name}: FAILED: {failed}\n{tail}", file=stream, flush=True)
    return problems


def _installed_version(venv: Path, module: str) -> str | None:
    code = f"import importlib.metadata as m; import {module}; print(m.version({module!r}))"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or None if result.returncode == 0 else None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


def run_peer_script(
    python: Path, script: str, args: Sequence[str], timeout: float, stream: TextIO
) -> dict[str, Any]:
    """Run ``benchmarks/peers/<script>`` with ``python`` and return the JSON object its
    last stdout line holds. Its stderr is passed through to ``stream`` line by line only
    when it fails (peers are chatty). Raises :class:`PeerError`."""
    path = SCRIPTS / script
    try:
        result = subprocess.run(
            [str(python), str(path), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"{script} did not finish in {timeout:.0f} s") from exc
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    try:
        document = json.loads(lines[-1]) if lines else None
    except ValueError:
        document = None
    if isinstance(document, dict) and document.get("error"):
        print(result.stderr[-4000:], file=stream)
        raise PeerError(f"{script}: {document['error']}")
    if result.returncode != 0 or not isinstance(document, dict):
        print(result.stdout[-2000:], result.stderr[-4000:], file=stream)
        raise PeerError(f"{script} exited {result.returncode} without a JSON result")
    return document


def fastrtc_measure(
    frames: Sequence[Any],
    *,
    fn: str,
    streams: Sequence[int],
    seconds: float,
    passes: int,
    linger: float,
    stream: TextIO,
) -> dict[str, Any]:
    """Run ``fastrtc_run.py measure`` with the fastrtc peer's Python: ``streams`` camera
    streams (one configuration per count, on one FastRTC server) with ``fn`` (``"slow"`` or
    ``"busy"``). ``frames`` are the numbered RGB frames to send. Raises :class:`PeerError`
    (also when the peer is not set up)."""
    import tempfile

    import numpy as np

    from transports.bench import StampedFrames

    python = peer_python("fastrtc")
    if python is None:
        raise PeerError("no fastrtc virtualenv (run `python -m benchmarks --setup-peers`)")
    with tempfile.TemporaryDirectory(prefix="streamcore-bench-") as directory:
        path = Path(directory) / "frames.npy"
        args = ["measure", "--fn", fn, "--passes", str(passes), "--frames", str(path)]
        if isinstance(frames, StampedFrames):  # one picture, numbered by the peer when sent
            np.save(path, frames.base[None])
            args += ["--count", str(len(frames))]
        else:
            np.save(path, np.stack(list(frames)))
        args += ["--streams", ",".join(map(str, streams)), "--seconds", str(seconds)]
        args += ["--linger", str(linger)]
        timeout = 120 + len(streams) * (seconds + linger + 30)
        return run_peer_script(python, "fastrtc_run.py", args, timeout=timeout, stream=stream)
