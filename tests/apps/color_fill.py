"""A ColorPicker and two Numbers make a solid image; a DuplicateButton sits in the header."""

from harness import Call, is_image
from PIL import Image

import streamcore as gr


def fill(color, width, height):
    return Image.new("RGB", (int(width), int(height)), color)


with gr.Blocks() as demo:
    with gr.Row():
        gr.Markdown("# Solid colour")
        gr.DuplicateButton()
    color = gr.ColorPicker(value="#ff8800", label="Colour")
    with gr.Row():
        width = gr.Number(value=32, precision=0, label="Width")
        height = gr.Number(value=16, precision=0, label="Height")
    result = gr.Image(type="pil", label="Result")
    gr.Button("Fill").click(fill, [color, width, height], result, api_name="fill")

CALLS = [
    Call("/fill", ["#ff8800", 32, 16], check=is_image((16, 32, 3), (255, 136, 0))),
    Call("/fill", ["#1060c0", 8, 24], check=is_image((24, 8, 3), (16, 96, 192))),
]

if __name__ == "__main__":
    demo.launch()
