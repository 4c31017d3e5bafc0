"""A Blocks built on its own, then rendered into a Tab of another with Blocks.render()."""

from harness import Call, Upload, is_image

import streamcore as gr


def invert(image):
    return 255 - image


def greet(name):
    return f"Hello {name}!"


with gr.Blocks() as invert_tool:
    source = gr.Image(label="Source")
    inverted = gr.Image(label="Inverted")
    gr.Button("Invert").click(invert, source, inverted, api_name="invert")

with gr.Blocks() as demo:
    gr.Markdown("# Two tools")
    with gr.Tab("Invert"):
        invert_tool.render()
    with gr.Tab("Greet"):
        name = gr.Textbox(label="Name")
        greeting = gr.Textbox(label="Greeting")
        name.submit(greet, name, greeting, api_name="greet")

CALLS = [
    Call("/invert", [Upload("blue.jpg")], check=is_image((16, 24, 3), (235, 195, 35))),
    Call("/greet", ["Ada"], expect="Hello Ada!"),
]

if __name__ == "__main__":
    demo.launch()
