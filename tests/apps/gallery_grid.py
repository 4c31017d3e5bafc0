"""A Gallery of captioned variants of one image, laid out in columns."""

from harness import Call, Upload, is_image

import streamcore as gr


def variants(image):
    results = []
    for channel, name in enumerate(["red", "green", "blue"]):
        copy = image.copy()
        copy[:, :, channel] = 0
        results.append((copy, f"no {name}"))
    return results


def three_variants(items):
    colors = [(0, 30, 30), (200, 0, 30), (200, 30, 0)]
    captions = [item["caption"] for item in items]
    shown = all(
        is_image((32, 32, 3), color)(item) for item, color in zip(items, colors, strict=True)
    )
    return captions == ["no red", "no green", "no blue"] and shown


with gr.Blocks() as demo:
    source = gr.Image(label="Source")
    gallery = gr.Gallery(label="Variants", columns=3, height="auto")
    source.upload(variants, source, gallery, api_name="variants")

CALLS = [Call("/variants", [Upload("red.png")], check=three_variants)]

if __name__ == "__main__":
    demo.launch()
