"""The sans-I/O WebSocket codec (``transports/protocol.py``): round trips, every error, fuzzing."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcore.media.encoding import to_data_url
from streamcore.messages import Accepted, Completed, Estimation, FrameError, Output, Started
from transports.protocol import (
    PROTOCOL_VERSION,
    Cancel,
    CloseStream,
    FrameData,
    Hello,
    OpenStream,
    Ping,
    Pong,
    ProtocolError,
    Request,
    RtcAnswer,
    RtcOffer,
    ServerError,
    Submit,
    UpdateInputs,
    Upload,
    Uploaded,
    Welcome,
    encode_event,
    encode_request,
    pack_binary,
    parse_event,
    parse_request,
    unpack_binary,
)

JPEG_BYTES = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"


def raises_protocol_error(message: str | bytes, parse: Any = parse_request) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse(message)
    return caught.value


def text(**fields: Any) -> str:
    return json.dumps(fields)


def binary(header: Any, payload: bytes = b"") -> bytes:
    encoded = json.dumps(header).encode()
    return struct.pack(">I", len(encoded)) + encoded + payload


# -- requests: round trips ------------------------------------------------------------------

REQUESTS: list[Request] = [
    Hello(),
    Hello(binary_frames=True, protocol=PROTOCOL_VERSION),
    Submit("r1", "predict", [1, "two", {"path": "/x.png"}, None]),
    Submit("r2", 3, [], event_data={"index": [4, 5], "value": None}),
    OpenStream("r3", "sepia"),
    OpenStream("r4", "sepia", [None, 0.5]),
    FrameData("job-1", JPEG_BYTES, 7),
    FrameData("job-1", b"", None),
    UpdateInputs("job-1", [None, 0.25]),
    CloseStream("job-1"),
    Cancel("job-2"),
    Upload("r5", "photo.png", b"\x89PNG\r\n\x1a\n..."),
    Ping("r6"),
    Ping(),
    RtcOffer("r7", "sepia", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"),
    RtcOffer("r8", 0, "v=0", [None, 3]),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: type(r).__name__)
def test_every_request_round_trips(request_: Request) -> None:
    assert parse_request(encode_request(request_)) == request_


def test_frames_and_uploads_are_binary_and_control_messages_text() -> None:
    for request_ in REQUESTS:
        encoded = encode_request(request_)
        assert isinstance(encoded, bytes) == isinstance(request_, FrameData | Upload)


def test_binary_frame_layout_is_length_header_payload() -> None:
    encoded = encode_request(FrameData("j", b"PAYLOAD", 3))
    assert isinstance(encoded, bytes)
    (length,) = struct.unpack(">I", encoded[:4])
    assert json.loads(encoded[4 : 4 + length]) == {"type": "frame", "job": "j", "seq": 3}
    assert encoded[4 + length :] == b"PAYLOAD"


def test_pack_and_unpack_binary_round_trip() -> None:
    header = {"type": "frame", "job": "é", "seq": 1}
    assert unpack_binary(pack_binary(header, b"\x00\x01")) == (header, b"\x00\x01")
    assert unpack_binary(pack_binary({}, b"")) == ({}, b"")


def test_text_requests_as_the_page_sends_them() -> None:
    assert parse_request(text(type="hello", binary_frames=True)) == Hello(True, 1)
    assert parse_request(text(type="ping")) == Ping(None)
    assert parse_request(text(type="ping", ref=5)) == Ping(None)  # a non-string ref is ignored
    assert parse_request(text(type="submit", ref="a", api_name="/predict", data=[1])) == Submit(
        "a", "/predict", [1]
    )
    assert parse_request(text(type="open_stream", ref="a", api_name="s")) == OpenStream("a", "s")
    assert parse_request(text(type="inputs", job="j", data=[])) == UpdateInputs("j", [])


def test_compat_frame_carries_a_base64_data_url() -> None:
    url = to_data_url(JPEG_BYTES, "image/jpeg")
    request_ = parse_request(text(type="frame", job="j", data=url, seq=4))
    assert request_ == FrameData("j", JPEG_BYTES, 4)
    assert parse_request(text(type="frame", job="j", data=url)) == FrameData("j", JPEG_BYTES)


# -- requests: every error ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code", "text_start"),
    [
        ("not json", "bad_json", "a text message must be a JSON object: Expecting value"),
        ("", "bad_json", "a text message must be a JSON object: Expecting value"),
        ("[1, 2]", "bad_json", "a text message must be a JSON object"),
        ('"hello"', "bad_json", "a text message must be a JSON object"),
        ("null", "bad_json", "a text message must be a JSON object"),
        ("[" * 100_000, "bad_json", "a text message must be a JSON object"),
        (
            text(type="dance"),
            "bad_message",
            "unknown message type 'dance'; expected one of hello, submit, open_stream, frame, "
            "inputs, close_stream, cancel, ping, rtc_offer",
        ),
        (text(), "bad_message", "unknown message type None"),
        (text(type=1), "bad_message", "unknown message type 1"),
        (text(type="submit", api_name="p", data=[]), "bad_message", "'submit' needs a non-empty"),
        (text(type="submit", ref="", api_name="p", data=[]), "bad_message", "'submit' needs"),
        (
            text(type="submit", ref="r", api_name="p"),
            "bad_message",
            "'submit' needs 'data' as a list, one value per input",
        ),
        (
            text(type="submit", ref="r", api_name="p", data={"a": 1}),
            "bad_message",
            "'submit' needs 'data' as a list",
        ),
        (
            text(type="submit", ref="r", data=[]),
            "bad_message",
            "'api_name' must be a non-empty string",
        ),
        (text(type="submit", ref="r", api_name="", data=[]), "bad_message", "'api_name' must"),
        (text(type="submit", ref="r", api_name=True, data=[]), "bad_message", "'api_name' must"),
        (text(type="submit", ref="r", api_name=["p"], data=[]), "bad_message", "'api_name'"),
        (
            text(type="open_stream", ref="r", api_name="s", data="x"),
            "bad_message",
            "'open_stream' needs 'data' as a list",
        ),
        (
            text(type="rtc_offer", ref="r", api_name="s"),
            "bad_message",
            "'rtc_offer' needs a non-empty string 'sdp'",
        ),
        (
            text(type="rtc_offer", ref="r", api_name="s", sdp="v=0", data=7),
            "bad_message",
            "'rtc_offer' needs 'data' as a list",
        ),
        (
            text(type="rtc_offer", ref="r", api_name="s", sdp="v=0", mirror="yes"),
            "bad_message",
            "'rtc_offer' needs 'mirror' to be true or false, not 'yes'",
        ),
        (text(type="hello", protocol="1"), "bad_message", "'protocol' must be an integer"),
        (text(type="hello", protocol=True), "bad_message", "'protocol' must be an integer"),
        (
            text(type="hello", binary_frames="yes"),
            "bad_message",
            "'binary_frames' must be true or false",
        ),
        (text(type="inputs", job="j"), "bad_message", "'inputs' needs 'data' as a list"),
        (text(type="inputs", data=[]), "bad_message", "'inputs' needs a non-empty string 'job'"),
        (text(type="close_stream"), "bad_message", "'close_stream' needs a non-empty string 'job'"),
        (text(type="cancel", job=3), "bad_message", "'cancel' needs a non-empty string 'job'"),
        (text(type="frame", data="data:,"), "bad_message", "'frame' needs a non-empty string"),
        (
            text(type="frame", job="j", data=None),
            "bad_frame",
            "a frame's 'data' must be a data:image/...;base64, URL",
        ),
        (
            text(type="frame", job="j", data="data:image/jpeg,abc"),
            "bad_frame",
            "a frame's data URL must be base64",
        ),
        (
            text(type="frame", job="j", data="data:image/jpeg;base64,@@@"),
            "bad_frame",
            "the base64 payload is not valid base64",
        ),
        (
            text(type="frame", job="j", data=to_data_url(b"x", "image/jpeg"), seq="1"),
            "bad_message",
            "'seq' must be an integer",
        ),
    ],
)
def test_text_request_errors(message: str, code: str, text_start: str) -> None:
    error = raises_protocol_error(message)
    assert (error.code, error.message[: len(text_start)]) == (code, text_start)
    assert str(error) == error.message


@pytest.mark.parametrize(
    ("message", "code", "text_start"),
    [
        (b"", "bad_binary", "a binary message must start with a 4-byte length"),
        (b"\x00\x00\x01", "bad_binary", "a binary message must start with a 4-byte length"),
        (
            struct.pack(">I", 10) + b"{}",
            "bad_binary",
            "the binary header length 10 does not fit the message",
        ),
        (
            struct.pack(">I", 2**32 - 1) + b"{}",
            "bad_binary",
            "the binary header length 4294967295 does not fit the message",
        ),
        (
            struct.pack(">I", 65537) + b" " * 65537,
            "bad_binary",
            "the binary header length 65537 does not fit the message",
        ),
        (struct.pack(">I", 3) + b"{x}", "bad_binary", "the binary header is not JSON: "),
        (struct.pack(">I", 2) + b"\xff\xfe", "bad_binary", "the binary header is not JSON: "),
        (binary([1, 2]), "bad_binary", "the binary header must be a JSON object"),
        (binary("frame"), "bad_binary", "the binary header must be a JSON object"),
        (binary("[" * 30_000), "bad_binary", "the binary header"),
        (
            binary({"type": "video"}),
            "bad_binary",
            "unknown binary message type 'video'; use frame or upload",
        ),
        (binary({"job": "j"}), "bad_binary", "unknown binary message type None"),
        (binary({"type": "frame"}), "bad_message", "'frame' needs a non-empty string 'job'"),
        (binary({"type": "frame", "job": "j", "seq": 1.5}), "bad_message", "'seq' must be an"),
        (binary({"type": "upload", "ref": "r"}), "bad_message", "'upload' needs a non-empty"),
        (binary({"type": "upload", "name": "a.png"}), "bad_message", "'upload' needs a non-empty"),
    ],
)
def test_binary_request_errors(message: bytes, code: str, text_start: str) -> None:
    error = raises_protocol_error(message)
    assert (error.code, error.message[: len(text_start)]) == (code, text_start)


def test_errors_name_the_request_they_answer() -> None:
    error = raises_protocol_error(text(type="submit", ref="r9", api_name="p", data=5))
    assert (error.ref, error.job) == ("r9", None)
    error = raises_protocol_error(text(type="dance", ref="r8"))
    assert error.ref == "r8"
    error = raises_protocol_error(text(type="frame", job="j3", data="nope"))
    assert (error.ref, error.job) == (None, "j3")
    error = raises_protocol_error(binary({"type": "frame", "job": "j4", "seq": "x"}))
    assert error.job == "j4"
    error = raises_protocol_error(binary({"type": "upload", "ref": "r7"}))
    assert error.ref == "r7"


# -- events: round trips -----------------------------------------------------------------------

EVENTS: list[Any] = [
    Welcome("s1", PROTOCOL_VERSION, {"max_message_bytes": 10, "max_pixels": 5, "idle_timeout": 1}),
    Welcome("s2", PROTOCOL_VERSION, {}, worker="0a1b2c3d"),
    Uploaded("r1", "/tmp/streamcore/abc/photo.png"),
    Pong("r2"),
    Pong(),
    RtcAnswer("j1", "v=0\r\n"),
    ServerError("unknown_api", "there is no api_name 'x'", ref="r3"),
    ServerError("unknown_job", "there is no running job", job="j1"),
    Accepted("j1", "r1"),
    Estimation("j1", 0, 3),
    Started("j1", 5.0),
    Started("j1"),
    Output("j1", [{"url": "data:image/jpeg;base64,AAAA"}, 3], 4, 1.5),
    Output("j1", [None]),
    Output("j1", [None], 5, 2.0, received=12, replaced=4),
    FrameError("j1", 9, {"type": "ImageDecodeError", "message": "bad", "title": "Bad frame"}),
    Completed("j1", "done", data=[1]),
    Completed(
        "j1",
        "error",
        success=False,
        error={"type": "Error", "message": "boom", "title": "Error"},
    ),
    Completed(
        "j1",
        "validation",
        success=False,
        validation=[{"parameter_name": "x", "is_valid": False, "message": "no"}],
    ),
    Completed("j1", "closed", stats={"received": 3, "processed": 2, "latency_ms_p50": 1.0}),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_round_trips(event: Any) -> None:
    encoded = encode_event(event)
    assert isinstance(encoded, str)
    assert parse_event(encoded) == event


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (Welcome("s", 1, {}), "welcome"),
        (Uploaded("r", "p"), "uploaded"),
        (Pong(), "pong"),
        (RtcAnswer("j", "v=0"), "rtc_answer"),
        (ServerError("bad_json", "m"), "error"),
        (Accepted("j", "r"), "accepted"),
        (Estimation("j", 0, 1), "estimation"),
        (Started("j"), "started"),
        (Output("j", []), "output"),
        (FrameError("j", 0, {}), "frame_error"),
        (Completed("j", "done"), "completed"),
    ],
)
def test_events_carry_their_documented_type(event: Any, kind: str) -> None:
    encoded = encode_event(event)
    assert isinstance(encoded, str)
    assert json.loads(encoded)["type"] == kind


@pytest.mark.parametrize(("data", "index"), [([None, 0.5], 0), ([None, None], 1), ([0.5, None], 1)])
def test_binary_output_carries_the_image_as_payload_and_names_its_output(
    data: list[object], index: int
) -> None:
    event = Output("j", data, 3, 2.25, JPEG_BYTES, "image/jpeg", index)
    encoded = encode_event(event, binary_frames=True)
    assert isinstance(encoded, bytes)
    header, payload = unpack_binary(encoded)
    assert header == {
        "type": "output",
        "job": "j",
        "seq": 3,
        "latency_ms": 2.25,
        "data": data,
        "index": index,
        "mime": "image/jpeg",
    }
    assert payload == JPEG_BYTES
    assert parse_event(encoded) == event


def test_a_stream_output_carries_its_frame_counts_in_json_and_binary() -> None:
    event = Output("j", [None], 3, 2.0, JPEG_BYTES, "image/jpeg", 0, None, 10, 4)
    header, _ = unpack_binary(encode_event(event, binary_frames=True))
    assert (header["received"], header["replaced"]) == (10, 4)
    assert parse_event(encode_event(event, binary_frames=True)) == event
    decoded = json.loads(encode_event(event))
    assert (decoded["received"], decoded["replaced"]) == (10, 4)
    parsed = parse_event(encode_event(event))
    assert isinstance(parsed, Output)
    assert (parsed.received, parsed.replaced) == (10, 4)
    # a call's output has no counts, and an older server's or malformed counts read as none
    assert "received" not in json.loads(encode_event(Output("j", [1])))
    malformed = (
        {"received": 3},
        {"received": -1, "replaced": 0},
        {"received": True, "replaced": 0},
    )
    for counts in malformed:
        message = json.dumps({"type": "output", "job": "j", "data": [], **counts})
        parsed = parse_event(message)
        assert isinstance(parsed, Output)
        assert (parsed.received, parsed.replaced) == (None, None)


def test_a_binary_output_without_a_valid_index_is_refused() -> None:
    for header in ({"index": 2}, {"index": None}, {"index": True}, {}):
        message = pack_binary({"type": "output", "job": "j", "data": [None], **header}, b"x")
        with pytest.raises(ProtocolError, match="'index'"):
            parse_event(message)


def test_frame_bytes_become_a_data_url_at_their_output_without_binary_mode() -> None:
    with_frame = Output("j", [7, None], 1, 1.0, JPEG_BYTES, "image/jpeg", 1)
    decoded = json.loads(encode_event(with_frame))
    assert decoded["data"][0] == 7
    assert decoded["data"][1]["url"] == to_data_url(JPEG_BYTES, "image/jpeg")
    assert "frame" not in decoded
    assert isinstance(encode_event(Output("j", [1], 1), binary_frames=True), str)


def test_numpy_values_in_events_become_json() -> None:
    import numpy as np

    encoded = encode_event(Output("j", [np.arange(3), np.float64(0.5)]))
    assert json.loads(encoded)["data"] == [[0, 1, 2], 0.5]


# -- events: every error -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code", "text_start"),
    [
        ("nope", "bad_json", "the server sent a message that is not JSON"),
        ("[" * 100_000, "bad_json", "the server sent a message that is not JSON"),
        ("[]", "bad_json", "the server sent a message that is not a JSON object"),
        (text(type="mystery"), "bad_message", "unknown message type 'mystery' from the server"),
        (text(job="j"), "bad_message", "unknown message type None from the server"),
        (text(type="welcome"), "bad_message", "malformed 'welcome' message from the server"),
        (text(type="accepted", job="j"), "bad_message", "malformed 'accepted' message"),
        (text(type="error", code="x"), "bad_message", "malformed 'error' message"),
        (text(type="estimation", job="j", rank=0), "bad_message", "malformed 'estimation'"),
        (text(type="started"), "bad_message", "malformed 'started' message"),
        (text(type="output", job="j"), "bad_message", "malformed 'output' message"),
        (text(type="frame_error", job="j"), "bad_message", "malformed 'frame_error' message"),
        (text(type="completed", job="j"), "bad_message", "malformed 'completed' message"),
        (
            text(type="completed", job="j", reason="done", colour="red"),
            "bad_message",
            "malformed 'completed' message",
        ),
        (text(type="uploaded", ref="r"), "bad_message", "malformed 'uploaded' message"),
        (text(type="rtc_answer", job="j"), "bad_message", "malformed 'rtc_answer' message"),
        (b"\x00", "bad_binary", "a binary message must start with a 4-byte length"),
        (binary({"type": "frame"}), "bad_binary", "unexpected binary message 'frame'"),
        (binary({"type": "output"}), "bad_binary", "a binary output needs 'job'"),
        (binary({"type": "output", "job": "j", "data": 5}), "bad_binary", "a binary output"),
        (
            binary({"type": "output", "job": "j", "data": [], "seq": "1"}),
            "bad_binary",
            "a binary output",
        ),
    ],
)
def test_event_errors(message: str | bytes, code: str, text_start: str) -> None:
    error = raises_protocol_error(message, parse_event)
    assert (error.code, error.message[: len(text_start)]) == (code, text_start)


# -- fuzzing --------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
REQUEST_TYPES = ["hello", "submit", "open_stream", "frame", "inputs", "close_stream", "cancel"]
REQUEST_TYPES += ["rtc_offer"]
REQUEST_FIELDS = ["ref", "api_name", "data", "event_data", "job", "seq", "binary_frames", "sdp"]
EVENT_TYPES = ["welcome", "accepted", "uploaded", "estimation", "started", "output", "completed"]
EVENT_TYPES += ["rtc_answer"]
EVENT_FIELDS = ["job", "ref", "session", "protocol", "limits", "path", "rank", "queue_size"]
EVENT_FIELDS += ["time_limit", "data", "seq", "latency_ms", "reason", "success", "error", "code"]
EVENT_FIELDS += ["sdp", "message", "validation", "stats"]


def json_objects(types: list[str], fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with a plausible (or random) ``type`` and plausible (or random) fields."""
    kinds = st.sampled_from([*types, "ping", "pong", "error", "frame_error"]) | json_values
    extra = st.dictionaries(st.sampled_from(fields) | st.text(max_size=8), json_values)
    return st.builds(lambda kind, rest: {**rest, "type": kind}, kinds, extra)


