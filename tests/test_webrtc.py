"""WebRTC streams end to end: a real server on 127.0.0.1, real aiortc peers, real VP8.

The client is ``AsyncClient(url).stream(frames, api_name=..., transport="webrtc")``
(:class:`transports.webrtc_client.RtcFrameStream`); the protocol-level tests speak
``rtc_offer`` over a bare WebSocket. See ``docs/protocol.md`` ("WebRTC streams").
"""

from __future__ import annotations

import asyncio
import fractions
import gc
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
import pytest
from aioice import Connection
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCDtlsTransport,
    RTCIceTransport,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSctpTransport,
    RTCSessionDescription,
)
from aiortc.rtcrtpreceiver import RemoteStreamTrack
from av import VideoFrame
from websockets.asyncio.client import ClientConnection, connect

import streamcore as gr
from streamcore.client import Status
from transports import AsyncClient, Client, Server, serve
from transports.rtc_peers import ConnectionPeers
from transports.webrtc import VIDEO_CLOCK_RATE, StreamPeer
from transports.webrtc_client import RtcFrameStream

pytestmark = pytest.mark.anyio

TIMEOUT = 10.0
SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])


# -- the app ------------------------------------------------------------------------------------


def sepia(image: np.ndarray) -> np.ndarray:
    """``examples/sepia_filter``'s fn: floats in [0, 1], the brightest channel at 1."""
    toned = image.dot(SEPIA.T)
    toned /= toned.max()
    return toned  # type: ignore[no-any-return]


def sepia_expected(image: np.ndarray) -> np.ndarray:
    """What comes back for ``image`` before the codec: ``sepia`` as uint8."""
    toned: np.ndarray = np.rint(sepia(image.astype(np.float64)) * 255).astype(np.uint8)
    return toned


def stream_demo(fn: Callable[..., Any] = sepia, **options: Any) -> gr.Blocks:
    """One streaming webcam Image in, one streaming Image out: the event ``sepia``."""
    options = {"stream_every": 0, "api_name": "sepia", **options}
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        camera.stream(fn, camera, toned, **options)
    return demo


def slow_sepia(seconds: float) -> Callable[[np.ndarray], np.ndarray]:
    def fn(image: np.ndarray) -> np.ndarray:
        time.sleep(seconds)
        return sepia(image)

    return fn


# -- frames ---------------------------------------------------------------------------------------

FLAT = (200, 100, 50)


def flat(color: tuple[int, int, int] = FLAT, height: int = 48, width: int = 64) -> np.ndarray:
    image: np.ndarray = np.broadcast_to(np.array(color, np.uint8), (height, width, 3)).copy()
    return image


def gradient(height: int = 96, width: int = 128) -> np.ndarray:
    """A smooth image: VP8 keeps it within a few levels."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([40 + (x * 160) // width, 30 + (y * 180) // height, 90 + 0 * x], axis=-1)
    smooth: np.ndarray = image.astype(np.uint8)
    return smooth


def forever(image: np.ndarray) -> Iterator[np.ndarray]:
    return itertools.repeat(image)


async def then_silence(image: np.ndarray, count: int) -> AsyncIterator[np.ndarray]:
    """``count`` frames, then nothing more (without ending): a client that stops sending."""
    for _ in range(count):
        yield image
    await anyio.sleep_forever()


def close_to(actual: np.ndarray, expected: np.ndarray, mean: float, peak: int) -> bool:
    difference = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    return actual.shape == expected.shape and difference.mean() < mean and difference.max() < peak


# -- servers and clients --------------------------------------------------------------------------


@asynccontextmanager
async def client_of(server: Server) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(server.local_url)
    async with client:
        yield client


async def collect(
    stream: RtcFrameStream, limit: int | None = None, into: list[np.ndarray] | None = None
) -> list[np.ndarray]:
    """The stream's outputs (the first ``limit``; appended to ``into``), with a timeout."""
    outputs: list[np.ndarray] = [] if into is None else into
    with anyio.fail_after(TIMEOUT):
        async for output in stream:
            outputs.append(output)
            if limit is not None and len(outputs) >= limit:
                break
    return outputs


