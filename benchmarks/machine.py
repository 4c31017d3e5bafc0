"""A description of the machine and software a benchmark ran on, for the JSON file.

Figures from a shared 2-core machine are only comparable with the same versions, the same
encoders present and a similar load, so all of these are recorded next to them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Final

__all__ = ["describe_machine", "one_line"]

_VERSIONED: Final = (
    ("numpy", "numpy"),
    ("pillow", "pillow"),
    ("anyio", "anyio"),
    ("websockets", "websockets"),
    ("aiortc", "aiortc"),
    ("av", "av"),
    ("simplejpeg", "simplejpeg"),
    ("pybase64", "pybase64"),
)
"""(key in the JSON, distribution name)."""

_ACCELERATORS: Final = ("simplejpeg", "pybase64")
"""Optional modules that change what streamcore.media.encoding uses (see its docstring)."""


def describe_machine() -> dict[str, Any]:
    """CPU, OS, Python, the versions of the libraries on the frame path, whether the
    optional encoders are present, the load average and the source revision."""
    description: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": _usable_cpus(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }
    for key, distribution in _VERSIONED:
        description[key] = _version(distribution)
    for module in _ACCELERATORS:
        description[f"{module}_present"] = importlib.util.find_spec(module) is not None
    description["streamcore"] = _streamcore_version()
    description["load_average"] = _load_average()
    description["glibc_tunables"] = os.environ.get("GLIBC_TUNABLES")
    description["git_revision"] = _git_revision()
    return description


def one_line(machine: dict[str, Any]) -> str:
    """A short summary for the top of a run's output."""
    accel = ", ".join(
        f"{name} {'yes' if machine.get(f'{name}_present') else 'NO'}" for name in _ACCELERATORS
    )
    load = machine.get("load_average")
    load_text = "n/a" if load is None else " ".join(f"{value:.2f}" for value in load)
    return (
        f"{machine['cpus_usable']} usable CPUs ({machine['cpu_model'] or machine['machine']}), "
        f"{machine['platform']}, Python {machine['python']}, numpy {machine['numpy']}, "
        f"Pillow {machine['pillow']}; {accel}; load average {load_text}"
    )


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _usable_cpus() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count()


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or None
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or None


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _streamcore_version() -> str | None:
    try:
        import streamcore
    except ImportError:
        return None
    return str(streamcore.__version__)


def _git_revision() -> str | None:
    """``HEAD``'s commit, with ``+dirty`` when the work tree has changes; ``None`` outside git."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")