def refusal(parse: Any, message: str | bytes) -> ProtocolError | None:
    """What ``parse`` raised (only ever a :class:`ProtocolError`), ``None`` if it parsed."""
    try:
        parse(message)
    except ProtocolError as exc:
        return exc
    return None


def parses_or_refuses(parse: Any, message: str | bytes) -> None:
    error = refusal(parse, message)
    if error is not None:
        assert error.code in {"bad_json", "bad_message", "bad_binary", "bad_frame"}
        assert error.message


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_parse_request_bytes(message: bytes) -> None:
    parses_or_refuses(parse_request, message)


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_parse_request_text(message: str) -> None:
    parses_or_refuses(parse_request, message)


@FUZZ
@given(json_objects(REQUEST_TYPES, REQUEST_FIELDS))
def test_fuzz_parse_request_json_objects(obj: dict[str, Any]) -> None:
    parses_or_refuses(parse_request, json.dumps(obj))


@FUZZ
@given(
    st.builds(
        lambda kind, rest: {**rest, "type": kind},
        st.sampled_from(["frame", "upload"]) | json_values,
        st.dictionaries(st.sampled_from(["job", "seq", "ref", "name"]), json_values),
    ),
    st.binary(max_size=32),
)
def test_fuzz_parse_request_binary_headers(header: dict[str, Any], payload: bytes) -> None:
    parses_or_refuses(parse_request, pack_binary(header, payload))


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_parse_event_bytes(message: bytes) -> None:
    parses_or_refuses(parse_event, message)


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_parse_event_text(message: str) -> None:
    parses_or_refuses(parse_event, message)