async def take(outputs: AsyncIterator[np.ndarray], count: int) -> list[np.ndarray]:
    """The next ``count`` outputs of a stream's iterator, which goes on."""
    with anyio.fail_after(TIMEOUT):
        return [await anext(outputs) for _ in range(count)]


async def eventually(condition: Callable[[], bool], seconds: float = TIMEOUT) -> bool:
    """Whether ``condition`` holds within ``seconds`` (polled: it has no event to await)."""
    with anyio.move_on_after(seconds):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.01)
        return True
    return False


async def wait_for(condition: Callable[[], bool], seconds: float = TIMEOUT) -> None:
    assert await eventually(condition, seconds), f"still false after {seconds} s"


class Raw:
    """A bare WebSocket client speaking the protocol message by message."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._count = 0

    async def send(self, type: str, **fields: Any) -> None:
        await self.connection.send(json.dumps({"type": type, **fields}))

    async def recv(self) -> dict[str, Any]:
        with anyio.fail_after(TIMEOUT):
            raw = await self.connection.recv()
        assert isinstance(raw, str), "a binary message was not expected here"
        message: dict[str, Any] = json.loads(raw)
        return message

    async def until(self, type: str, **match: Any) -> dict[str, Any]:
        while True:
            message = await self.recv()
            if message["type"] == type and all(message.get(k) == v for k, v in match.items()):
                return message

    async def request(self, type: str, **fields: Any) -> dict[str, Any]:
        """Send a request with a fresh ``ref``: its ``accepted`` or ``error`` reply."""
        self._count += 1
        ref = f"ref-{self._count}"
        await self.send(type, ref=ref, **fields)
        while True:
            message = await self.recv()
            if message.get("ref") == ref:
                return message

    async def assert_alive(self) -> None:
        reply = await self.request("ping")
        assert reply["type"] == "pong"


@asynccontextmanager
async def raw_client(server: Server) -> AsyncIterator[Raw]:
    async with connect(server.ws_url, compression=None, max_size=None) as connection:
        raw = Raw(connection)
        assert (await raw.recv())["type"] == "welcome"
        yield raw


class StillTrack(MediaStreamTrack):
    """A video track that plays one image at 30 fps."""

    kind = "video"

    def __init__(self, image: np.ndarray) -> None:
        super().__init__()
        self._image = image
        self._count = 0

    async def recv(self) -> VideoFrame:
        await anyio.sleep(1 / 30)
        frame = VideoFrame.from_ndarray(self._image, format="rgb24")
        frame.pts, self._count = self._count * 3000, self._count + 1
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        return frame


@asynccontextmanager
async def offering_peer(video: bool = True, channel: bool = True) -> AsyncIterator[str]:
    """An aiortc peer with its offer (ICE gathered): optionally a video track, a data channel."""
    pc = RTCPeerConnection()
    try:
        if video:
            pc.addTrack(StillTrack(flat()))
        if channel:
            pc.createDataChannel("streamcore")
        await pc.setLocalDescription(await pc.createOffer())
        yield pc.localDescription.sdp
    finally:
        await pc.close()


# -- the guard every test runs under --------------------------------------------------------------


@pytest.fixture(autouse=True)
async def no_loop_errors() -> AsyncIterator[None]:
    """Fail on what asyncio reports to its exception handler rather than raising (a task
    destroyed while pending, an exception nobody retrieved, a failing callback), and on a
    peer connection left alive after the test."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        yield
        await assert_no_rtc_objects_left()  # every test's peers are closed and freed
    finally:
        loop.set_exception_handler(previous)
    assert not reported, [c.get("message") for c in reported]


# -- frames come back processed -------------------------------------------------------------------


