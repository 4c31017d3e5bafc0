"""Props changed from a fn: gr.update(...) and a returned component instance."""

from harness import Call, Upload

import streamcore as gr


def resize_box(size):
    if size == "hidden":
        return gr.update(visible=False)
    return gr.update(visible=True, lines=2 if size == "small" else 8, label=f"Notes ({size})")


def relabel(image):
    height, width = image.shape[:2]
    return gr.Image(value=255 - image, label=f"Inverted {width}x{height}")


def has(**props):
    return lambda update: all(update.get(key) == value for key, value in props.items())


with gr.Blocks() as demo:
    size = gr.Radio(["small", "large", "hidden"], value="small", label="Box size")
    notes = gr.Textbox(label="Notes")
    size.change(resize_box, size, notes, api_name="resize_box")
    image = gr.Image(label="Photo")
    result = gr.Image(label="Result")
    image.upload(relabel, image, result, api_name="relabel")

CALLS = [
    Call(
        "/resize_box",
        ["large"],
        check=has(__type__="update", visible=True, lines=8, label="Notes (large)"),
    ),
    Call("/resize_box", ["hidden"], check=has(__type__="update", visible=False)),
    Call("/relabel", [Upload("red.png")], check=has(__type__="update", label="Inverted 32x32")),
]

if __name__ == "__main__":
    demo.launch()
