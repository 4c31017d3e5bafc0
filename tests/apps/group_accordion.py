"""A brightness control grouped with its image, settings folded in a closed Accordion."""

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr


def brighten(image, amount, keep_range):
    result = image.astype(int) + int(amount)
    return (
        np.clip(result, 0, 255).astype(np.uint8) if keep_range else (result % 256).astype(np.uint8)
    )


with gr.Blocks() as demo:
    with gr.Group():
        image = gr.Image(label="Photo")
        result = gr.Image(label="Brighter")
    with gr.Accordion("Advanced settings", open=False):
        amount = gr.Slider(-100, 100, value=40, step=1, label="Brightness")
        keep_range = gr.Checkbox(value=True, label="Clip to 0-255")
    gr.Button("Brighten").click(brighten, [image, amount, keep_range], result, api_name="brighten")

CALLS = [
    Call("/brighten", [Upload("red.png"), 40, True], check=is_image((32, 32, 3), (240, 70, 70))),
    Call("/brighten", [Upload("red.png"), 60, True], check=is_image((32, 32, 3), (255, 90, 90))),
    Call("/brighten", [Upload("red.png"), 60, False], check=is_image((32, 32, 3), (4, 90, 90))),
]

if __name__ == "__main__":
    demo.launch()