async def test_a_flat_frame_comes_back_in_sepia() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream([flat()] * 12, api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    assert stream.completion is not None
    assert stream.completion.reason == "closed"
    # one frame in flight: every result comes back, unless the output track dropped it
    # (latest wins) because the encoder was still busy (the first key frame is slow)
    assert len(outputs) >= 6
    expected = sepia_expected(flat())
    assert tuple(expected[0, 0]) == (255, 227, 177)
    for output in outputs:
        assert output.shape == (48, 64, 3)
        assert output.dtype == np.uint8
        assert close_to(output, expected, mean=4, peak=10), output[24, 32]


async def test_a_smooth_frame_comes_back_in_sepia() -> None:
    image = gradient()
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream([image] * 10, api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    assert len(outputs) >= 5
    for output in outputs:
        assert close_to(output, sepia_expected(image), mean=4, peak=40)


async def test_the_data_channel_carries_an_output_message_per_frame() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream([flat()] * 10, api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    completion = stream.completion
    assert completion is not None
    assert completion.stats is not None
    sent = completion.stats["sent"]
    assert sent >= len(outputs) >= 5
    # every output the server sent came as an ``output`` message on the data channel
    assert stream.channel_outputs == sent
    assert stream.websocket_outputs == 0
    assert stream.received == len(outputs)


def negative(image: np.ndarray) -> np.ndarray:
    return 255 - image


COLORS = [(200, 100, 50), (40, 200, 120), (60, 80, 220), (230, 230, 40), (120, 40, 160)]


def nearest_color(output: np.ndarray) -> int:
    """Which of ``COLORS`` this output is the negative of."""
    mean = output.reshape(-1, 3).mean(axis=0)
    distances = [np.abs(mean - (255 - np.array(color))).max() for color in COLORS]
    index = int(np.argmin(distances))
    assert distances[index] < 8, (mean, index)
    return index


async def test_results_come_back_in_order_and_the_last_is_not_cut_off() -> None:
    frames = [flat(color) for color in COLORS]
    async with serve(stream_demo(negative)) as server, client_of(server) as client:
        stream = await client.stream(frames, api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    order = [nearest_color(output) for output in outputs]
    assert order == sorted(set(order))  # each result once, in order
    assert order[-1] == len(COLORS) - 1  # the last frame's result came back
    assert len(order) >= 2  # some may be dropped by the output track, never the last


async def test_a_single_frame_gets_its_result() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream([flat()], api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    assert stream.completion is not None
    assert stream.completion.reason == "closed"
    assert len(outputs) == 1
    assert close_to(outputs[0], sepia_expected(flat()), mean=4, peak=10)


async def test_the_sync_client_streams_over_webrtc() -> None:
    def use_the_sync_client(url: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
        with Client(url) as client:
            outputs = list(client.stream([flat()] * 6, api_name="sepia", transport="webrtc"))
            endless = client.stream(forever(flat()), api_name="sepia", transport="webrtc")
            taken = [next(endless) for _ in range(2)]
            endless.cancel()  # the stream is cancelled, its peer closed
        return outputs, taken

    demo = stream_demo()
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)  # its own loop
    assert demo.local_url is not None
    url = demo.local_url
    try:
        with anyio.fail_after(TIMEOUT):
            outputs, taken = await anyio.to_thread.run_sync(use_the_sync_client, url)
    finally:
        await anyio.to_thread.run_sync(demo.close)
    assert len(outputs) == 6
    assert all(close_to(o, sepia_expected(flat()), mean=4, peak=10) for o in outputs + taken)


# -- every completion reason -----------------------------------------------------------------


async def test_frames_running_out_close_the_stream() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream([flat()] * 4, api_name="sepia", transport="webrtc")
        await collect(stream)
    assert stream.completion is not None
    assert stream.completion.reason == "closed"
    assert stream.completion.success


async def test_closing_the_stream_completes_it_as_closed() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
        outputs = []
        with anyio.fail_after(TIMEOUT):
            async for output in stream:
                outputs.append(output)
                if len(outputs) == 3:
                    await stream.close()
    assert stream.completion is not None
    assert stream.completion.reason == "closed"


async def test_time_limit_ends_the_stream() -> None:
    async with serve(stream_demo(time_limit=1)) as server, client_of(server) as client:
        started = time.monotonic()
        stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
        outputs = await collect(stream)
    assert stream.completion is not None
    assert stream.completion.reason == "time_limit"
    assert 0.9 < time.monotonic() - started < 5
    assert outputs


async def test_the_client_cancels_the_job() -> None:
    async with serve(stream_demo()) as server, client_of(server) as client:
        stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
        outputs = []
        with anyio.fail_after(TIMEOUT):
            async for output in stream:
                outputs.append(output)
                if len(outputs) == 2:
                    await stream.cancel()
    assert stream.completion is not None
    assert stream.completion.reason == "cancelled"


async def test_an_event_with_cancels_stops_the_stream() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        stop = gr.Button("stop")
        streaming = camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
        stop.click(lambda: None, None, None, cancels=[streaming], api_name="stop")
    async with serve(demo) as server, client_of(server) as client:
        stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
        outputs = []
        with anyio.fail_after(TIMEOUT):
            async for output in stream:
                outputs.append(output)
                if len(outputs) == 2:
                    await client.predict(api_name="stop")
    assert stream.completion is not None
    assert stream.completion.reason == "cancelled"


async def test_a_client_that_stops_sending_ends_as_idle() -> None:
    async with serve(stream_demo(), idle_timeout=0.5) as server, client_of(server) as client:
        stream = await client.stream(then_silence(flat(), 3), api_name="sepia", transport="webrtc")
        started = time.monotonic()
        await collect(stream)
    assert stream.completion is not None
    assert stream.completion.reason == "idle"
    assert time.monotonic() - started < 5


async def test_an_error_in_the_fn_reaches_the_client() -> None:
    calls = 0

    def failing(image: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise gr.Error("the lens cap is on")
        return sepia(image)

    async with serve(stream_demo(failing)) as server, client_of(server) as client:
        stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
        outputs: list[np.ndarray] = []
        with pytest.raises(gr.Error, match="the lens cap is on"):
            await collect(stream, into=outputs)
    assert stream.completion is not None
    assert stream.completion.reason == "error"
    assert len(outputs) <= 2


# -- the concurrency limit ------------------------------------------------------------------------


async def test_a_second_stream_waits_for_the_slot() -> None:
    demo = stream_demo(concurrency_limit=1)
    async with serve(demo) as server, client_of(server) as first, client_of(server) as second:
        one = await first.stream(forever(flat()), api_name="sepia", transport="webrtc")
        one_outputs = aiter(one)
        await take(one_outputs, 2)
        two = await second.stream(forever(flat((30, 60, 90))), api_name="sepia", transport="webrtc")
        await wait_for(lambda: two.status().code is Status.IN_QUEUE)
        status = two.status()
        assert (status.rank, status.queue_size) == (0, 1)
        await take(one_outputs, 3)  # the first goes on; the second still waits
        assert two.status().code is Status.IN_QUEUE
        await one.close()
        with anyio.fail_after(TIMEOUT):
            async for _ in one_outputs:
                pass
        assert one.completion is not None
        assert one.completion.reason == "closed"
        two_outputs = aiter(two)
        first_two = await take(two_outputs, 2)
        assert two.status().code in (Status.PROCESSING, Status.ITERATING)
        await two_outputs.aclose()  # leaving the loop cancels the stream
        await wait_for(lambda: two.completion is not None)
    assert close_to(first_two[0], sepia_expected(flat((30, 60, 90))), mean=4, peak=10)
    assert two.completion is not None
    assert two.completion.reason == "cancelled"


async def test_a_disconnect_frees_the_slot_at_once() -> None:
    demo = stream_demo(slow_sepia(0.2), concurrency_limit=1)
    async with serve(demo) as server, client_of(server) as second:
        async with client_of(server) as first:
            one = await first.stream(forever(flat()), api_name="sepia", transport="webrtc")
            one_outputs = aiter(one)  # kept: an iterator dropped cancels its stream
            await take(one_outputs, 1)
            two = await second.stream(forever(flat()), api_name="sepia", transport="webrtc")
            await wait_for(lambda: two.status().code is Status.IN_QUEUE)
            left = time.monotonic()
        # the first client is gone while its fn runs: the second starts within that call
        await wait_for(lambda: two.status().code is Status.PROCESSING)
        assert time.monotonic() - left < 1.0
        outputs = await collect(two, limit=2)
        assert one.completion is None  # its client left before it could hear of its end
    assert len(outputs) == 2


# -- peers that never connect, offers that cannot be used --------------------------------------


async def test_a_peer_that_never_connects_is_dropped_and_frees_its_slot() -> None:
    demo = stream_demo(concurrency_limit=1)
    async with serve(demo, rtc_connect_timeout=1) as server, raw_client(server) as raw:
        async with offering_peer() as sdp:
            reply = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
            assert reply["type"] == "accepted", reply
            job = reply["job"]
            answer = await raw.until("rtc_answer", job=job)
            assert answer["sdp"].startswith("v=0")
        # the offering peer is closed at once: ICE never completes
        asked = time.monotonic()
        completed = await raw.until("completed", job=job)
        assert completed["reason"] == "cancelled"
        assert 0.8 < time.monotonic() - asked < 4
        # the slot is free: the next stream starts at once
        reply = await raw.request("open_stream", api_name="sepia")
        assert reply["type"] == "accepted"
        await raw.until("started", job=reply["job"])
        await raw.assert_alive()


async def test_an_offer_of_garbage_is_refused_and_the_connection_survives() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        reply = await raw.request("rtc_offer", api_name="sepia", sdp="this is not SDP")
        assert reply["type"] == "error"
        assert reply["code"] == "bad_input"
        await raw.assert_alive()
        # a well-formed offer on the same connection still works
        async with offering_peer() as sdp:
            reply = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
            assert reply["type"] == "accepted"
            await raw.until("rtc_answer", job=reply["job"])
            await raw.send("cancel", job=reply["job"])
            await raw.until("completed", job=reply["job"])
    # the server closed its peer (serve() returns once every connection has ended)
    await assert_no_rtc_objects_left()


async def test_an_offer_without_video_is_refused() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        async with offering_peer(video=False) as sdp:
            reply = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
        assert reply["type"] == "error"
        assert reply["code"] == "bad_input"
        assert "video" in reply["message"]
        await raw.assert_alive()


async def test_an_offer_for_a_call_is_refused() -> None:
    with gr.Blocks() as demo:
        image = gr.Image()
        toned = gr.Image()
        image.change(sepia, image, toned, api_name="tone")
    async with serve(demo) as server, raw_client(server) as raw:
        async with offering_peer() as sdp:
            reply = await raw.request("rtc_offer", api_name="tone", sdp=sdp)
            assert reply["type"] == "error"
            assert reply["code"] in ("not_a_stream", "bad_input")
            reply = await raw.request("rtc_offer", api_name="nothing", sdp=sdp)
            assert reply["type"] == "error"
            assert reply["code"] == "unknown_api"
        await raw.assert_alive()
    await assert_no_rtc_objects_left()


async def test_a_raw_peer_with_audio_streams_and_its_audio_is_dropped() -> None:
    """The protocol by hand: offer, ``accepted``, ``rtc_answer``, connect, frames in; an
    audio track the offer also carries is drained, not queued without bound."""
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        pc = RTCPeerConnection()
        try:
            pc.addTrack(StillTrack(flat()))
            pc.addTrack(AudioStreamTrack())
            pc.createDataChannel("streamcore")
            await pc.setLocalDescription(await pc.createOffer())
            reply = await raw.request("rtc_offer", api_name="sepia", sdp=pc.localDescription.sdp)
            assert reply["type"] == "accepted", reply
            job = reply["job"]
            answer = await raw.until("rtc_answer", job=job)
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
            await wait_for(lambda: pc.connectionState == "connected")
            [returned] = [r.track for r in pc.getReceivers() if r.track and r.track.kind == "video"]
            with anyio.fail_after(TIMEOUT):
                for _ in range(5):  # processed frames come back on the answer's video
                    await returned.recv()
            audio = [
                track
                for track in live_rtc_objects()
                if isinstance(track, RemoteStreamTrack) and track.kind == "audio"
            ]
            assert len(audio) == 1  # the server's side of the offer's audio
            [peer] = [o for o in live_rtc_objects() if isinstance(o, StreamPeer)]
            [receiver] = [r for r in peer.pc.getReceivers() if r.track is audio[0]]
            with anyio.fail_after(TIMEOUT):  # 25 audio frames of 20 ms have arrived (polled)
                while await packets_received(receiver) < 25:  # noqa: ASYNC110
                    await anyio.sleep(0.02)
            assert audio[0]._queue.qsize() <= 2
            await raw.send("close_stream", job=job)
            completed = await raw.until("completed", job=job)
        finally:
            await pc.close()
    assert completed["reason"] == "closed"
    assert completed["stats"]["processed"] >= 5  # the 5 frames that came back


async def test_a_peer_that_closes_mid_stream_frees_its_slot() -> None:
    """The WebSocket stays open but the peer connection closes: the job is cancelled."""
    demo = stream_demo(concurrency_limit=1)
    async with serve(demo) as server, raw_client(server) as raw:
        pc = RTCPeerConnection()
        try:
            pc.addTrack(StillTrack(flat()))
            await pc.setLocalDescription(await pc.createOffer())
            reply = await raw.request("rtc_offer", api_name="sepia", sdp=pc.localDescription.sdp)
            job = reply["job"]
            answer = await raw.until("rtc_answer", job=job)
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
            # no data channel: the outputs come on the WebSocket
            await raw.until("output", job=job)
        finally:
            await pc.close()
        closed = time.monotonic()
        completed = await raw.until("completed", job=job)
        assert completed["reason"] == "cancelled"
        assert time.monotonic() - closed < 2
        reply = await raw.request("open_stream", api_name="sepia")
        await raw.until("started", job=reply["job"])


# -- the peers one session may have ---------------------------------------------------------------


def connection_peers() -> list[ConnectionPeers]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, ConnectionPeers)]


async def all_closed(peers: ConnectionPeers) -> None:
    await wait_for(lambda: peers.open_count == 0)


async def test_a_session_past_its_peers_gets_too_many_peers_and_closed_peers_are_forgotten() -> (
    None
):
    demo = stream_demo(concurrency_limit=None)
    async with serve(demo, max_rtc_peers_per_session=2) as server, raw_client(server) as raw:
        jobs = []
        for _ in range(2):
            async with offering_peer() as sdp:
                reply = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
                assert reply["type"] == "accepted", reply
                jobs.append(reply["job"])
                await raw.until("rtc_answer", job=reply["job"])
        async with offering_peer() as sdp:
            refused = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
        assert refused["type"] == "error"
        assert refused["code"] == "too_many_peers"
        assert "this session already has 2 WebRTC streams open" in refused["message"]
        assert "max_rtc_peers_per_session=2" in refused["message"]
        [peers] = connection_peers()
        for job in jobs:
            await raw.send("cancel", job=job)
            await raw.until("completed", job=job)
        await all_closed(peers)
        # open and close many more, one after another: each closed peer left its place
        for _ in range(6):
            async with offering_peer() as sdp:
                reply = await raw.request("rtc_offer", api_name="sepia", sdp=sdp)
                assert reply["type"] == "accepted", reply
                await raw.until("rtc_answer", job=reply["job"])
            await raw.send("cancel", job=reply["job"])
            await raw.until("completed", job=reply["job"])
            await all_closed(peers)
        assert peers._peers == {}
        await raw.assert_alive()
        del peers
    assert not connection_peers()


# -- nothing is left behind ------------------------------------------------------------------------


async def packets_received(receiver: RTCRtpReceiver) -> int:
    """RTP packets ``receiver`` has received so far, from its inbound-rtp statistics."""
    report = await receiver.getStats()
    return sum(stat.packetsReceived for stat in report.values() if stat.type == "inbound-rtp")


def live_rtc_objects() -> list[object]:
    """The WebRTC objects still alive (after a collection): peers, their transports, the
    server's and the client's stream objects."""
    gc.collect()
    kinds = (
        *(RTCPeerConnection, RTCDtlsTransport, RTCIceTransport, RTCSctpTransport, Connection),
        *(StreamPeer, RtcFrameStream, MediaStreamTrack),
    )
    return [o for o in gc.get_objects() if isinstance(o, kinds)]


async def assert_no_rtc_objects_left() -> None:
    """Every peer is gone. aiortc's own connect task may outlive ``pc.close()`` by one
    ICE check period (20 ms), holding its peer until then: allow for that tail."""
    await eventually(lambda: not live_rtc_objects(), seconds=2)
    assert not live_rtc_objects()


def pooled(thread: threading.Thread) -> bool:
    """A thread of a pool that outlives its work: anyio's worker threads (idle ones exit
    after 10 s) and the loop's default executor (aiortc encodes and decodes there; its
    threads live as long as the loop)."""
    return type(thread).__name__ == "WorkerThread" or thread.name.startswith("asyncio_")


async def one_session(server: Server, index: int) -> None:
    """One client, one WebRTC stream, ended one of six ways."""
    async with client_of(server) as client:
        way = index % 6
        if way == 0:  # the frames run out
            stream = await client.stream([flat()] * 3, api_name="sepia", transport="webrtc")
            await collect(stream)
            assert stream.completion is not None
            assert stream.completion.reason == "closed"
        elif way == 1:  # the loop breaks out
            stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
            await collect(stream, limit=2)
            await wait_for(lambda: stream.completion is not None)
            assert stream.completion is not None
            assert stream.completion.reason == "cancelled"
        elif way == 2:  # the client closes mid-stream, the outputs not read
            stream = await client.stream(forever(flat()), api_name="sepia", transport="webrtc")
            await wait_for(lambda: stream.channel_outputs >= 2)
        elif way == 3:  # the fn fails
            stream = await client.stream(forever(flat()), api_name="fail", transport="webrtc")
            with pytest.raises(gr.Error, match="no more film"):
                await collect(stream)
        elif way == 4:  # the offer is refused
            with pytest.raises(ValueError, match="not_a_stream"):
                await client.stream([flat()], api_name="tone", transport="webrtc")
        else:  # the stream completes, its outputs never read
            stream = await client.stream([flat()] * 3, api_name="sepia", transport="webrtc")
            await wait_for(lambda: stream.completion is not None)


async def test_twenty_sessions_leave_no_peer_task_or_thread_behind() -> None:
    def fail(image: np.ndarray) -> np.ndarray:
        raise gr.Error("no more film")

    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
        camera.stream(fail, camera, toned, stream_every=0, api_name="fail")
        toned.change(sepia, toned, camera, api_name="tone")

    async with serve(demo) as server:
        await one_session(server, 0)  # the thread pools fill up
        await one_session(server, 1)
        tasks = len(asyncio.all_tasks())  # the test's and the server's own
        threads = set(threading.enumerate())
        pool = sum(pooled(t) for t in threads)
        for index in range(20):
            await one_session(server, index)
        # the server ends a session's tasks just after its client has left: a moment
        await eventually(lambda: len(asyncio.all_tasks()) <= tasks, seconds=5)
        assert len(asyncio.all_tasks()) <= tasks, asyncio.all_tasks()
        await assert_no_rtc_objects_left()
        # every new thread is a pooled one (no decoder thread of aiortc's is left running),
        # and the pools did not grow with the sessions: one session at a time needs the
        # same few workers (a sync stream's pump, conversions, the client's HTTP fetch)
        new_threads = set(threading.enumerate()) - threads
        assert all(pooled(t) for t in new_threads), new_threads
        assert sum(pooled(t) for t in threading.enumerate()) <= pool + 4


@pytest.mark.parametrize("mirror", [True, False])
async def test_an_offer_asking_for_mirror_gets_its_frames_flipped_before_the_fn(
    mirror: bool,
) -> None:
    """A page whose preview is mirrored offers ``mirror: true``: the fn sees each frame
    flipped left to right, as the WebSocket mode sends it; without it, as the camera has it."""
    halves = flat((220, 40, 40), width=64)
    halves[:, 32:] = (40, 40, 220)  # red left half, blue right half
    seen: list[np.ndarray] = []

    def record(image: np.ndarray) -> np.ndarray:
        seen.append(image)
        return image

    async with serve(stream_demo(record)) as server, raw_client(server) as raw:
        pc = RTCPeerConnection()
        try:
            pc.addTrack(StillTrack(halves))
            await pc.setLocalDescription(await pc.createOffer())
            reply = await raw.request(
                "rtc_offer", api_name="sepia", sdp=pc.localDescription.sdp, mirror=mirror
            )
            job = reply["job"]
            answer = await raw.until("rtc_answer", job=job)
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
            await wait_for(lambda: len(seen) >= 3)
            await raw.send("close_stream", job=job)
            await raw.until("completed", job=job)
        finally:
            await pc.close()
    left, right = seen[-1][:, :24].mean(axis=(0, 1)), seen[-1][:, 40:].mean(axis=(0, 1))
    red_side, blue_side = (right, left) if mirror else (left, right)
    assert red_side[0] > 150 > red_side[2], (left, right)
    assert blue_side[2] > 150 > blue_side[0], (left, right)
