"""Image statistics shown as gr.JSON next to a Textbox summary."""

from harness import Call, Upload

import streamcore as gr


def stats(image):
    height, width = image.shape[:2]
    mean = [round(float(v), 1) for v in image.reshape(-1, 3).mean(axis=0)]
    return {"width": width, "height": height, "mean": mean}, f"{width}x{height}"


demo = gr.Interface(stats, gr.Image(), [gr.JSON(label="Stats"), gr.Textbox(label="Size")])

CALLS = [
    Call(
        "/stats",
        [Upload("gradient.png")],
        expect=({"width": 64, "height": 48, "mean": [103.0, 100.5, 90.0]}, "64x48"),
    )
]

if __name__ == "__main__":
    demo.launch()
