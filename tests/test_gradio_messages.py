"""transports.gradio_messages: session messages to Gradio's sse_v3 events, sans-I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gradio_client.utils import apply_diff

from streamcore.app.event_values import HIDDEN_ERROR
from streamcore.messages import Accepted, Completed, Estimation, FrameError, Output, Started
from transports.gradio_messages import (
    EventTranslator,
    call_event,
    gradio_config_keys,
    sse_event,
    value_diff,
    with_file_urls,
)

ROOT = "http://h:1/gradio_api/file="
FILE = {"path": "/c/a b.png", "url": None, "meta": {"_type": "gradio.FileData"}}


def accepted(translator: EventTranslator, job: str = "j", event: str = "e") -> None:
    assert translator.translate(Accepted(job, event)) is None


def test_config_keys_name_a_gradio_6_sse_v3_server() -> None:
    keys = gradio_config_keys()
    assert (keys["version"], keys["protocol"], keys["api_prefix"]) == (
        "6.31.0",
        "sse_v3",
        "/gradio_api",
    )


def test_sse_event_frames_one_json_message() -> None:
    assert sse_event({"msg": "heartbeat"}) == b'data: {"msg": "heartbeat"}\n\n'


def test_file_urls_are_added_to_file_data_only() -> None:
    value = [FILE, {"nested": [FILE]}, {"path": "/x", "meta": {}}, "text", None]
    url = ROOT + "/c/a%20b.png"
    assert with_file_urls(value, ROOT) == [
        {**FILE, "url": url},
        {"nested": [{**FILE, "url": url}]},
        {"path": "/x", "meta": {}},
        "text",
        None,
    ]
    kept = {**FILE, "url": "data:image/png;base64,AA"}
    assert with_file_urls(kept, ROOT) == kept


def test_messages_of_unknown_jobs_are_dropped() -> None:
    translator = EventTranslator(ROOT)
    assert translator.translate(Started("other")) is None
    accepted(translator)
    assert translator.translate(FrameError("j", 1, {})) is None


def test_a_generator_first_output_whole_then_diffs_then_completed() -> None:
    translator = EventTranslator(ROOT)
    accepted(translator)
    assert translator.translate(Estimation("j", 2, 5, 1.5)) == {
        "msg": "estimation",
        "event_id": "e",
        "rank": 2,
        "queue_size": 5,
        "rank_eta": 1.5,
    }
    assert translator.translate(Started("j")) == {
        "msg": "process_starts",
        "event_id": "e",
        "eta": None,
    }
    first = translator.translate(Output("j", ["a", FILE]))
    assert first is not None
    assert first["output"]["data"] == ["a", {**FILE, "url": ROOT + "/c/a%20b.png"}]
    second = translator.translate(Output("j", ["ab", None]))
    assert second is not None
    assert second["output"]["data"] == [[["append", [], "b"]], [["replace", [], None]]]
    third = translator.translate(Output("j", ["ab", None]))
    assert third is not None
    assert third["output"]["data"] == [[], []]  # nothing changed
    done = translator.translate(Completed("j", "done", data=["ab", None]))
    assert done == {
        "msg": "process_completed",
        "event_id": "e",
        "success": True,
        "output": {"data": ["ab", None], "is_generating": False},
    }
    assert translator.translate(Output("j", ["late"])) is None  # the job is forgotten


def test_errors_carry_message_title_duration_visible() -> None:
    translator = EventTranslator(ROOT)
    accepted(translator)
    error = {"type": "Error", "message": "no", "title": "T", "duration": 3, "visible": False}
    completed = translator.translate(Completed("j", "error", success=False, error=error))
    assert completed is not None
    assert (completed["success"], completed["output"]) == (
        False,
        {"error": "no", "title": "T", "duration": 3, "visible": False},
    )


def test_validation_and_cancellation_are_unsuccessful_with_a_reason() -> None:
    translator = EventTranslator(ROOT)
    accepted(translator, "v", "ev")
    refused = [
        {"parameter_name": "x", "is_valid": False, "message": "too big"},
        {"parameter_name": "y", "is_valid": True, "message": ""},
    ]
    completed = translator.translate(
        Completed("v", "validation", success=False, validation=refused)
    )
    assert completed is not None
    assert completed["output"]["error"] == "x: too big"
    accepted(translator, "c", "ec")
    cancelled = translator.translate(Completed("c", "cancelled"))
    assert cancelled is not None
    assert (cancelled["success"], cancelled["output"]["error"]) == (
        False,
        "the call was cancelled",
    )
    assert json.loads(sse_event(cancelled)[6:]) == cancelled


DIFF_CASES: list[tuple[Any, Any]] = [
    ("step", "steps"),
    ("abc", "xbc"),
    (1, 1.5),
    (None, {"path": "/a"}),
    ([1, 2, 3], [1, 5]),
    ([1], [1, 2, 3]),
    ([[1, 2], "a"], [[1], "ab"]),
    ({"a": 1, "b": [1, 2]}, {"b": [2, 2, 3], "c": None}),
    (FILE, {**FILE, "path": "/c/other.png", "url": ROOT + "x"}),
    ([{"label": "cat", "confidences": [1, 2]}], [{"label": "dog", "confidences": [2]}]),
    ("same", "same"),
]


@pytest.mark.parametrize(("old", "new"), DIFF_CASES)
def test_value_diff_is_what_gradio_client_applies_to_rebuild_the_new_value(
    old: Any, new: Any
) -> None:
    edits = value_diff(old, new)
    assert apply_diff(old, edits) == new
    assert json.loads(json.dumps(edits)) == edits  # plain JSON on the wire


def test_value_diff_kinds() -> None:
    assert value_diff("ab", "ab") == []
    assert value_diff("ab", "abc") == [["append", [], "c"]]
    assert value_diff([1, 2, 3], [1]) == [["delete", [1], None], ["delete", [1], None]]
    assert value_diff({"a": 1}, {"a": 2, "b": 3}) == [["replace", ["a"], 2], ["add", ["b"], 3]]


def test_without_diffs_every_yield_is_whole() -> None:
    translator = EventTranslator(ROOT, diffs=False)
    accepted(translator)
    for text in ("a", "ab"):
        message = translator.translate(Output("j", [text]))
        assert message is not None
        assert message["output"]["data"] == [text]


def test_a_hidden_error_is_null_as_gradio_sends_it() -> None:
    translator = EventTranslator(ROOT)
    accepted(translator)
    error = {"type": "Exception", "message": HIDDEN_ERROR, "title": "Error", "hidden": True}
    completed = translator.translate(Completed("j", "error", success=False, error=error))
    assert completed is not None
    assert completed["output"] == {"error": None}


def test_call_events_are_the_simple_form_curl_users_read() -> None:
    generating = {
        "msg": "process_generating",
        "event_id": "e",
        "success": True,
        "output": {"data": ["a"], "is_generating": True},
    }
    assert call_event(generating) == b'event: generating\ndata: ["a"]\n\n'
    completed = {**generating, "msg": "process_completed", "output": {"data": ["ab"]}}
    assert call_event(completed) == b'event: complete\ndata: ["ab"]\n\n'
    failed = {"msg": "process_completed", "success": False, "output": {"error": "no"}}
    assert call_event(failed) == b'event: error\ndata: "no"\n\n'
    assert call_event({"msg": "heartbeat"}) == b"event: heartbeat\ndata: null\n\n"
    assert call_event({"msg": "process_starts", "event_id": "e"}) is None
    assert call_event({"msg": "close_stream", "event_id": None}) is None
