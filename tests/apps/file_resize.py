"""An image uploaded as a gr.File, resized by Pillow and offered back as a gr.File."""

import os
import tempfile

from harness import Call, Upload, is_image
from PIL import Image

import streamcore as gr


def halve(path):
    image = Image.open(path)
    small = image.resize((image.width // 2, image.height // 2))
    out = os.path.join(tempfile.mkdtemp(), "half.png")
    small.save(out)
    return out, f"{image.width}x{image.height} -> {small.width}x{small.height}"


def halved(result):
    path, note = result
    return path.endswith(".png") and is_image((24, 32, 3))(path) and note == "64x48 -> 32x24"


demo = gr.Interface(halve, gr.File(file_types=["image"]), [gr.File(label="Half size"), "text"])

CALLS = [Call("/halve", [Upload("gradient.png")], check=halved)]

if __name__ == "__main__":
    demo.launch()
