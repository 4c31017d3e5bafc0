"""A webcam Image streamed through a mirror filter with ``.stream``."""

import numpy as np
from harness import Call, Upload, looks_like
from make_assets import halves

import streamcore as gr


def mirror(frame):
    return np.fliplr(frame)


with gr.Blocks() as demo:
    with gr.Row():
        webcam = gr.Image(sources=["webcam"], streaming=True, label="Webcam")
        mirrored = gr.Image(streaming=True, label="Mirrored")
    webcam.stream(mirror, webcam, mirrored, stream_every=0.1, time_limit=30, api_name="mirror")

CALLS = [
    Call(
        "/mirror", [Upload("halves.png")], check=looks_like(halves()[:, ::-1], mean=8), stream=True
    )
]

if __name__ == "__main__":
    demo.launch()
