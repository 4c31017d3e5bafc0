"""A PIL Image blurred by a Slider's radius, with a Gaussian filter from Pillow."""

from harness import Call, Upload, rgb
from PIL import ImageFilter

import streamcore as gr


def blur(image, radius):
    return image.filter(ImageFilter.GaussianBlur(radius))


def softened(path):
    pixels = rgb(path).astype(int)
    edge = pixels[20, 14:26, 0]  # across the black/white border
    return pixels.shape == (40, 40, 3) and 40 < edge[5] < 215 and 40 < edge[6] < 215


demo = gr.Interface(
    blur,
    [gr.Image(type="pil"), gr.Slider(0, 10, value=2, step=0.5, label="Radius")],
    gr.Image(type="pil"),
)

CALLS = [Call("/blur", [Upload("halves.png"), 3], check=softened)]

if __name__ == "__main__":
    demo.launch()
