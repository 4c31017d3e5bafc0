"""Gradio's side of the ``generator`` scenario; run with the gradio peer's Python.

Serves ``gr.Interface(fake_diffusion, [Slider, Number], "image")`` (the generator of
``benchmarks/workloads.py``: no sleep, seeded) with Gradio on 127.0.0.1, then runs jobs with
``gradio_client``: ``submit(steps, seed)`` and iterate, as a user would, after one warm-up
job. Prints one JSON line: images per second reaching the client (median of the rounds),
the floor-free facts (first image, gaps) and the checks made on the files received.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for workloads

import numpy as np
from PIL import Image

from benchmarks.workloads import (
    DIFFUSION_FINAL_COLOUR,
    DIFFUSION_SEED,
    DIFFUSION_SIZE,
    fake_diffusion,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _check(paths: list[str], steps: int, seed: int) -> float:
    """The files are the images: right sizes, pixels near the generator's (WebP is lossy
    and the images are noise, so the bound is loose), and the final one orange."""
    if len(paths) != steps + 1:
        raise SystemExit(f"gradio_client gave {len(paths)} images for {steps} steps + 1")
    worst = 0.0
    for path, value in zip(paths, fake_diffusion(steps, seed), strict=True):
        with Image.open(path) as image:
            got = np.asarray(image.convert("RGB")).astype(np.int16)
        want = (value * 255).astype(np.int16) if value.dtype.kind == "f" else value
        if got.shape != want.shape:
            raise SystemExit(f"an image is {got.shape}, expected {want.shape}")
        diff = float(np.abs(got - want).mean())
        worst = max(worst, diff)
    if worst > 60:
        raise SystemExit(f"an image differs from the generator's by {worst:.1f} on average")
    with Image.open(paths[-1]) as image:
        final = np.asarray(image.convert("RGB")).astype(np.int16)
    if float(np.abs(final - np.array(DIFFUSION_FINAL_COLOUR)).mean()) > 3:
        raise SystemExit("the final image is not the orange one")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    import gradio as gr  # type: ignore[import-not-found]
    from gradio_client import Client

    demo = gr.Interface(
        fake_diffusion,
        inputs=[gr.Slider(1, 100_000, 3, step=1), gr.Number(0, precision=0)],
        outputs="image",
        api_name="predict",
    )
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    setup_s = time.perf_counter() - started

    def one_job(steps: int, seed: int) -> tuple[float, list[str], list[float]]:
        t0 = time.perf_counter()
        job = client.submit(steps, seed, api_name="/predict")
        paths, arrivals = [], []
        for value in job:
            arrivals.append(time.perf_counter() - t0)
            paths.append(value if isinstance(value, str) else value.get("path"))
        return (len(paths) / (time.perf_counter() - t0), paths, arrivals)

    seed = DIFFUSION_SEED + 1000
    one_job(3, seed)  # warm-up
    rates, firsts, worst = [], [], 0.0
    for _ in range(args.rounds):
        seed += 1
        rate, paths, arrivals = one_job(args.steps, seed)
        worst = max(worst, _check(paths, args.steps, seed))
        rates.append(rate)
        firsts.append(arrivals[0] * 1000.0)
    result: dict[str, Any] = {
        "peer": "gradio",
        "version": gr.__version__,
        "images_per_s": statistics.median(rates),
        "rates": rates,
        "first_image_ms": statistics.median(firsts),
        "steps": args.steps,
        "size": DIFFUSION_SIZE,
        "max_mean_abs_diff_vs_generator": worst,
        "setup_s": setup_s,
    }
    client.close()
    demo.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(json.dumps({"error": exc.code}), flush=True)
            sys.exit(1)
        raise
