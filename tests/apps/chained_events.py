"""An event chain: a check, .success() to filter only when it passed, .then() to log."""

from harness import Call, Upload, is_image

import streamcore as gr


def check(image):
    if image is None:
        raise gr.Error("Upload an image first.")
    return "checked"


def invert(image):
    return 255 - image


def log(status):
    return f"done ({status})"


with gr.Blocks() as demo:
    image = gr.Image(label="Photo")
    result = gr.Image(label="Inverted")
    status = gr.Textbox(label="Status")
    (
        gr.Button("Invert")
        .click(check, image, status, api_name="check")
        .success(invert, image, result, api_name="invert")
        .then(log, status, status, api_name="log")
    )

CALLS = [
    Call("/check", [None], error="Upload an image first."),
    Call("/check", [Upload("red.png")], expect="checked"),
    Call("/invert", [Upload("red.png")], check=is_image((32, 32, 3), (55, 225, 225))),
    Call("/log", ["checked"], expect="done (checked)"),
]

if __name__ == "__main__":
    demo.launch()
