"""Which output carries a stream's image is decided once, on the server, and read as such.

A stream fn may return its image at any position among its outputs, next to State, numbers
or text. Over every path (in process, the WebSocket in binary and base64 mode, a client that
switches modes mid-stream, WebRTC) the image comes back at its own position and the other
outputs at theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect

import streamcore as gr
from streamcore.app.testing import AsyncTestClient
from streamcore.media.encoding import decode, encode, parse_data_url
from transports import AsyncClient, serve
from transports.protocol import pack_binary, parse_event, unpack_binary

pytestmark = pytest.mark.anyio

FRAME = np.full((12, 16, 3), (200, 40, 90), np.uint8)


def close_to_frame(image: Any) -> bool:
    return (
        isinstance(image, np.ndarray)
        and image.shape == FRAME.shape
        and np.abs(image.astype(int) - FRAME).mean() < 6
    )


def app(position: int, kinds: list[str]) -> gr.Blocks:
    """A stream whose outputs are ``kinds`` with the streaming image at ``position``; the fn
    returns the frame there and the output's position (as a number or text) elsewhere."""
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        made = {"state": gr.State, "number": gr.Number, "text": gr.Textbox}
        outputs = [made[kind]() for kind in kinds]
        outputs.insert(position, gr.Image(streaming=True))

        def fn(frame: np.ndarray) -> tuple[Any, ...]:
            values: list[Any] = [index for index in range(len(kinds))]
            values.insert(position, frame)
            return tuple(values)

        camera.stream(fn, camera, outputs, stream_every=0, api_name="mixed")
    return demo


LAYOUTS = [
    (0, ["number"]),
    (1, ["state"]),  # the case of the bug: a non-image output first, which travels as null
    (1, ["number", "text"]),
    (2, ["state", "number"]),
]


def expected(position: int, kinds: list[str]) -> list[Any]:
    values: list[Any] = [None if kind == "state" else index for index, kind in enumerate(kinds)]
    if "text" in kinds:
        values[kinds.index("text")] = str(kinds.index("text"))
    values.insert(position, "image")
    return values


def check(output: tuple[Any, ...], position: int, kinds: list[str]) -> None:
    values = list(output)
    assert close_to_frame(values[position])
    values[position] = "image"
    assert values == expected(position, kinds)


@asynccontextmanager
async def client_of(demo: gr.Blocks, path: str, binary_frames: bool) -> AsyncIterator[Any]:
    """A client of ``demo`` in process, or over a live server's WebSocket."""
    if path == "in-process":
        async with AsyncTestClient(demo, binary_frames=binary_frames) as client:
            yield client
        return
    async with (
        serve(demo) as server,
        AsyncClient(server.local_url, binary_frames=binary_frames) as client,
    ):
        yield client


@pytest.mark.parametrize(("position", "kinds"), LAYOUTS)
@pytest.mark.parametrize("binary_frames", [True, False], ids=["binary", "base64"])
@pytest.mark.parametrize("path", ["in-process", "websocket"])
async def test_the_image_comes_back_at_its_position(
    position: int, kinds: list[str], binary_frames: bool, path: str
) -> None:
    async with client_of(app(position, kinds), path, binary_frames) as client:
        stream = await client.stream([FRAME, FRAME], api_name="/mixed")
        outputs = [output async for output in stream]
    assert len(outputs) == 2
    for output in outputs:
        check(output, position, kinds)


@pytest.mark.parametrize(("position", "kinds"), LAYOUTS)
async def test_over_webrtc_the_image_comes_on_the_video_track(
    position: int, kinds: list[str]
) -> None:
    async with serve(app(position, kinds)) as server, AsyncClient(server.local_url) as client:
        stream = await client.stream([FRAME, FRAME], api_name="/mixed", transport="webrtc")
        outputs = [output async for output in stream]
    assert outputs
    assert all(close_to_frame(output) for output in outputs)


@asynccontextmanager
async def raw_socket(url: str) -> AsyncIterator[Any]:
    async with connect(url.replace("http", "ws") + "ws", max_size=None) as socket:
        await socket.recv()  # welcome
        yield socket


async def test_a_second_hello_that_switches_modes_loses_no_image() -> None:
    position, kinds = 1, ["state"]
    jpeg = encode(FRAME, "jpeg", 95)
    async with serve(app(position, kinds)) as server, raw_socket(server.local_url) as socket:
        await socket.send('{"type": "hello", "binary_frames": true}')
        await socket.send('{"type": "open_stream", "ref": "r", "api_name": "mixed"}')
        job = parse_event(await socket.recv()).job  # accepted
        images = []
        for seq, binary in enumerate([True, False, True]):
            await socket.send(f'{{"type": "hello", "binary_frames": {str(binary).lower()}}}')
            await socket.send(pack_binary({"type": "frame", "job": job, "seq": seq}, jpeg))
            while True:
                raw = await socket.recv()
                if isinstance(raw, bytes):
                    header, payload = unpack_binary(raw)
                    assert header["index"] == position
                    images.append(decode(payload))
                    break
                if '"output"' in raw:
                    event = parse_event(raw)
                    images.append(decode(parse_data_url(event.data[position]["url"])[1]))
                    break
        assert all(close_to_frame(image) for image in images)
        assert len(images) == 3
        assert job
