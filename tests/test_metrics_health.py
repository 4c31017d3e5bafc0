"""Health on ``/metrics`` (issue 16): the kernel's receive queues and drops of the process's
UDP (media) sockets, and the forward delay (frame arrival to fn start); ``docs/metrics.md``.

The live tests run ``streamcore serve`` in a process of its own (so the UDP sockets counted
are the server's only) and stream to it from a real aiortc peer in this process."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import anyio
import httpx
import numpy as np
import pytest
from live_support import serving_script
from prometheus_client.parser import text_string_to_metric_families

from transports import AsyncClient
from transports.udp_health import DropCounter, UdpSocket, parse_proc_net_udp, read_udp_sockets

APP = """
import time

import streamcore as gr

async def freeze(seconds: float) -> float:
    time.sleep(seconds)  # on purpose: the event loop stands still (a bug in a real app)
    return seconds

with gr.Blocks() as demo:
    camera = gr.Image(sources="webcam", streaming=True)
    out = gr.Image(streaming=True)
    camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    number = gr.Number()
    gr.Button().click(freeze, number, number, api_name="freeze")
"""

IMAGE = np.tile(np.arange(64, dtype=np.uint8)[None, :, None], (48, 1, 3))

PROC_NET_UDP = [  # the columns of /proc/net/udp, shortened: tx_queue:rx_queue, inode, drops
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
    "   uid  timeout inode ref pointer drops",
    "  120: 0100007F:A1B2 00000000:0000 07 00000000:00000600 00:00000000 00000000"
    "  1000        0 4242 2 0000000000000000 0",
    "  121: 0100007F:A1B3 00000000:0000 07 00000000:0002A000 00:00000000 00000000"
    "  1000        0 4243 2 0000000000000000 17",
    "  122: 0100007F:A1B4 00000000:0000 07 00000000:00000000 00:00000000 00000000"
    "  1000        0 9999 2 0000000000000000 5",
]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(url: str) -> str:
    response = httpx.get(url + "metrics", timeout=10)
    assert response.status_code == 200, response.text
    return response.text


# -- reading the kernel's tables ---------------------------------------------------------------


def test_the_table_gives_queues_and_drops_of_our_inodes_only() -> None:
    found = parse_proc_net_udp(PROC_NET_UDP, {4242, 4243})
    assert found == [
        UdpSocket(4242, "0100007F:A1B2", 0x600, 0),
        UdpSocket(4243, "0100007F:A1B3", 0x2A000, 17),
    ]


def test_drops_only_grow_and_a_closed_socket_keeps_its_count() -> None:
    counter = DropCounter()
    assert counter.update([UdpSocket(1, "", 0, 3), UdpSocket(2, "", 0, 0)]) == 3
    assert counter.update([UdpSocket(1, "", 0, 5), UdpSocket(2, "", 0, 1)]) == 3
    assert counter.update([UdpSocket(2, "", 0, 1)]) == 0  # socket 1 closed
    assert counter.update([UdpSocket(2, "", 0, 1), UdpSocket(3, "", 0, 4)]) == 4


def test_a_socket_nobody_reads_shows_its_queue_then_its_drops() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as source,
    ):
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sink.bind(("127.0.0.1", 0))
        inode = sink_inode(sink)
        [empty] = [s for s in read_udp_sockets() if s.inode == inode]
        assert (empty.rx_queue, empty.drops) == (0, 0)
        source.sendto(b"x" * 100, sink.getsockname())
        [queued] = [s for s in read_udp_sockets() if s.inode == inode]
        assert queued.rx_queue > 0
        assert queued.drops == 0
        for _ in range(200):
            source.sendto(b"x" * 1000, sink.getsockname())
        [full] = [s for s in read_udp_sockets() if s.inode == inode]
        assert full.drops > 0


def sink_inode(sock: socket.socket) -> int:
    target = os.readlink(f"/proc/self/fd/{sock.fileno()}")
    return int(target[8:-1])


# -- a real server and a real aiortc peer ------------------------------------------------------


def host_candidates(sdp: str) -> set[tuple[str, int]]:
    """The IPv4 host candidates (address, UDP port) of an SDP answer."""
    found = re.findall(r"a=candidate:\S+ 1 udp \d+ (\d+\.\d+\.\d+\.\d+) (\d+) typ host", sdp)
    return {(address, int(port)) for address, port in found}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
def test_a_stalled_loop_shows_in_the_udp_queue_drops_and_loop_lag(
    tmp_path: Path, anyio_backend: str
) -> None:
    async def run(url: str) -> str:
        async with AsyncClient(url) as client, AsyncClient(url) as other:

            async def frames() -> object:
                for _ in range(3):
                    yield IMAGE
                await anyio.sleep(30)  # the stream stays open (and its sockets) meanwhile

            stream = await client.stream(frames(), api_name="/invert", transport="webrtc")
            outputs = stream.__aiter__()
            with anyio.fail_after(20):
                for _ in range(3):
                    await anext(outputs)
            candidates = host_candidates(stream.pc.remoteDescription.sdp)
            assert candidates, stream.pc.remoteDescription.sdp
            assert value(scrape(url), "streamcore_udp_sockets") >= 1
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(lambda: other.predict(2.0, api_name="/freeze"))
                await anyio.sleep(0.5)  # the server's loop stands still now
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blast:
                    for _ in range(600):  # more than the kernel keeps for one socket
                        for candidate in candidates:
                            blast.sendto(b"\0" * 1200, candidate)
            await anyio.sleep(0.7)  # a sample after the stall
            text = await anyio.to_thread.run_sync(scrape, url)
            await stream.close()
            return text

    with serving_script(tmp_path, APP) as url:
        text = anyio.run(run, url)
    assert value(text, "streamcore_udp_drops_total") > 0
    deep = value(text, "streamcore_udp_receive_queue_samples_bytes_bucket", le="65536.0")
    every = value(text, "streamcore_udp_receive_queue_samples_bytes_count")
    assert every > deep, "no sample saw more than 64 KiB waiting in the UDP buffers"
    assert value(text, "streamcore_event_loop_lag_samples_seconds_count") > value(
        text, "streamcore_event_loop_lag_samples_seconds_bucket", le="1.0"
    ), "the 2 s stall is not in the loop-lag samples"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
def test_forward_delay_is_counted_for_every_webrtc_output(
    tmp_path: Path, anyio_backend: str
) -> None:
    frames = 8

    async def run(url: str) -> str:
        async with AsyncClient(url) as client:
            stream = await client.stream([IMAGE] * frames, api_name="/invert", transport="webrtc")
            with anyio.fail_after(30):
                got = [o async for o in stream]
            assert got
            return await anyio.to_thread.run_sync(scrape, url)

    with serving_script(tmp_path, APP) as url:
        text = anyio.run(run, url)
    event = {"api_name": "invert", "transport": "webrtc"}
    processed = value(text, "streamcore_frame_latency_seconds_count", **event)
    assert processed > 0
    assert value(text, "streamcore_forward_delay_seconds_count", **event) == processed
    total = value(text, "streamcore_forward_delay_seconds_sum", **event)
    latency = value(text, "streamcore_frame_latency_seconds_sum", **event)
    assert 0 <= total < latency  # the wait before the fn is part of arrival-to-output
