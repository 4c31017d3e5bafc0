"""A generator that yields noisy images before the final one, as a fake diffusion model."""

import time

import numpy as np
from harness import Call, is_image

import streamcore as gr


def fake_diffusion(steps):
    rng = np.random.default_rng()
    for _ in range(steps):
        time.sleep(0.05)
        yield rng.random(size=(60, 80, 3))
    image = np.ones((100, 120, 3), np.uint8)
    image[:] = [255, 124, 0]
    yield image


def noise_then_final(outputs):
    noisy = [is_image((60, 80, 3))(path) for path in outputs[:-1]]
    return len(outputs) == 4 and all(noisy)


demo = gr.Interface(fake_diffusion, gr.Slider(1, 10, 3, step=1), "image")

CALLS = [
    Call(
        "/fake_diffusion",
        [3],
        check=is_image((100, 120, 3), (255, 124, 0)),
        outputs=noise_then_final,
    )
]

if __name__ == "__main__":
    demo.launch()
