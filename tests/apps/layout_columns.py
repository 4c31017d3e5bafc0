"""Rows of equal height and Columns with scale, min_width and a panel variant."""

from harness import Call, Upload

import streamcore as gr


def measure(image):
    height, width = image.shape[:2]
    return width, height, f"{width}x{height}"


with gr.Blocks() as demo:
    gr.Markdown("# Image size")
    with gr.Row(equal_height=True):
        with gr.Column(scale=2, min_width=200, variant="panel"):
            image = gr.Image(label="Image")
            button = gr.Button("Measure", variant="primary")
        with gr.Column(scale=1, min_width=160):
            width = gr.Number(label="Width")
            height = gr.Number(label="Height")
            size = gr.Textbox(label="Size")
    button.click(measure, image, [width, height, size], api_name="measure")

CALLS = [Call("/measure", [Upload("gradient.png")], expect=(64, 48, "64x48"))]

if __name__ == "__main__":
    demo.launch()
