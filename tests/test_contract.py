"""The component contract: capabilities are declared by a component, never guessed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import streamcore as gr
from streamcore.app.runtime import AppRuntime
from streamcore.components.base import Component
from streamcore.contract import Block

pytestmark = pytest.mark.anyio


class Lookalike(Component):
    """Has helpers named like the Image's, but declares no frame capability."""

    EVENTS = ("change", "stream")

    def preprocess_frame(self, pixels: Any) -> Any:
        return pixels

    def postprocess_to_bytes(self, value: Any) -> tuple[bytes, str]:
        return b"", "image/jpeg"


def test_the_defaults_declare_nothing() -> None:
    with gr.Blocks():
        number = gr.Number()
    assert isinstance(number, Block)
    assert (number.stateful, number.frame_input(), number.frame_output()) == (False, None, None)
    with pytest.raises(TypeError, match="Number is not stateful"):
        number.initial_value()


def test_image_and_state_declare_their_capabilities() -> None:
    with gr.Blocks():
        image = gr.Image()
        state = gr.State([1])
    assert image.frame_input() is image
    assert image.frame_output() is image
    assert state.stateful
    first, second = state.initial_value(), state.initial_value()
    assert first == second == [1]
    assert first is not second  # each session gets its own copy


def test_a_stream_listener_makes_an_image_streaming_and_nothing_else() -> None:
    with gr.Blocks():
        image = gr.Image(sources="webcam")
        image.stream(lambda frame: frame, image, gr.Image(streaming=True))
        lookalike = Lookalike()
        lookalike.stream(lambda value: value, lookalike, gr.Number())
    assert image.streaming
    assert not hasattr(lookalike, "streaming")


async def test_helpers_named_like_the_images_do_not_make_a_frame_input() -> None:
    with gr.Blocks() as demo:
        lookalike = Lookalike()
        lookalike.stream(lambda value: value, lookalike, gr.Number(), api_name="look")
    runtime = AppRuntime(demo)
    async with runtime.session() as session:
        with pytest.raises(ValueError, match="no Image input to receive frames"):
            await session.open_stream("look")


async def test_a_stream_image_output_is_found_by_its_declaration() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(
            lambda frame: (1, frame), camera, [Lookalike(), gr.Image(streaming=True)], api_name="s"
        )
    runtime = AppRuntime(demo)
    async with runtime.session(binary_frames=True) as session:
        job = await session.open_stream("s")
        session.send_frame(job, np.zeros((4, 4, 3), np.uint8))
        while True:
            message = await session.receive()
            if message.kind == "output":
                break
    assert message.frame_index == 1  # type: ignore[attr-defined]
