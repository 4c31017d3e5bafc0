"""The Python code of a chosen filter shown in gr.Code, the filter picked from a Dropdown."""

from harness import Call

import streamcore as gr

SNIPPETS = {
    "invert": "def invert(image):\n    return 255 - image\n",
    "flip": "def flip(image):\n    return image[:, ::-1]\n",
}


def show(name):
    return SNIPPETS[name]


with gr.Blocks() as demo:
    name = gr.Dropdown(list(SNIPPETS), value="invert", label="Filter")
    code = gr.Code(language="python", label="Source")
    name.change(show, name, code, api_name="show")

CALLS = [
    Call("/show", ["flip"], expect=SNIPPETS["flip"].strip()),
    Call("/show", ["invert"], expect=SNIPPETS["invert"].strip()),
]

if __name__ == "__main__":
    demo.launch()
