"""The benchmark driver's frames: numbers that do not alias, lazily stamped variants, and a
WebRTC client that replays pre-encoded VP8 (issue 16)."""

from __future__ import annotations

import av
import numpy as np
import pytest

import streamcore as gr
from streamcore.media.marks import read_index
from transports import serve
from transports.bench import (
    FRAME_COUNT,
    Feed,
    StampedFrames,
    encode_vp8,
    make_frame_set,
    rtc_stream,
)

pytestmark = pytest.mark.anyio

BASE = np.full((96, 160, 3), 128, np.uint8)


def test_a_cyclic_set_numbers_hundreds_of_frames_and_stamps_them_when_asked() -> None:
    assert FRAME_COUNT >= 256
    frames = make_frame_set(BASE, lambda image: image, jpeg=False)
    assert isinstance(frames.raw, StampedFrames)
    assert len(frames.raw) == FRAME_COUNT
    assert read_index(frames.pixels(FRAME_COUNT - 1)) == FRAME_COUNT - 1
    assert read_index(frames.pixels(FRAME_COUNT + 3)) == 3
    assert frames.raw[-1] is frames.raw[FRAME_COUNT - 1]  # kept, not drawn twice


def test_the_vp8_cycle_decodes_to_its_numbers_twice_round() -> None:
    frames = make_frame_set(BASE, lambda image: image, count=64, jpeg=False)
    packets = encode_vp8(frames)
    decoder = av.CodecContext.create("libvpx", "r")
    numbers = [
        read_index(frame.to_ndarray(format="rgb24"))
        for packet in packets * 2
        for frame in decoder.decode(av.Packet(packet))
    ]
    assert numbers == list(range(64)) * 2


async def test_the_webrtc_client_sends_pre_encoded_packets_unchanged() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: image, camera, out, stream_every=0, api_name="same")
    frames = make_frame_set(BASE, lambda image: image, count=64, jpeg=False)
    packets = encode_vp8(frames)
    async with serve(demo) as server:
        feed = Feed(frames, count=40, window=2, warmup=0, check_every=5)
        run = await rtc_stream(server.local_url, feed, api_name="same", packets=packets)
    run.check("pre-encoded VP8", max_diff=10.0)
    assert run.matched >= 30
