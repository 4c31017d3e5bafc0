"""Gradio's server for ``generator_http``; run with the gradio peer's Python.

``gradio_server.py`` serves the fake_diffusion generator of ``benchmarks/workloads.py`` (no
sleep, seeded) with Gradio on 127.0.0.1, twice, under the ``api_name`` streamcore's
benchmark server gives the same events (``benchmarks/server_process.py``):
``fake_diffusion`` to ``gr.Image()`` and ``fake_diffusion_stream`` to
``gr.Image(streaming=True)``. Inputs: a ``Slider`` (steps) and a ``Number`` (seed).

It prints ``{"port", "pid", "version", "gradio_client"}`` on one line once it serves, then
answers commands read from stdin, one JSON line each, as ``benchmarks/server_process.py``
does: ``stats`` (its CPU time, all threads, and its current and peak resident memory) and
``quit`` (or end of input), which stops it. The client runs elsewhere (the benchmark
process), so streamcore and Gradio are measured by the same ``gradio_client``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for workloads

from benchmarks.workloads import fake_diffusion


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB, from /proc/self/status."""
    rss = hwm = float("nan")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return rss, hwm


def main() -> None:
    import importlib.metadata

    import gradio as gr  # type: ignore[import-not-found]

    with gr.Blocks() as demo:
        steps = gr.Slider(1, 100_000, 3, step=1)
        seed = gr.Number(0, precision=0)
        for api_name, output in (
            ("fake_diffusion", gr.Image()),
            ("fake_diffusion_stream", gr.Image(streaming=True)),
        ):
            gr.Button().click(
                fake_diffusion, [steps, seed], output, api_name=api_name, concurrency_limit=None
            )
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    hello = {
        "port": port,
        "pid": os.getpid(),
        "version": gr.__version__,
        "gradio_client": importlib.metadata.version("gradio_client"),
    }
    print(json.dumps(hello), flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            if command == "stats":
                rss, hwm = _rss_mb()
                reply: dict[str, Any] = {
                    "cpu_s": time.process_time(),
                    "rss_mb": rss,
                    "peak_rss_mb": hwm,
                }
            else:
                reply = {"error": f"unknown command {command!r}"}
            print(json.dumps(reply), flush=True)
    finally:
        demo.close()


if __name__ == "__main__":
    main()
