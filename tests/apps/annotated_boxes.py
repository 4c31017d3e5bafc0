"""gr.AnnotatedImage: an image with a box around its bright half and a mask of its dark one."""

import numpy as np
from harness import Call, Upload, is_image

import streamcore as gr


def annotate(image):
    bright = image.mean(axis=2) > 127
    columns = np.where(bright.any(axis=0))[0]
    box = (int(columns[0]), 0, int(columns[-1]) + 1, image.shape[0])
    return image, [(box, "bright"), ((~bright).astype(float), "dark")]


def box_and_mask(value):
    labels = [item["label"] for item in value["annotations"]]
    return is_image((40, 40, 3))(value["image"]) and labels == ["bright", "dark"]


with gr.Blocks() as demo:
    image = gr.Image(label="Photo")
    annotated = gr.AnnotatedImage(label="Regions")
    gr.Button("Annotate").click(annotate, image, annotated, api_name="annotate")

CALLS = [Call("/annotate", [Upload("halves.png")], check=box_and_mask)]

if __name__ == "__main__":
    demo.launch()
