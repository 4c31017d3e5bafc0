"""An Interface created inside a Blocks, under a Markdown header, next to a Blocks event."""

from harness import Call, Upload, is_image

import streamcore as gr


def posterize(image, bits):
    mask = 256 - 2 ** (8 - int(bits))
    return image & mask


with gr.Blocks() as demo:
    gr.Markdown("## Posterize\nKeep only the top bits of every channel.")
    gr.Interface(
        posterize, [gr.Image(), gr.Slider(1, 8, value=2, step=1, label="Bits")], gr.Image()
    )
    with gr.Row():
        bits = gr.Number(value=2, label="Bits")
        levels = gr.Number(label="Levels per channel")
    bits.change(lambda b: 2 ** int(b), bits, levels, api_name="levels")

CALLS = [
    Call("/posterize", [Upload("red.png"), 2], check=is_image((32, 32, 3), (192, 0, 0))),
    Call("/posterize", [Upload("red.png"), 4], check=is_image((32, 32, 3), (192, 16, 16))),
    Call("/levels", [3], expect=8),
]

if __name__ == "__main__":
    demo.launch()
