"""Edge detection in a Row of two Columns, run by a Button with a Slider threshold."""

import numpy as np
from harness import Call, Upload, rgb

import streamcore as gr


def edges(image, threshold):
    gray = image.mean(axis=2)
    gx = np.abs(np.diff(gray, axis=1, prepend=gray[:, :1]))
    gy = np.abs(np.diff(gray, axis=0, prepend=gray[:1]))
    return ((gx + gy) > threshold).astype(np.uint8) * 255


def one_vertical_line(path):
    pixels = rgb(path)[:, :, 0]
    return pixels.shape == (40, 40) and pixels[:, 20].min() > 200 and pixels[:, :18].max() < 50


with gr.Blocks() as demo:
    with gr.Row():
        with gr.Column():
            source = gr.Image(label="Source")
            threshold = gr.Slider(0, 255, value=30, label="Threshold")
            run = gr.Button("Find edges", variant="primary")
        with gr.Column():
            found = gr.Image(label="Edges")
    run.click(edges, [source, threshold], found, api_name="edges")

CALLS = [Call("/edges", [Upload("halves.png"), 30], check=one_vertical_line)]

if __name__ == "__main__":
    demo.launch()