@FUZZ
@given(json_objects(EVENT_TYPES, EVENT_FIELDS))
def test_fuzz_parse_event_json_objects(obj: dict[str, Any]) -> None:
    parses_or_refuses(parse_event, json.dumps(obj))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["type", "job", "seq", "latency_ms", "data", "index", "mime"]),
        json_values,
    ),
    st.binary(max_size=32),
)
def test_fuzz_parse_event_binary_headers(header: dict[str, Any], payload: bytes) -> None:
    parses_or_refuses(parse_event, pack_binary({"type": "output", **header}, payload))


@FUZZ
@given(st.binary(max_size=100))
def test_fuzz_unpack_binary(message: bytes) -> None:
    error = refusal(unpack_binary, message)
    if error is None:
        header, payload = unpack_binary(message)
        assert isinstance(header, dict)
        assert message.endswith(payload)
    else:
        assert error.code == "bad_binary"


@FUZZ
@given(st.integers(0, 2**32 - 1), st.binary(max_size=64))
def test_fuzz_unpack_binary_with_any_length_prefix(length: int, rest: bytes) -> None:
    error = refusal(unpack_binary, struct.pack(">I", length) + rest)
    assert error is None or error.code == "bad_binary"


@FUZZ
@given(json_objects(REQUEST_TYPES, REQUEST_FIELDS))
def test_fuzz_a_parsed_request_encodes_back_to_itself(obj: dict[str, Any]) -> None:
    try:
        request_ = parse_request(json.dumps(obj))
    except ProtocolError:
        return
    assert parse_request(encode_request(request_)) == request_
