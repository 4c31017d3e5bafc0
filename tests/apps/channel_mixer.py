"""A CheckboxGroup chooses which colour channels to keep; a Checkbox inverts the result."""

from harness import Call, Upload, is_image

import streamcore as gr


def mix(image, channels, invert):
    result = image.copy()
    for index, name in enumerate(["Red", "Green", "Blue"]):
        if name not in channels:
            result[:, :, index] = 0
    return 255 - result if invert else result


demo = gr.Interface(
    mix,
    [
        gr.Image(),
        gr.CheckboxGroup(["Red", "Green", "Blue"], value=["Red", "Green", "Blue"], label="Keep"),
        gr.Checkbox(label="Invert"),
    ],
    gr.Image(),
)

CALLS = [
    Call("/mix", [Upload("red.png"), ["Red"], False], check=is_image((32, 32, 3), (200, 0, 0))),
    Call(
        "/mix",
        [Upload("red.png"), ["Green", "Blue"], True],
        check=is_image((32, 32, 3), (255, 225, 225)),
    ),
]

if __name__ == "__main__":
    demo.launch()
