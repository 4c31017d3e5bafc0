"""The idioms of real Gradio apps in the runtime: ``gr.update`` and returned components,
``gr.Request``, ``gr.Progress``, ``gr.Info`` / ``gr.Warning``, and the parts of Gradio that
refuse at construction (``streamcore/app/{updates,request,progress,notices}.py``,
``streamcore/unsupported.py``)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import anyio
import numpy as np
import pytest
import tqdm

import streamcore as gr
from streamcore.app.runtime import AppRuntime, ClientSession
from streamcore.engine.frames import Frame
from streamcore.messages import Completed, LogMessage, Message, Output, ProgressUpdate

pytestmark = [pytest.mark.anyio, pytest.mark.any_backend]


@asynccontextmanager
async def session_of(
    demo: gr.Blocks, request: gr.Request | None = None
) -> AsyncIterator[ClientSession]:
    runtime = AppRuntime(demo)
    async with runtime.session(request=request) as session:
        yield session


async def run(session: ClientSession, api_name: str, data: list[Any]) -> list[Message]:
    """Submit one call and return its messages, the completion last."""
    job = await session.submit(api_name, data)
    messages: list[Message] = []
    with anyio.fail_after(10):
        while True:
            message = await session.receive()
            if message.job != job:
                continue
            messages.append(message)
            if isinstance(message, Completed):
                return messages


def completion(messages: list[Message]) -> Completed:
    final = messages[-1]
    assert isinstance(final, Completed)
    return final


# -- gr.update and returned components ----------------------------------------------------------


async def test_gr_update_sends_the_named_props_and_the_postprocessed_value() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Old")
        box.submit(lambda text: gr.update(label="New", value=42), box, box, api_name="relabel")
    async with session_of(demo) as session:
        done = completion(await run(session, "relabel", ["x"]))
    assert done.reason == "done"
    assert done.data == [{"__type__": "update", "label": "New", "value": "42"}]


async def test_a_returned_component_updates_the_props_its_constructor_was_given() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Old", lines=3)
        box.submit(lambda text: gr.Textbox(value=text.upper(), visible=False), box, box)
    async with session_of(demo) as session:
        done = completion(await run(session, "lambda", ["hi"]))
    assert done.data == [{"__type__": "update", "value": "HI", "visible": False}]


async def test_an_update_without_value_leaves_the_value_and_none_props_are_dropped() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(lambda text: gr.update(label=None, interactive=False), box, box, api_name="f")
    async with session_of(demo) as session:
        done = completion(await run(session, "f", ["x"]))
    assert done.data == [{"__type__": "update", "interactive": False}]


async def test_an_updated_slider_bounds_the_later_inputs_of_the_same_session_only() -> None:
    with gr.Blocks() as demo:
        slider = gr.Slider(minimum=0, maximum=10)
        slider.release(lambda x: gr.update(maximum=100), slider, slider, api_name="widen")
        slider.change(lambda x: x, slider, slider, api_name="echo")
    async with session_of(demo) as session:
        refused = completion(await run(session, "echo", [50]))
        assert refused.reason == "error"
        widened = completion(await run(session, "widen", [5]))
        assert widened.data == [{"__type__": "update", "maximum": 100}]
        assert completion(await run(session, "echo", [50])).data == [50]
    async with session_of(demo) as other:
        assert completion(await run(other, "echo", [50])).reason == "error"


async def test_an_update_a_component_cannot_take_is_an_error_naming_it() -> None:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(lambda x: gr.update(colour="red"), number, number, api_name="bad")
    async with session_of(demo) as session:
        done = completion(await run(session, "bad", [1]))
    assert done.reason == "error"
    assert done.error is not None
    assert "Number: the update ['colour'] cannot be applied" in done.error["message"]


async def test_an_update_of_a_state_sets_its_value() -> None:
    with gr.Blocks() as demo:
        state = gr.State(0)
        number = gr.Number()
        number.submit(lambda n: gr.update(value=n * 2), number, state, api_name="keep")
        number.change(lambda s: s, state, number, api_name="read")
    async with session_of(demo) as session:
        await run(session, "keep", [21])
        assert completion(await run(session, "read", [None])).data == [42]


async def test_a_generator_may_yield_updates() -> None:
    def steps(text: str) -> Any:
        yield gr.update(label="working")
        yield gr.update(label="done", value=text)

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(steps, box, box, api_name="steps")
    async with session_of(demo) as session:
        messages = await run(session, "steps", ["ok"])
    outputs = [m.data for m in messages if isinstance(m, Output)]
    assert outputs == [
        [{"__type__": "update", "label": "working"}],
        [{"__type__": "update", "label": "done", "value": "ok"}],
    ]


# -- gr.Request -----------------------------------------------------------------------------


async def test_a_parameter_typed_request_receives_the_clients_request_and_is_not_an_input() -> None:
    seen: list[Any] = []

    def greet(name: str, request: gr.Request) -> str:
        seen.append(request)
        return f"{name} from {request.client.host} via {request.headers['User-Agent']}"

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(greet, box, box, api_name="greet")
    request = gr.Request(
        headers={"user-agent": "probe"},
        client_host="10.1.2.3",
        query_params={"q": "1"},
        session_hash="abc",
    )
    async with session_of(demo, request) as session:
        done = completion(await run(session, "greet", ["ann"]))
    assert done.data == ["ann from 10.1.2.3 via probe"]
    assert seen[0].query_params == {"q": "1"}
    assert seen[0].session_hash == "abc"
    assert seen[0].username is None


async def test_request_optional_and_event_data_may_stand_anywhere_in_the_signature() -> None:
    def fn(request: gr.Request | None, x: float, evt: gr.EventData) -> str:
        assert request is not None
        return f"{request.username}:{x}:{evt.index}"

    with gr.Blocks() as demo:
        number = gr.Number()
        out = gr.Textbox()
        number.submit(fn, number, out, api_name="fn")
    async with session_of(demo, gr.Request(username="ann")) as session:
        job = await session.submit("fn", [3], {"index": 7})
        while not isinstance(message := await session.receive(), Completed) or (message.job != job):
            pass
    assert message.data == ["ann:3:7"]


async def test_a_stream_fn_receives_the_request_too() -> None:
    def fn(frame: np.ndarray, request: gr.Request) -> float:
        return float(frame.shape[0]) if request.client.host == "10.0.0.9" else -1.0

    with gr.Blocks() as demo:
        image = gr.Image(sources="webcam", streaming=True)
        image.stream(fn, image, gr.Number(), api_name="live", stream_every=0)
    async with session_of(demo, gr.Request(client_host="10.0.0.9")) as session:
        job = await session.open_stream("live")
        session.send_frame(job, Frame(np.zeros((6, 4, 3), np.uint8), seq=1))
        with anyio.fail_after(10):
            while not isinstance(message := await session.receive(), Output):
                pass
        session.close_stream(job)
    assert message.data == [6]


async def test_a_request_reads_through_to_the_transports_connection() -> None:
    connection = SimpleNamespace(headers={"host": "example"}, url="http://example/")
    request = gr.Request(connection, session_hash="s")
    assert request.url == "http://example/"
    assert request.headers["host"] == "example"
    with pytest.raises(AttributeError, match="nothing"):
        _ = request.nothing


# -- gr.Progress ----------------------------------------------------------------------------


async def test_progress_calls_and_tqdm_loops_become_progress_messages_before_the_end() -> None:
    def work(n: float, progress: gr.Progress = gr.Progress()) -> float:  # noqa: B008 - Gradio's idiom
        progress(0.25, desc="Starting")
        time.sleep(0.15)
        for _ in progress.tqdm(range(3), desc="Steps"):
            time.sleep(0.12)
        return n

    demo, _ = number_app(work)
    async with session_of(demo) as session:
        messages = await run(session, "run", [1])
    updates = [m.progress_data for m in messages if isinstance(m, ProgressUpdate)]
    assert completion(messages).data == [1]
    assert updates[0] == [
        {"index": None, "length": None, "unit": "steps", "progress": 0.25, "desc": "Starting"}
    ]
    steps = [data[0] for data in updates[1:]]
    assert [step["index"] for step in steps] == [0, 1, 2]
    assert {(step["length"], step["desc"]) for step in steps} == {(3, "Steps")}


async def test_progress_is_rate_limited_newest_wins_and_never_follows_the_completion() -> None:
    def busy(n: float, progress: gr.Progress = gr.Progress()) -> float:  # noqa: B008
        for _ in progress.tqdm(range(20000), desc="tight"):
            pass
        progress((5, 10), desc="last")
        time.sleep(0.25)
        return n

    demo, _ = number_app(busy)
    async with session_of(demo) as session:
        messages = await run(session, "run", [2])
        await anyio.sleep(0.3)  # a flush due after the end would have come by now
        with pytest.raises(anyio.WouldBlock):
            session._receive.receive_nowait()
    updates = [m for m in messages if isinstance(m, ProgressUpdate)]
    assert 1 <= len(updates) <= 5
    assert updates[-1].progress_data[-1]["desc"] == "last"
    assert updates[-1].progress_data[-1]["index"] == 5


async def test_progress_in_an_async_fn_and_tqdm_tracked_loops() -> None:
    async def fn(n: float, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> float:  # noqa: B008
        for _ in tqdm.tqdm(range(4), desc="tracked", disable=False):
            await anyio.sleep(0.12)
        return n

    demo, _ = number_app(fn)
    async with session_of(demo) as session:
        messages = await run(session, "run", [3])
    updates = [m.progress_data for m in messages if isinstance(m, ProgressUpdate)]
    assert updates, "tqdm's loop reported nothing"
    assert {(u[0]["desc"], u[0]["length"]) for u in updates} == {("tracked", 4)}
    assert max(u[0]["index"] for u in updates) >= 2


def test_outside_a_call_progress_does_nothing() -> None:
    progress = gr.Progress()
    assert list(progress.tqdm([1, 2])) == [1, 2]
    assert progress(0.5) == 0.5


# -- gr.Info / gr.Warning ---------------------------------------------------------------------


async def test_info_and_warning_reach_the_client_in_order_before_the_outputs() -> None:
    def fn(text: str) -> Any:
        gr.Info("first")
        yield "a"
        gr.Warning("careful", duration=None, title="Heads up")
        gr.Success("yay", visible=False)
        yield "b"

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(fn, box, box, api_name="fn")
    async with session_of(demo) as session:
        messages = await run(session, "fn", ["x"])
    kinds = [
        (m.level, m.log) if isinstance(m, LogMessage) else m.kind
        for m in messages
        if isinstance(m, LogMessage | Output)
    ]
    assert kinds == [
        ("info", "first"),
        "output",
        ("warning", "careful"),
        ("success", "yay"),
        "output",
    ]
    warning = next(m for m in messages if isinstance(m, LogMessage) and m.level == "warning")
    assert (warning.title, warning.duration, warning.visible) == ("Heads up", None, True)
    assert warning.to_dict()["type"] == "log"


async def test_info_from_an_async_fn() -> None:
    async def fn(x: float) -> float:
        gr.Info(f"got {x}", duration=3)
        return x

    demo, _ = number_app(fn)
    async with session_of(demo) as session:
        messages = await run(session, "run", [4])
    logs = [m for m in messages if isinstance(m, LogMessage)]
    assert [(m.log, m.title, m.duration) for m in logs] == [("got 4", "Info", 3)]


def test_outside_a_call_info_prints_and_warning_warns(capsys: pytest.CaptureFixture[str]) -> None:
    gr.Info("hello")
    assert capsys.readouterr().out == "hello\n"
    with pytest.warns(UserWarning, match="watch out"):
        gr.Warning("watch out")


# -- what stays out ------------------------------------------------------------------------------

UNSUPPORTED = [
    "ImageEditor",
    "Sketchpad",
    "Paint",
    "Chatbot",
    "ChatInterface",
    "MultimodalTextbox",
    "Plot",
    "LinePlot",
    "ScatterPlot",
    "BarPlot",
    "Model3D",
]


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_components_raise_at_construction_naming_themselves(name: str) -> None:
    with (
        gr.Blocks(),
        pytest.raises(gr.NotSupportedError, match=rf"gr\.{name} is not supported"),
    ):
        getattr(gr, name)(label="x")


def test_render_and_mcp_are_refused() -> None:
    with pytest.raises(gr.NotSupportedError, match=r"gr\.render is not supported"):
        gr.render(inputs=[])
    with gr.Blocks() as demo:
        gr.Textbox()
    with pytest.raises(gr.NotSupportedError, match=r"mcp_server=True\) is not supported"):
        demo.launch(mcp_server=True, prevent_thread_lock=True, quiet=True)
    assert demo.server is None


def number_app(fn: Any) -> tuple[gr.Blocks, Any]:
    with gr.Blocks() as demo:
        number = gr.Number()
        dep = number.submit(fn, number, number, api_name="run")
    return demo, dep


def test_an_interface_labels_its_inputs_by_the_fns_input_parameters_only() -> None:
    def fn(
        request: gr.Request,
        prompt: str,
        steps: float,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> str:
        return prompt

    demo = gr.Interface(fn, ["textbox", "number"], "textbox")
    assert [c.label for c in demo.input_components] == ["prompt", "steps"]
