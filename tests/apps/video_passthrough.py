"""A gr.Video taken as a file and given back unchanged, with its size in a Textbox."""

import os

from harness import ASSETS, Call, Upload

import streamcore as gr


def describe(video):
    return video, f"{os.path.splitext(video)[1]} {os.path.getsize(video)} bytes"


def same_clip(result):
    video, info = result
    path = video["video"] if isinstance(video, dict) else video
    with open(path, "rb") as got, open(ASSETS / "clip.mp4", "rb") as sent:
        same = got.read() == sent.read()
    return same and info == f".mp4 {os.path.getsize(ASSETS / 'clip.mp4')} bytes"


demo = gr.Interface(describe, gr.Video(), [gr.Video(label="Back"), gr.Textbox(label="Info")])

CALLS = [Call("/describe", [Upload("clip.mp4")], check=same_clip)]

if __name__ == "__main__":
    demo.launch()
