"""What one client session may hold, against a live server: its open jobs are capped, a
queue full of one client's jobs does not stall the others, and what ends is forgotten.

The attacker is a raw WebSocket client; the honest client measures its round trips while
the attack runs and after the attacker has left (a generous bound: 1 s).
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
from live_support import Gate, Raw, raw_client

import streamcore as gr
from streamcore.app.runtime import ClientSession
from transports import Server
from transports.server import ServerOptions, serve

pytestmark = pytest.mark.anyio

HONEST_BOUND = 1.0
"""Seconds within which an honest client's request is answered during any attack."""


def queue_demo(gate: Gate) -> gr.Blocks:
    """``held``: a stream event with one slot (a stream holds it for its life); ``quick``:
    a call with no limit; ``multiple``: a held call of ``trigger_mode="multiple"``."""
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        camera.stream(lambda image: image, camera, toned, api_name="held", concurrency_limit=1)
        camera.stream(lambda image: image, camera, toned, api_name="free", concurrency_limit=None)
        number = gr.Number()
        button = gr.Button()
        button.click(lambda x: x, number, number, api_name="quick", concurrency_limit=None)
        button.click(
            gate.hold,
            number,
            number,
            api_name="multiple",
            trigger_mode="multiple",
            concurrency_limit=None,
        )
    return demo


class RoundTrips:
    """An honest client's worst round trip (a ping, then a quick call) while it runs."""

    def __init__(self, client: Raw) -> None:
        self.client = client
        self.worst = 0.0
        self.count = 0

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            await self.client.assert_alive()
            job = await self.client.submit("quick", [self.count])
            completed = await self.client.until("completed", job=job)
            assert completed["data"] == [self.count]
            self.worst = max(self.worst, time.monotonic() - started)
            self.count += 1
            await anyio.sleep(0.02)


@asynccontextmanager
async def measured(server: Server) -> AsyncIterator[RoundTrips]:
    async with raw_client(server) as honest, anyio.create_task_group() as tasks:
        trips = RoundTrips(honest)
        tasks.start_soon(trips.run)
        yield trips
        tasks.cancel_scope.cancel()


async def reply_to_a_request(client: Raw) -> dict[str, Any]:
    """The next ``accepted`` or ``error`` reply (the other messages are skipped)."""
    while True:
        message = await client.recv()
        if message["type"] in ("accepted", "error"):
            return message


def live_sessions() -> list[ClientSession]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, ClientSession)]


async def test_one_connection_queueing_its_most_does_not_stall_another_client() -> None:
    gate = Gate()
    count = 3000  # what used to freeze every client for seconds (about 180 KB of requests)
    async with serve(queue_demo(gate), idle_timeout=60) as server, measured(server) as trips:
        group = server.runtime.scheduler.group(server.blocks.dependency("held").group_id)
        async with raw_client(server) as attacker:
            for n in range(count):
                await attacker.send("open_stream", ref=f"a{n}", api_name="held")
            replies: dict[str, int] = {}
            refusal = ""
            for _ in range(count):
                reply = await reply_to_a_request(attacker)
                kind = reply["type"] if reply["type"] != "error" else reply["code"]
                replies[kind] = replies.get(kind, 0) + 1
                refusal = reply.get("message", refusal)
            # the default cap: one stream runs, 63 wait, the rest are refused naming the cap
            assert replies == {"accepted": 64, "too_many_jobs": count - 64}
            assert "max_jobs_per_session=64" in refusal
            assert len(group.waiting) == 63
            await attacker.assert_alive()
        # the attacker has left: its jobs are cancelled and nothing of them is left
        with anyio.fail_after(5):
            while group.waiting or group.running:  # noqa: ASYNC110 (polled: no event)
                await anyio.sleep(0.02)
        await anyio.sleep(0.2)  # the honest client keeps measuring after the leave
        assert trips.count > 0
        assert trips.worst < HONEST_BOUND, f"an honest request took {trips.worst:.2f} s"
    assert not live_sessions()


async def test_a_session_past_its_open_jobs_gets_too_many_jobs_and_ended_jobs_are_forgotten() -> (
    None
):
    gate = Gate()
    async with (
        serve(queue_demo(gate), max_jobs_per_session=3) as server,
        raw_client(server) as client,
    ):
        streams = [await client.open_stream("free") for _ in range(2)]
        call = await client.submit("multiple", [1])
        await gate.wait_entered()
        for request, fields in [
            ("open_stream", {"api_name": "free"}),
            ("submit", {"api_name": "multiple", "data": [2]}),
        ]:
            refused = await client.request(request, **fields)
            assert refused["type"] == "error"
            assert refused["code"] == "too_many_jobs"
            assert refused["message"].startswith("this session already has 3 calls and streams")
            assert "max_jobs_per_session=3" in refused["message"]
        [session] = live_sessions()
        assert session.open_jobs == 3
        for job in streams:
            await client.send("close_stream", job=job)
            await client.until("completed", job=job)
        gate.release.set()
        await client.until("completed", job=call)
        # open and end many more, one after another: each ended job left its place
        for n in range(30):
            job = await client.open_stream("free")
            await client.send("close_stream", job=job)
            await client.until("completed", job=job)
            job = await client.submit("multiple", [n])
            await client.until("completed", job=job)
        assert session.open_jobs == 0
        assert session._jobs == {}
        assert session._opening == 0
        del session
    assert not live_sessions()


def test_an_http_session_past_its_open_calls_is_429_naming_the_cap() -> None:
    gate = Gate()
    demo = queue_demo(gate)
    server: Server = demo.launch(
        server_port=0, prevent_thread_lock=True, quiet=True, max_jobs_per_session=2
    )
    try:
        fn_index = server.blocks.dependency("multiple").id
        base = f"{server.local_url}gradio_api/queue/join"

        def join(n: int) -> httpx.Response:
            body = {"data": [n], "fn_index": fn_index, "session_hash": "s1"}
            return httpx.post(base, json=body)

        assert join(1).status_code == 200
        assert join(2).status_code == 200
        refused = join(3)
        assert refused.status_code == 429
        detail = json.loads(refused.content)["detail"]
        assert "this session already has 2 calls waiting or running" in detail
        assert "max_jobs_per_session=2" in detail
        body = {"data": [4], "fn_index": fn_index, "session_hash": "s2"}
        assert httpx.post(base, json=body).status_code == 200  # the cap is per session
    finally:
        gate.release.set()
        demo.close()


def test_a_bad_cap_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="max_jobs_per_session"):
        serve_options(max_jobs_per_session=0)
    with pytest.raises(ValueError, match="max_rtc_peers_per_session"):
        serve_options(max_rtc_peers_per_session=0)


def serve_options(**options: Any) -> None:
    Server(queue_demo(Gate()), ServerOptions(**options))
