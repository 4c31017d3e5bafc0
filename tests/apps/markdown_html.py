"""A caption rendered as gr.Markdown and as gr.HTML."""

from harness import Call

import streamcore as gr


def render(caption, bold):
    html = f"<b>{caption}</b>" if bold else f"<span>{caption}</span>"
    return f"## {caption}", html


with gr.Blocks() as demo:
    caption = gr.Textbox(label="Caption", value="A red square")
    bold = gr.Checkbox(label="Bold")
    markdown = gr.Markdown()
    html = gr.HTML()
    gr.Button("Render").click(render, [caption, bold], [markdown, html], api_name="render")

CALLS = [
    Call("/render", ["A red square", True], expect=("## A red square", "<b>A red square</b>")),
    Call("/render", ["Blue", False], expect=("## Blue", "<span>Blue</span>")),
]

if __name__ == "__main__":
    demo.launch()
