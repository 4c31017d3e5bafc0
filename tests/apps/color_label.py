"""A toy classifier: an Image in, a Label with the top classes and their confidences out."""

from harness import Call, Upload

import streamcore as gr


def classify(image):
    means = image.reshape(-1, 3).mean(axis=0)
    total = means.sum()
    return {
        name: float(mean / total)
        for name, mean in zip(["red", "green", "blue"], means, strict=True)
    }


def mostly_blue(label):
    ranked = [item["label"] for item in label["confidences"]]
    return label["label"] == "blue" and ranked == ["blue", "green", "red"]


demo = gr.Interface(classify, gr.Image(), gr.Label(num_top_classes=3))

CALLS = [Call("/classify", [Upload("blue.jpg")], check=mostly_blue)]

if __name__ == "__main__":
    demo.launch()
