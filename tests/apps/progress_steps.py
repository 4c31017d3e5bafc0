"""A slow filter reporting gr.Progress, by hand and through progress.tqdm."""

import time

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr


def fade(image, steps, progress=gr.Progress()):  # noqa: B008
    progress(0, desc="Starting")
    result = image.astype(float)
    for _ in progress.tqdm(range(int(steps)), desc="Fading"):
        time.sleep(0.02)
        result = result / 2
    return np.round(result).astype(np.uint8)


demo = gr.Interface(fade, [gr.Image(), gr.Slider(1, 5, value=2, step=1)], gr.Image())

CALLS = [Call("/fade", [Upload("red.png"), 2], check=is_image((32, 32, 3), (50, 8, 8)))]

if __name__ == "__main__":
    demo.launch()
