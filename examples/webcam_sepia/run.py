"""A real-time sepia webcam filter: the browser streams its camera, the server answers
every frame with the sepia-toned image (see README.md)."""

import numpy as np

import streamcore as gr

SEPIA = np.array(
    [
        [0.393, 0.769, 0.189],
        [0.349, 0.686, 0.168],
        [0.272, 0.534, 0.131],
    ]
)


def sepia(frame: np.ndarray) -> np.ndarray:
    """The documented sepia formula, on a 2-D view so numpy takes its fast matrix path."""
    height, width, _ = frame.shape
    toned = frame.reshape(-1, 3).dot(SEPIA.T).reshape(height, width, 3)
    toned /= max(float(toned.max()), 1e-6)
    return toned


with gr.Blocks(title="Sepia webcam") as demo:
    with_camera = gr.Image(sources="webcam", streaming=True, label="camera")
    toned = gr.Image(streaming=True, label="sepia")
    with_camera.stream(
        sepia,
        inputs=with_camera,
        outputs=toned,
        stream_every=0.05,
        time_limit=60,
        concurrency_limit=8,
    )

if __name__ == "__main__":
    demo.launch()
