"""An Interface with a numpy Image in and out: the classic sepia filter."""

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr


def sepia(input_img):
    sepia_filter = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    sepia_img = input_img.dot(sepia_filter.T)
    sepia_img /= sepia_img.max()
    return sepia_img


demo = gr.Interface(sepia, gr.Image(), "image")

CALLS = [Call("/sepia", [Upload("red.png")], check=is_image((32, 32, 3), (255, 227, 177)))]

if __name__ == "__main__":
    demo.launch()
