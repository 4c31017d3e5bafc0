"""Colour words of a caption tagged in gr.HighlightedText with a colour map."""

from harness import Call

import streamcore as gr

COLORS = {"red", "green", "blue"}


def tag(caption):
    return [(word + " ", word if word in COLORS else None) for word in caption.split()]


demo = gr.Interface(
    tag,
    gr.Textbox(label="Caption"),
    gr.HighlightedText(color_map={"red": "red", "green": "green", "blue": "blue"}),
)

CALLS = [
    Call(
        "/tag",
        ["a red and blue kite"],
        expect=[
            {"token": "a ", "class_or_confidence": None},
            {"token": "red ", "class_or_confidence": "red"},
            {"token": "and ", "class_or_confidence": None},
            {"token": "blue ", "class_or_confidence": "blue"},
            {"token": "kite ", "class_or_confidence": None},
        ],
    )
]

if __name__ == "__main__":
    demo.launch()
