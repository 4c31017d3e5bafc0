"""The WebSocket endpoint message by message (``transports/websocket.py`` and the session
protocol behind it): every completion reason over the wire, and every bad input answered
with an error while the connection goes on (``docs/protocol.md``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import numpy as np
import pytest
from live_support import (
    TIMEOUT,
    Gate,
    gradient,
    held_demo,
    raw_client,
    sepia,
    sepia_demo,
    stream_demo,
)
from websockets.exceptions import ConnectionClosed

import streamcore as gr
from streamcore.app.event_values import HIDDEN_ERROR
from streamcore.app.runtime import AppRuntime
from streamcore.client import JobCancelledError
from streamcore.media.encoding import decode, encode, parse_data_url, to_data_url
from transports import AsyncClient, serve
from transports.protocol import pack_binary
from transports.websocket import SocketClosed, serve_connection

pytestmark = pytest.mark.anyio

# -- every completion reason over the wire ------------------------------------------------------


async def test_reason_done_carries_the_result() -> None:
    demo = gr.Interface(lambda x: x * 2, gr.Number(), gr.Number(), api_name="predict")
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.submit("predict", [21])
        assert (await raw.until("started", job=job))["time_limit"] is None
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"], completed["data"]) == ("done", True, [42])
    assert (completed["error"], completed["validation"]) == (None, None)


async def test_reason_time_limit_ends_a_stream_fed_with_frames() -> None:
    async with serve(stream_demo(time_limit=0.3)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        assert (await raw.until("started", job=job))["time_limit"] == 0.3
        began = time.monotonic()

        async def feed() -> None:  # frames until cancelled (late ones get error replies)
            for seq in range(1000):
                await raw.frame(job, gradient(), seq)
                await anyio.sleep(0.03)

        async with anyio.create_task_group() as feeder:
            feeder.start_soon(feed)
            completed = await raw.until("completed", job=job)
            feeder.cancel_scope.cancel()
    assert (completed["reason"], completed["success"]) == ("time_limit", True)
    assert 0.25 < time.monotonic() - began < 10  # exact times: test_session.py, fake clock
    assert completed["stats"]["processed"] >= 1
    assert completed["data"] is not None  # the last output is the final one


async def test_reason_time_limit_ends_a_generator() -> None:
    def forever(x: float) -> Iterator[float]:
        while True:
            time.sleep(0.02)
            yield x

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(forever, number, number, api_name="predict", time_limit=0.3)
    async with serve(demo) as server, AsyncClient(server.local_url) as client:
        job = await client.submit(7, api_name="/predict")
        outputs = [value async for value in job]
        completed = await job.completion()
    assert completed.reason == "time_limit"
    assert outputs
    assert set(outputs) == {7}
    assert await job.result() == 7


async def test_reason_closed_delivers_the_call_in_flight() -> None:
    gate = Gate()

    def slow_sepia(frame: np.ndarray) -> np.ndarray:
        gate.hold()
        return sepia(frame)

    async with serve(stream_demo(slow_sepia)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.frame(job, gradient(), seq=1)
        await gate.wait_entered()
        await raw.send("close_stream", job=job)
        await raw.assert_alive()  # the close was taken before the fn returns
        gate.release.set()
        output = await raw.until("output", job=job)
        completed = await raw.until("completed", job=job)
    assert output["seq"] == 1
    assert (completed["reason"], completed["success"]) == ("closed", True)
    assert completed["data"] == output["data"]


async def test_reason_cancelled_by_the_client() -> None:
    gate = Gate()
    try:
        async with serve(held_demo(gate)) as server, AsyncClient(server.local_url) as client:
            job = await client.submit(1, api_name="/hold")
            await gate.wait_entered()
            await job.cancel()
            # another group's call runs meanwhile; its reply also shows the cancel was read
            assert await client.predict(5, api_name="/quick") == 5
            gate.release.set()  # the sync fn returns in its thread; its result is dropped
            completed = await job.completion()
            assert (completed.reason, completed.success, completed.data) == (
                "cancelled",
                True,
                None,
            )
            with pytest.raises(JobCancelledError):
                await job.result()
    finally:
        gate.release.set()


async def test_reason_cancelled_for_a_stream_and_a_queued_call() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="multiple")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            queued = await raw.submit("hold", [2])  # concurrency_limit 1: it waits
            estimation = await raw.until("estimation", job=queued)
            assert (estimation["rank"], estimation["queue_size"]) == (0, 1)
            await raw.send("cancel", job=queued)
            completed = await raw.until("completed", job=queued)
            assert completed["reason"] == "cancelled"
            gate.release.set()
            assert (await raw.until("completed", job=first))["reason"] == "done"
    finally:
        gate.release.set()
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.send("cancel", job=job)
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("cancelled", True)


async def test_reason_cancelled_by_another_events_cancels() -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        stop = gr.Button()
        streaming = camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
        stop.click(lambda: None, None, None, cancels=[streaming], api_name="stop")
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.frame(job, gradient())
        await raw.until("output", job=job)
        stop_job = await raw.submit("stop", [])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("cancelled", True)
        assert (await raw.until("completed", job=stop_job))["reason"] == "done"


async def test_reason_idle_ends_a_stream_without_frames() -> None:
    async with serve(stream_demo(), idle_timeout=0.3) as server, raw_client(server) as raw:
        assert raw.welcome["limits"]["idle_timeout"] == 0.3
        job = await raw.open_stream()
        await raw.until("started", job=job)
        began = time.monotonic()
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("idle", True)
    assert 0.2 < time.monotonic() - began < 10  # exact times: test_session.py, fake clock


async def test_reason_error_carries_a_gr_error_verbatim() -> None:
    def refuse(x: float) -> float:
        raise gr.Error("The lens cap is on: take it off and try again.", title="Camera")

    def divide(x: float) -> float:
        return x / 0

    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(refuse, number, number, api_name="refuse")
        number.submit(divide, number, number, api_name="divide")
    async with serve(demo) as server:
        async with raw_client(server) as raw:
            job = await raw.submit("refuse", [1])
            completed = await raw.until("completed", job=job)
            assert (completed["reason"], completed["success"]) == ("error", False)
            assert completed["error"]["message"] == "The lens cap is on: take it off and try again."
            assert (completed["error"]["type"], completed["error"]["title"]) == ("Error", "Camera")
            job = await raw.submit("divide", [1])
            completed = await raw.until("completed", job=job)
            assert completed["error"]["message"] == HIDDEN_ERROR  # show_error is off
            assert "ZeroDivision" not in json.dumps(completed)
            await raw.assert_alive()
        async with AsyncClient(server.local_url) as client:
            with pytest.raises(gr.Error) as caught:
                await client.predict(1, api_name="/refuse")
            assert str(caught.value) == "The lens cap is on: take it off and try again."
            assert caught.value.title == "Camera"


async def test_show_error_sends_an_unexpected_exceptions_text() -> None:
    def divide(x: float) -> float:
        return x / 0

    def broken(frame: np.ndarray) -> np.ndarray:
        raise KeyError("no lens")

    with gr.Blocks() as demo:
        number, image = gr.Number(), gr.Image(streaming=True)
        number.submit(divide, number, number, api_name="divide")
        image.stream(broken, image, image, api_name="broken")
    async with serve(demo, show_error=True) as server, raw_client(server) as raw:
        job = await raw.submit("divide", [1])
        completed = await raw.until("completed", job=job)
        assert completed["error"]["message"] == "ZeroDivisionError: division by zero"
        job = await raw.open_stream("broken")
        await raw.frame(job, gradient())
        completed = await raw.until("completed", job=job)
        assert completed["error"]["message"] == "KeyError: 'no lens'"


async def test_reason_error_ends_a_stream_whose_fn_raises() -> None:
    def broken(frame: np.ndarray) -> np.ndarray:
        raise gr.Error("no faces found")

    async with serve(stream_demo(broken)) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.frame(job, gradient())
        completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["success"]) == ("error", False)
    assert completed["error"]["message"] == "no faces found"
    assert completed["stats"]["errors"] == 1


async def test_reason_validation_lists_each_input() -> None:
    def check(image: np.ndarray | None, strength: float) -> list[dict[str, Any]]:
        return [
            gr.validate(image is not None, "Upload an image first."),
            gr.validate(0 <= strength <= 1, "Strength must lie between 0 and 1."),
        ]

    def tone(image: np.ndarray, strength: float) -> np.ndarray:
        return image

    with gr.Blocks() as demo:
        image = gr.Image()
        strength = gr.Number()
        image.upload(tone, [image, strength], image, api_name="tone", validator=check)
    async with serve(demo) as server:
        async with raw_client(server) as raw:
            job = await raw.submit("tone", [None, 3])
            completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("validation", False)
        assert completed["validation"] == [
            {"parameter_name": "image", "is_valid": False, "message": "Upload an image first."},
            {
                "parameter_name": "strength",
                "is_valid": False,
                "message": "Strength must lie between 0 and 1.",
            },
        ]
        from streamcore.client import ValidationError

        async with AsyncClient(server.local_url) as client:
            with pytest.raises(ValidationError) as caught:
                await client.predict(None, 0.5, api_name="/tone")
        assert caught.value.messages == {"image": "Upload an image first."}


async def test_reason_skipped_by_trigger_mode_once() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="once")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            second = await raw.submit("hold", [2])
            skipped = await raw.until("completed", job=second)
            assert (skipped["reason"], skipped["success"], skipped["data"]) == (
                "skipped",
                True,
                None,
            )
            gate.release.set()
            done = await raw.until("completed", job=first)
            assert (done["reason"], done["data"]) == ("done", [1])
    finally:
        gate.release.set()


async def test_reason_superseded_by_trigger_mode_always_last() -> None:
    gate = Gate()
    try:
        async with (
            serve(held_demo(gate, trigger_mode="always_last")) as server,
            raw_client(server) as raw,
        ):
            first = await raw.submit("hold", [1])
            await gate.wait_entered()
            second = await raw.submit("hold", [2])
            third = await raw.submit("hold", [3])
            superseded = await raw.until("completed", job=second)
            assert (superseded["reason"], superseded["success"]) == ("superseded", True)
            gate.release.set()
            assert (await raw.until("completed", job=first))["data"] == [1]
            last = await raw.until("completed", job=third)
            assert (last["reason"], last["data"]) == ("done", [3])
    finally:
        gate.release.set()


# -- bad input on a raw connection: an error reply, and the connection goes on ---------------------


def bad_input_demo() -> gr.Blocks:
    """A call ``double``, a private event, and the stream ``sepia``."""
    with gr.Blocks() as demo:
        number = gr.Number()
        camera = gr.Image(sources="webcam", streaming=True)
        toned = gr.Image(streaming=True)
        number.submit(lambda x: x * 2, number, number, api_name="double")
        number.change(lambda x: x, number, number, api_name="secret", api_visibility="private")
        camera.stream(sepia, camera, toned, stream_every=0, api_name="sepia")
    return demo


@pytest.mark.parametrize(
    ("message", "code", "text"),
    [
        ("{not json", "bad_json", "a text message must be a JSON object: "),
        ("[1, 2, 3]", "bad_json", "a text message must be a JSON object"),
        ('{"type": "dance", "ref": "r"}', "bad_message", "unknown message type 'dance'"),
        ('{"type": "submit", "api_name": "double", "data": [1]}', "bad_message", "'submit' needs"),
        ('{"type": "submit", "ref": "r", "api_name": 5.5, "data": [1]}', "bad_message", "'api_"),
        ('{"type": "submit", "ref": "r", "api_name": "double", "data": 1}', "bad_message", "'su"),
        ('{"type": "cancel"}', "bad_message", "'cancel' needs a non-empty string 'job'"),
        ('{"type": "hello", "protocol": 2}', "bad_message", "this server speaks protocol 1, not 2"),
        (b"\x00\x00", "bad_binary", "a binary message must start with a 4-byte length"),
        (pack_binary({"type": "movie"}, b"x"), "bad_binary", "unknown binary message type 'movie'"),
        (b"\x00\x00\x00\x09{garbage}", "bad_binary", "the binary header is not JSON: "),
    ],
)
async def test_malformed_messages_are_answered_and_the_connection_goes_on(
    message: str | bytes, code: str, text: str
) -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        await raw.send_raw(message)
        error = await raw.recv()
        assert error["type"] == "error"
        assert (error["code"], error["message"][: len(text)]) == (code, text)
        await raw.assert_alive()
        job = await raw.submit("double", [4])
        assert (await raw.until("completed", job=job))["data"] == [8]


async def test_refused_requests_name_the_problem_and_their_ref() -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        cases: list[tuple[str, dict[str, Any], str, str]] = [
            (
                "submit",
                {"api_name": "nope", "data": [1]},
                "unknown_api",
                "there is no api_name 'nope'; the app has ['double', 'sepia']",
            ),
            (
                "submit",
                {"api_name": 99, "data": [1]},
                "unknown_api",
                "there is no event at index 99",
            ),
            (
                "submit",
                {"api_name": "secret", "data": [1]},
                "unknown_api",
                "the event 'secret' is private: clients cannot call it",
            ),
            (
                "submit",
                {"api_name": "double", "data": [1, 2]},
                "bad_input",
                "'double' takes 1 input value(s) as a list, got 2",
            ),
            (
                "open_stream",
                {"api_name": "double"},
                "not_a_stream",
                "'double' is not a stream event: use submit()",
            ),
            (
                "open_stream",
                {"api_name": "sepia", "data": []},
                "bad_input",
                "'sepia' takes 1 input value(s) as a list, got 0",
            ),
        ]
        for kind, fields, code, text in cases:
            reply = await raw.request(kind, **fields)
            assert reply["type"] == "error", (kind, fields)
            assert (reply["code"], reply["message"]) == (code, text)
        await raw.assert_alive()


async def test_job_requests_for_unknown_or_wrong_jobs() -> None:
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        missing = "there is no running job 'ghost' in this session (it may have ended)"
        for kind, fields in [
            ("cancel", {}),
            ("close_stream", {}),
            ("inputs", {"data": [None]}),
        ]:
            error = await raw.error(kind, job="ghost", **fields)
            assert (error["code"], error["message"], error["job"]) == (
                "unknown_job",
                missing,
                "ghost",
            )
        await raw.frame("ghost", gradient())
        error = await raw.until("error")
        assert (error["code"], error["job"]) == ("unknown_job", "ghost")
        await raw.assert_alive()

        # a call is not a stream: frames, inputs and close_stream are refused while it runs
        gate = Gate()
        try:
            with gr.Blocks() as demo:
                number = gr.Number()
                number.submit(gate.hold, number, number, api_name="hold")
            async with serve(demo) as other, raw_client(other) as raw2:
                job = await raw2.submit("hold", [1])
                await gate.wait_entered()
                await raw2.frame(job, gradient())
                error = await raw2.until("error")
                assert (error["code"], error["job"]) == ("not_a_stream", job)
                for kind, fields in [("close_stream", {}), ("inputs", {"data": [1]})]:
                    error = await raw2.error(kind, job=job, **fields)
                    assert (error["code"], error["job"]) == ("not_a_stream", job)
                gate.release.set()
                assert (await raw2.until("completed", job=job))["reason"] == "done"
        finally:
            gate.release.set()


async def test_stream_inputs_update_and_refusals() -> None:
    def tint(frame: np.ndarray, strength: float) -> np.ndarray:
        return np.full_like(frame, int(strength))

    demo = stream_demo(tint, extra_inputs=(gr.Slider(0, 255, 10),))
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream("sepia", [None, 10])
        await raw.frame(job, gradient(), 1)
        first = await raw.until("output", job=job)
        await raw.send("inputs", job=job, data=[None, 200])
        await raw.frame(job, gradient(), 2)
        second = await raw.until("output", job=job)
        assert decode(parse_data_url(first["data"][0]["url"])[1]).mean() == pytest.approx(10, abs=2)
        assert decode(parse_data_url(second["data"][0]["url"])[1]).mean() == pytest.approx(
            200, abs=2
        )
        error = await raw.error("inputs", job=job, data=[None])
        assert (error["code"], error["job"]) == ("bad_input", job)
        assert error["message"] == "'sepia' takes 2 input value(s) as a list, got 1"
        error = await raw.error("inputs", job=job, data=[None, 999])
        assert (error["code"], error["job"]) == ("bad_input", job)
        assert "999" in error["message"]
        await raw.frame(job, gradient(), 3)
        third = await raw.until("output", job=job)  # the refused values were not used
        assert decode(parse_data_url(third["data"][0]["url"])[1]).mean() == pytest.approx(
            200, abs=2
        )


async def test_frame_after_the_stream_stopped_taking_frames() -> None:
    gate = Gate()

    def slow_sepia(frame: np.ndarray) -> np.ndarray:
        gate.hold()
        return sepia(frame)

    try:
        async with serve(stream_demo(slow_sepia)) as server, raw_client(server) as raw:
            job = await raw.open_stream()
            await raw.frame(job, gradient(), 1)
            await gate.wait_entered()
            await raw.send("close_stream", job=job)
            await raw.frame(job, gradient(), 2)
            error = await raw.until("error")
            assert (error["code"], error["job"]) == ("stream_ended", job)
            assert error["message"] == "that stream has stopped taking frames"
            gate.release.set()
            completed = await raw.until("completed", job=job)
            assert (completed["reason"], completed["stats"]["processed"]) == ("closed", 1)
            await raw.frame(job, gradient(), 3)  # now it has ended: the job is gone
            error = await raw.until("error")
            assert (error["code"], error["job"]) == ("unknown_job", job)
            await raw.assert_alive()
    finally:
        gate.release.set()


async def test_undecodable_frame_gets_frame_error_and_the_stream_goes_on() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        await raw.until("started", job=job)
        await raw.frame(job, b"this is not a jpeg", seq=1)
        error = await raw.until("frame_error", job=job)
        assert error["seq"] == 1
        assert error["error"]["type"] == "ImageDecodeError"
        assert error["error"]["title"] == "Bad frame"
        assert error["error"]["message"]
        await raw.frame(job, gradient(), seq=2)
        output = await raw.until("output", job=job)
        assert output["seq"] == 2
        await raw.send("close_stream", job=job)
        completed = await raw.until("completed", job=job)
        assert completed["stats"]["received"] == 2


async def test_frame_over_max_pixels_gets_frame_error() -> None:
    async with serve(stream_demo(), max_pixels=64 * 48) as server, raw_client(server) as raw:
        assert raw.welcome["limits"]["max_pixels"] == 64 * 48
        job = await raw.open_stream()
        await raw.frame(job, gradient(49, 64), seq=1)
        error = await raw.until("frame_error", job=job)
        assert (error["seq"], error["error"]["type"]) == (1, "ImageTooLargeError")
        assert "max_pixels" in error["error"]["message"]
        await raw.frame(job, gradient(48, 64), seq=2)
        assert (await raw.until("output", job=job))["seq"] == 2


async def test_compat_base64_frames_and_a_bad_one() -> None:
    async with serve(stream_demo()) as server, raw_client(server) as raw:
        job = await raw.open_stream()
        url = to_data_url(encode(gradient(), "jpeg", 90), "image/jpeg")
        await raw.send("frame", job=job, data=url, seq=1)
        assert (await raw.until("output", job=job))["seq"] == 1
        error = await raw.error("frame", job=job, data="data:image/jpeg;base64,%%%", seq=2)
        assert (error["code"], error["job"]) == ("bad_frame", job)
        assert error["message"].startswith("the base64 payload is not valid base64")
        error = await raw.error("frame", job=job, data="http://example.com/x.jpg")
        assert error["code"] == "bad_frame"
        await raw.send("frame", job=job, data=url, seq=3)
        assert (await raw.until("output", job=job))["seq"] == 3


async def test_oversized_message_closes_with_1009() -> None:
    async with serve(stream_demo(), max_message_bytes=10_000) as server:
        async with raw_client(server) as raw:
            assert raw.welcome["limits"]["max_message_bytes"] == 10_000
            job = await raw.open_stream()
            await raw.frame(job, b"x" * 20_000)
            with pytest.raises(ConnectionClosed) as caught:
                await raw.until("never")
            assert caught.value.rcvd is not None
            assert caught.value.rcvd.code == 1009
        async with raw_client(server) as raw:  # the server still serves others
            await raw.assert_alive()


class MemorySocket:
    """A :class:`~transports.websocket.MessageSocket` fed from a list; it records what the
    server sends and how it closed."""

    def __init__(self, incoming: list[str | bytes]) -> None:
        self.incoming = incoming
        self.sent: list[str | bytes] = []
        self.closed: tuple[int, str] | None = None

    async def receive(self) -> str | bytes:
        if self.closed is not None or not self.incoming:
            raise SocketClosed("closed")
        return self.incoming.pop(0)

    async def send(self, message: str | bytes) -> None:
        self.sent.append(message)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)


async def test_the_read_loop_itself_closes_oversized_messages_with_1009() -> None:
    """Mounted in a server that does not limit message size, the session still does: a
    message over ``max_message_bytes`` on the wire (UTF-8 for text) closes it with 1009."""
    limits = {"max_message_bytes": 100, "max_pixels": None, "idle_timeout": None}
    small = json.dumps({"type": "ping", "ref": "ok"})
    wide = json.dumps({"type": "ping", "ref": "é" * 60})  # under 100 characters, over 100 bytes
    socket = MemorySocket([small, wide, json.dumps({"type": "ping", "ref": "after"})])
    with anyio.fail_after(TIMEOUT):
        await serve_connection(socket, AppRuntime(stream_demo()), limits)
    assert socket.closed == (1009, "message over 100 bytes")
    assert socket.incoming == [json.dumps({"type": "ping", "ref": "after"})]  # never read
    socket = MemorySocket([small, b"x" * 101])
    with anyio.fail_after(TIMEOUT):
        await serve_connection(socket, AppRuntime(stream_demo()), limits)
    assert socket.closed == (1009, "message over 100 bytes")


async def test_uploads_good_and_bad(tmp_path: Path) -> None:
    image = gradient()
    async with serve(sepia_demo()) as server, raw_client(server) as raw:
        png = encode(image, "png")
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u1", "name": "../../x.png"}, png))
        uploaded = await raw.until("uploaded", ref="u1")
        path = Path(uploaded["path"])
        assert path.name == "x.png"
        assert await anyio.Path(path).read_bytes() == png
        job = await raw.submit("predict", [{"path": str(path), "orig_name": "x.png"}])
        completed = await raw.until("completed", job=job)
        assert completed["reason"] == "done"

        # a header without its ref or name
        await raw.send_raw(pack_binary({"type": "upload", "name": "x.png"}, png))
        error = await raw.until("error")
        assert (error["code"], error["message"]) == (
            "bad_message",
            "'upload' needs a non-empty string 'ref'",
        )
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u2"}, png))
        error = await raw.until("error")
        assert (error["code"], error["ref"]) == ("bad_message", "u2")

        # a name the file system cannot hold
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u3", "name": "é" * 199}, png))
        error = await raw.until("error")
        assert (error["code"], error["ref"]) == ("bad_input", "u3")
        assert error["message"].endswith("could not be stored: File name too long")
        await raw.assert_alive()

        # bytes that are not an image: stored, but refused as an input with a message
        await raw.send_raw(pack_binary({"type": "upload", "ref": "u4", "name": "a.png"}, b"nope"))
        bogus = (await raw.until("uploaded", ref="u4"))["path"]
        job = await raw.submit("predict", [{"path": bogus, "orig_name": "a.png"}])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["success"]) == ("error", False)
        assert completed["error"]["type"] == "ImageDecodeError"

        # a path the server must not read
        job = await raw.submit("predict", [{"path": "/etc/passwd"}])
        completed = await raw.until("completed", job=job)
        assert (completed["reason"], completed["error"]["type"]) == ("error", "PathNotAllowedError")
        await raw.assert_alive()


async def test_stream_inputs_naming_a_refused_file_are_refused() -> None:
    def overlay(frame: np.ndarray, logo: np.ndarray | None) -> np.ndarray:
        return frame

    demo = stream_demo(overlay, extra_inputs=(gr.Image(),))
    async with serve(demo) as server, raw_client(server) as raw:
        job = await raw.open_stream("sepia", [None, None])
        refusals = [
            ("/etc/passwd", "input 2: the file 'passwd' is not one this server gave or received"),
            ("/tmp/streamcore/nope.png", "input 2: the file 'nope.png' is not on this server"),
        ]
        for path, message in refusals:
            error = await raw.error("inputs", job=job, data=[None, {"path": path}])
            assert (error["code"], error["job"]) == ("bad_input", job)
            assert error["message"].startswith(message)
        await raw.frame(job, gradient(), 1)
        assert (await raw.until("output", job=job))["seq"] == 1


async def test_inputs_sent_while_a_stream_waits_in_the_queue_are_used() -> None:
    def tint(frame: np.ndarray, strength: float) -> np.ndarray:
        return np.full_like(frame, int(strength))

    demo = stream_demo(tint, extra_inputs=(gr.Slider(0, 255, 10),), concurrency_limit=1)
    async with (
        serve(demo) as server,
        raw_client(server) as first,
        raw_client(server) as second,
    ):
        job1 = await first.open_stream("sepia", [None, 10])
        await first.until("started", job=job1)
        job2 = await second.open_stream("sepia", [None, 10])
        await second.until("estimation", job=job2)
        await second.send("inputs", job=job2, data=[None, 200])
        await second.frame(job2, gradient(), seq=1)
        await second.assert_alive()
        await first.send("close_stream", job=job1)
        output = await second.until("output", job=job2)
        level = decode(parse_data_url(output["data"][0]["url"])[1]).mean()
        assert level == pytest.approx(200, abs=2)


async def test_queue_max_size_refuses_with_a_completion() -> None:
    gate = Gate()
    demo = held_demo(gate, trigger_mode="multiple").queue(max_size=1)
    try:
        async with serve(demo) as server, raw_client(server) as raw:
            running = await raw.submit("hold", [1])
            await gate.wait_entered()
            waiting = await raw.submit("hold", [2])
            await raw.until("estimation", job=waiting)
            refused = await raw.submit("hold", [3])
            completed = await raw.until("completed", job=refused)
            assert (completed["reason"], completed["success"]) == ("error", False)
            assert completed["error"]["message"] == (
                "Queue is full. Max size is 1 and size is 1; try again later."
            )
            gate.release.set()
            assert (await raw.until("completed", job=running))["data"] == [1]
            assert (await raw.until("completed", job=waiting))["data"] == [2]
    finally:
        gate.release.set()


async def test_a_storm_of_random_requests_never_breaks_the_connection() -> None:
    import random

    rng = random.Random(1234)
    values: list[Any] = [None, 0, -1, 2**40, 1.5, "", "x", [], [None], [1, 2], {}, {"path": 3}]
    values += [{"path": "/etc/passwd"}, {"url": "data:image/png;base64,AAAA"}, True]
    async with serve(bad_input_demo()) as server, raw_client(server) as raw:
        jobs = [await raw.open_stream(), await raw.submit("double", [1]), "ghost"]
        kinds = ["submit", "open_stream", "frame", "inputs", "close_stream", "cancel", "hello"]
        for count in range(300):
            message: dict[str, Any] = {"type": rng.choice([*kinds, "ping", "dance"])}
            for key in ("ref", "api_name", "data", "job", "seq", "event_data", "binary_frames"):
                if rng.random() < 0.6:
                    message[key] = rng.choice(values)
            if rng.random() < 0.5:
                message["api_name"] = rng.choice(["double", "sepia", "secret", 0, 1, 2])
            if rng.random() < 0.5:
                message["job"] = rng.choice(jobs)
            if rng.random() < 0.3:
                message["data"] = [rng.choice(values) for _ in range(rng.randint(0, 2))]
            if rng.random() < 0.2:
                header = {k: v for k, v in message.items() if k in ("type", "job", "seq")}
                await raw.send_raw(pack_binary(header, rng.randbytes(rng.randint(0, 40))))
            else:
                await raw.send_raw(json.dumps(message))
            if count % 50 == 0:
                await raw.assert_alive()
        await raw.assert_alive()
        job = await raw.submit("double", [21])
        assert (await raw.until("completed", job=job))["data"] == [42]
