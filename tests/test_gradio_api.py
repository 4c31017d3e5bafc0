"""transports.gradio_api's event stream in process: an ASGI call with memory receive/send."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import streamcore as gr
from streamcore.app.runtime import AppRuntime
from transports.gradio_api import EventStream, example_input
from transports.gradio_messages import EventTranslator, sse_event
from transports.sse_sessions import HttpSession, HttpSessions, Join

pytestmark = pytest.mark.anyio


class Held:
    """An async generator fn that yields once, then waits until released or cancelled."""

    def __init__(self) -> None:
        self.entered = anyio.Event()
        self.release = anyio.Event()
        self.closed = anyio.Event()

    async def fn(self) -> AsyncIterator[str]:
        try:
            yield "first"
            self.entered.set()
            await self.release.wait()
            yield "second"
        finally:
            self.closed.set()


def held_app(held: Held) -> gr.Blocks:
    with gr.Blocks() as demo:
        out = gr.Textbox()
        gr.Button().click(held.fn, None, out, api_name="held")
    return demo


def joined(sessions: HttpSessions) -> HttpSession:
    sessions.join("s", Join("ev", 0, []))
    session = sessions.claim("s")
    assert session is not None
    return session


def event_stream(runtime: AppRuntime, sessions: HttpSessions, heartbeat: float) -> EventStream:
    """The ``queue/data`` stream of one joined call, in Gradio's form."""
    translator = EventTranslator("http://h/gradio_api/file=")
    return EventStream(
        runtime, sessions, joined(sessions), translator, sse_event, heartbeat, closed
    )


async def closed(owner: str) -> None:
    """What the stream calls as it ends; nothing to do here."""


class Transcript:
    """What the stream sent: its events, in order."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.ended = False
        self.changed = anyio.Event()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            for block in message["body"].split(b"\n\n"):
                if block:
                    self.events.append(json.loads(block.removeprefix(b"data: ")))
            self.ended = not message.get("more_body", False)
        self.changed.set()
        self.changed = anyio.Event()

    async def wait_for(self, msg: str) -> None:
        with anyio.fail_after(5):
            while msg not in [e["msg"] for e in self.events]:
                await self.changed.wait()


async def test_an_idle_stream_gets_heartbeats_then_the_events_and_close_stream() -> None:
    held = Held()
    runtime, sessions = AppRuntime(held_app(held)), HttpSessions()
    stream = event_stream(runtime, sessions, 0.01)
    transcript = Transcript()
    disconnect = anyio.Event()

    async def receive() -> dict[str, Any]:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(stream, {"type": "http"}, receive, transcript.send)
        await held.entered.wait()
        await transcript.wait_for("heartbeat")
        held.release.set()
        await transcript.wait_for("close_stream")
    kinds = [e["msg"] for e in transcript.events if e["msg"] != "heartbeat"]
    assert kinds == [
        "process_starts",
        "process_generating",
        "process_generating",
        "process_completed",
        "close_stream",
    ]
    completed = transcript.events[-2]
    assert (completed["event_id"], completed["output"]["data"]) == ("ev", ["second"])
    assert transcript.ended
    assert len(sessions) == 0


async def test_a_client_that_goes_away_has_its_calls_cancelled() -> None:
    held = Held()
    runtime, sessions = AppRuntime(held_app(held)), HttpSessions()
    stream = event_stream(runtime, sessions, 10)
    transcript = Transcript()

    async def receive() -> dict[str, Any]:
        await held.entered.wait()
        return {"type": "http.disconnect"}

    with anyio.fail_after(5):
        await stream({"type": "http"}, receive, transcript.send)
        await held.closed.wait()  # the generator was closed, not left waiting
    assert not held.release.is_set()
    assert "process_completed" not in [e["msg"] for e in transcript.events]
    assert len(sessions) == 0


def test_the_info_gives_example_inputs() -> None:
    """``gradio_api/info`` names an example per parameter (the page's snippets use it)."""
    assert example_input({"type": "textbox", "props": {}}, "http://h/") == "Hello!!"
    assert example_input({"type": "number", "props": {"value": 7}}, "") == 7
    slider = {"type": "slider", "props": {"value": None, "minimum": 4, "maximum": 9}}
    assert example_input(slider, "") == 4
    assert example_input({"type": "number", "props": {"maximum": 1}}, "") == 1
    image = example_input({"type": "image", "props": {}}, "http://h/x/")
    assert image["url"] == image["path"] == "http://h/x/static/api-example.png"
    assert image["meta"] == {"_type": "gradio.FileData"}
    assert example_input({"type": "json", "props": {"value": {"a": 1}}}, "") == {"a": 1}
