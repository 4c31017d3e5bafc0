"""gr.TabbedInterface: two Interfaces, one Tab each."""

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr


def invert(image):
    return 255 - image


def grayscale(image):
    return (image @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)


invert_app = gr.Interface(invert, "image", "image")
grayscale_app = gr.Interface(grayscale, gr.Image(label="Color"), gr.Image(label="Gray"))
demo = gr.TabbedInterface([invert_app, grayscale_app], ["Invert", "Grayscale"])

CALLS = [
    Call("/invert", [Upload("red.png")], check=is_image((32, 32, 3), (55, 225, 225))),
    Call("/grayscale", [Upload("red.png")], check=is_image((32, 32, 3), (81, 81, 81))),
]

if __name__ == "__main__":
    demo.launch()
