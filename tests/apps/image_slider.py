"""gr.ImageSlider comparing an image before and after a filter."""

from harness import Call, Upload, is_image

import streamcore as gr


def compare(image):
    return image, 255 - image


def before_after(pair):
    before, after = pair
    unchanged = is_image((32, 32, 3), (200, 30, 30))(before)
    return unchanged and is_image((32, 32, 3), (55, 225, 225))(after)


demo = gr.Interface(compare, gr.Image(), gr.ImageSlider(label="Before / after"))

CALLS = [Call("/compare", [Upload("red.png")], check=before_after)]

if __name__ == "__main__":
    demo.launch()
