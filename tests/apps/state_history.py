"""A per-session gr.State keeping the history of filters applied."""

from harness import Call

import streamcore as gr


def record(name, history):
    history = [*history, name]
    return ", ".join(history), len(history), history


with gr.Blocks() as demo:
    history = gr.State([])
    name = gr.Dropdown(["blur", "sepia", "flip"], value="blur", label="Filter")
    log = gr.Textbox(label="Applied")
    count = gr.Number(label="Count")
    gr.Button("Apply").click(record, [name, history], [log, count, history], api_name="record")

CALLS = [
    Call("/record", ["blur"], expect=("blur", 1)),
    Call("/record", ["sepia"], expect=("blur, sepia", 2)),
    Call("/record", ["flip"], expect=("blur, sepia, flip", 3)),
]

if __name__ == "__main__":
    demo.launch()
