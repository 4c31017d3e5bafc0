"""How a session's observer (``transports/metrics.py``) counts a stream's frames, driven
message by message: orders a live stream produces only by a race (a frame replaced at the
fn turn, after the wait) are written down here."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import streamcore as gr
from streamcore.app.runtime import AppRuntime
from streamcore.messages import Completed, Output, Started
from transports.metrics import ServerMetrics

pytestmark = pytest.mark.anyio

EVENT = {"api_name": "echo", "transport": "websocket"}


def demo() -> gr.Blocks:
    with gr.Blocks() as app:
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(lambda image: image, camera, out, stream_every=0, api_name="echo")
    return app


def dropped(metrics: ServerMetrics, reason: str) -> float:
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == "streamcore_frames_dropped_total" and sample.labels == {
                **EVENT,
                "reason": reason,
            }:
                return float(sample.value)
    return 0.0


def completed(replaced: int, dropped_in_all: int) -> Completed:
    stats: dict[str, Any] = {
        "received": 5,
        "processed": 2,
        "dropped": dropped_in_all,
        "replaced": replaced,
        "outputs_dropped": 0,
    }
    return Completed("job", "closed", stats=stats)


async def test_frames_replaced_at_the_fn_turn_count_as_replaced_not_at_the_end() -> None:
    metrics = ServerMetrics(AppRuntime(demo()))
    observer = metrics.observer("websocket")
    observer.job("job", "echo", stream=True, video=False)
    observer.message(Started("job"))
    for replaced in (False, True, False, False, False):  # one replaced as it was offered
        observer.frame("job", replaced)
    assert dropped(metrics, "replaced") == 1

    # the output's count also has a frame replaced while its stream waited for the fn turn
    observer.message(Output("job", [None], seq=3, received=5, replaced=2))
    assert dropped(metrics, "replaced") == 2
    observer.message(Output("job", [None], seq=4, received=5, replaced=2))  # no new one
    assert dropped(metrics, "replaced") == 2

    # the completion's figures: 3 replaced in all (one more at the last turn), 4 dropped:
    # the fourth is the frame left unprocessed in the slot at the end
    observer.message(completed(replaced=3, dropped_in_all=4))
    assert dropped(metrics, "replaced") == 3
    assert dropped(metrics, "unprocessed_at_end") == 1


async def test_an_output_behind_the_frames_counted_takes_nothing_back() -> None:
    metrics = ServerMetrics(AppRuntime(demo()))
    observer = metrics.observer("websocket")
    observer.job("job", "echo", stream=True, video=False)
    for replaced in (True, True, True):
        observer.frame("job", replaced)
    # an output built before the last two replacements reached the observer
    observer.message(Output("job", [None], seq=0, received=2, replaced=1))
    assert dropped(metrics, "replaced") == 3
    observer.message(completed(replaced=3, dropped_in_all=3))
    assert dropped(metrics, "replaced") == 3
    assert dropped(metrics, "unprocessed_at_end") == 0
