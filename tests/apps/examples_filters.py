"""A filter picked from a Dropdown, with gr.Examples of images and filters to start from."""

import os

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr

ASSETS = os.path.join(os.path.dirname(__file__), "assets")


def apply_filter(image, name):
    if name == "invert":
        return 255 - image
    if name == "grayscale":
        return (image @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    return image


with gr.Blocks() as demo:
    with gr.Row():
        image = gr.Image(label="Input")
        result = gr.Image(label="Output")
    name = gr.Dropdown(["invert", "grayscale", "none"], value="invert", label="Filter")
    gr.Button("Apply").click(apply_filter, [image, name], result, api_name="apply_filter")
    gr.Examples(
        examples=[
            [os.path.join(ASSETS, "blue.jpg"), "invert"],
            [os.path.join(ASSETS, "red.png"), "grayscale"],
        ],
        inputs=[image, name],
    )

CALLS = [
    Call(
        "/apply_filter", [Upload("blue.jpg"), "invert"], check=is_image((16, 24, 3), (235, 195, 35))
    ),
    Call(
        "/apply_filter",
        [Upload("blue.jpg"), "grayscale"],
        check=is_image((16, 24, 3), (66, 66, 66)),
    ),
]

if __name__ == "__main__":
    demo.launch()
