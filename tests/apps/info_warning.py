"""Toasts from a fn: gr.Info and gr.Warning along the way, gr.Error with a title to refuse."""

from harness import Call

import streamcore as gr


def check_caption(caption):
    if not caption:
        raise gr.Error("The caption is empty.", title="Nothing to check")
    gr.Info("Checking the caption")
    if len(caption) > 20:
        gr.Warning("The caption is long.")
    return caption.strip().capitalize()


demo = gr.Interface(check_caption, gr.Textbox(label="Caption"), gr.Textbox(label="Checked"))

CALLS = [
    Call("/check_caption", ["a red square"], expect="A red square"),
    Call(
        "/check_caption",
        ["a very long caption for a square"],
        expect="A very long caption for a square",
    ),
    Call("/check_caption", [""], error="The caption is empty."),
]

if __name__ == "__main__":
    demo.launch()
