"""A filepath Image flipped one of two ways chosen with a Radio."""

from harness import Call, Upload, looks_like
from make_assets import halves
from PIL import Image, ImageOps

import streamcore as gr


def flip(path, direction):
    image = Image.open(path)
    return ImageOps.mirror(image) if direction == "horizontal" else ImageOps.flip(image)


demo = gr.Interface(
    flip,
    [gr.Image(type="filepath"), gr.Radio(["horizontal", "vertical"], value="horizontal")],
    gr.Image(type="pil"),
)

CALLS = [
    Call("/flip", [Upload("halves.png"), "horizontal"], check=looks_like(halves()[:, ::-1])),
    Call("/flip", [Upload("halves.png"), "vertical"], check=looks_like(halves())),
]

if __name__ == "__main__":
    demo.launch()
