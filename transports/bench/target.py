"""The server a benchmark measures: a running one (its URL) or an app started for the run.

``Target.open("http://host:port/")`` uses a running server. ``Target.open("app.py:demo")``
(anything that is not an ``http(s)://`` URL) runs ``python -m streamcore serve app.py:demo``
in a child process on a free loopback port, waits until it answers ``/config``, and stops it
(SIGTERM, then SIGKILL after :data:`STOP_TIMEOUT_S`) when the ``with`` block ends. A
target that cannot be loaded raises :class:`TargetError` with the server's own message.

Server CPU: for a server started here, from ``/proc/<pid>/stat`` (Linux); for a running
server, from its ``/metrics`` (``process_cpu_seconds_total``) when it has that route; else
``None`` (the report then says "client side only").
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from streamcore.client.endpoints import api_info

__all__ = ["STOP_TIMEOUT_S", "Target", "TargetError", "free_port", "stream_events"]

START_TIMEOUT_S: Final = 60.0
"""Seconds an app may take to start answering ``/config``."""
STOP_TIMEOUT_S: Final = 10.0
"""Seconds a started server has to stop after SIGTERM before it is killed."""
_CPU_METRIC: Final = re.compile(r"^process_cpu_seconds_total\s+([0-9.eE+-]+)\s*$", re.M)


class TargetError(Exception):
    """The target cannot be measured (not reachable, no such app): bad usage."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stream_events(config: dict[str, Any]) -> list[str]:
    """The ``/``-prefixed api names of the app's public stream events."""
    endpoints = api_info(config)["named_endpoints"]
    return [name for name, endpoint in endpoints.items() if endpoint["is_stream"]]


@dataclass
class Target:
    """A server to measure: its ``url``, its ``config``, and the child process that serves
    it when it was started for the run (``process``; ``None`` for a running server)."""

    url: str
    config: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    _metrics: bool | None = field(default=None, repr=False)

    @classmethod
    @contextlib.contextmanager
    def open(cls, target: str) -> Iterator[Target]:
        """The target for the body of a ``with``; a server started here is stopped after
        (also when the body raises)."""
        if re.match(r"^https?://", target):
            url = target if target.endswith("/") else target + "/"
            yield cls(url, _get_config(url))
            return
        port = free_port()
        log = Path(tempfile.mkstemp(prefix=f"streamcore-bench-{port}-", suffix=".log")[1])
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "streamcore", "serve", target),
                    *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            url = f"http://127.0.0.1:{port}/"
            config = _wait_until_serving(process, url, log)
            yield cls(url, config, process, log)
        finally:
            _stop(process)
            with contextlib.suppress(OSError):
                log.unlink()

    @property
    def port(self) -> int | None:
        """The port of a server started here."""
        match = re.search(r":(\d+)/", self.url)
        return int(match.group(1)) if match else None

    def server_cpu_seconds(self) -> float | None:
        """The server's CPU time so far (user + system, seconds), or ``None`` if unknown."""
        if self.process is not None:
            return _proc_cpu_seconds(self.process.pid)
        if self._metrics is False:
            return None
        try:
            with urllib.request.urlopen(self.url + "metrics", timeout=5) as response:
                text = response.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError):
            self._metrics = False
            return None
        match = _CPU_METRIC.search(text)
        self._metrics = match is not None
        return float(match.group(1)) if match else None


def _get_config(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url + "config", timeout=10) as response:
            config: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        exc.close()
        raise TargetError(f"{url}config answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TargetError(f"cannot reach {url}: {exc}") from None
    return config


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text("utf-8", "replace").strip()
            last = output.splitlines()[-1] if output else f"exit status {process.returncode}"
            raise TargetError(last.removeprefix("streamcore serve: "))
        with contextlib.suppress(TargetError):
            return _get_config(url)
        time.sleep(0.1)
    raise TargetError(f"the app did not answer {url}config within {START_TIMEOUT_S:g} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _proc_cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[11:15]: utime, stime, cutime, cstime (clock ticks), numbered from field 3
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")
