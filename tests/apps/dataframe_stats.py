"""Channel statistics as a gr.Dataframe out, and a Dataframe of numbers summed in."""

from harness import Call, Upload

import streamcore as gr


def channel_table(image):
    rows = []
    for index, name in enumerate(["red", "green", "blue"]):
        channel = image[:, :, index]
        rows.append([name, int(channel.min()), int(channel.max())])
    return rows


def column_sums(table):
    return [sum(float(row[i]) for row in table) for i in range(len(table[0]))]


def table_of(rows):
    return lambda value: value["headers"] == ["channel", "min", "max"] and value["data"] == rows


with gr.Blocks() as demo:
    image = gr.Image()
    table = gr.Dataframe(headers=["channel", "min", "max"], label="Channels")
    image.upload(channel_table, image, table, api_name="channel_table")
    numbers = gr.Dataframe(headers=["a", "b"], type="array", datatype="number", column_count=2)
    sums = gr.JSON(label="Sums")
    numbers.input(column_sums, numbers, sums, api_name="column_sums")

CALLS = [
    Call(
        "/channel_table",
        [Upload("gradient.png")],
        check=table_of([["red", 40, 166], ["green", 30, 171], ["blue", 90, 90]]),
    ),
    Call("/column_sums", [{"headers": ["a", "b"], "data": [[1, 2], [3, 4.5]]}], expect=[4.0, 6.5]),
]

if __name__ == "__main__":
    demo.launch()
