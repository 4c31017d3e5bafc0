"""Two filters in gr.Tabs, each Tab with its own image, button and event."""

import numpy as np
from harness import Call, Upload, looks_like
from make_assets import gradient

import streamcore as gr


def rotate(image):
    return np.rot90(image)


def darken(image):
    return image // 2


with gr.Blocks() as demo:  # noqa: SIM117 (nested, as Gradio demos write it)
    with gr.Tabs():
        with gr.Tab("Rotate"):
            rotate_in, rotate_out = gr.Image(), gr.Image()
            gr.Button("Rotate").click(rotate, rotate_in, rotate_out, api_name="rotate")
        with gr.Tab("Darken"):
            darken_in, darken_out = gr.Image(), gr.Image()
            gr.Button("Darken").click(darken, darken_in, darken_out, api_name="darken")

CALLS = [
    Call("/rotate", [Upload("gradient.png")], check=looks_like(np.rot90(gradient()))),
    Call("/darken", [Upload("gradient.png")], check=looks_like(gradient() // 2)),
]

if __name__ == "__main__":
    demo.launch()
