"""The WebSocket message codec: sans-I/O, so it is tested and fuzzed without a socket.

Server side: :func:`parse_request` turns one received message (text or bytes) into a
typed request or raises :class:`ProtocolError`; :func:`encode_event` formats what the
server sends. Client side: :func:`encode_request` and :func:`parse_event` do the reverse.
``docs/protocol.md`` is the specification.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field, replace
from typing import Any

from streamcore.errors import ImageDecodeError, ProtocolError
from streamcore.media.encoding import b64decode, to_data_url
from streamcore.media.image_data import ImageData
from streamcore.messages import (
    Accepted,
    Completed,
    Estimation,
    FrameError,
    LogMessage,
    Message,
    Output,
    ProgressUpdate,
    Started,
)

__all__ = [
    "PROTOCOL_VERSION",
    "Cancel",
    "CloseStream",
    "ControlEvent",
    "FrameData",
    "Hello",
    "OpenStream",
    "Ping",
    "Pong",
    "ProtocolError",
    "Request",
    "RtcAnswer",
    "RtcOffer",
    "ServerError",
    "Submit",
    "UpdateInputs",
    "Upload",
    "Uploaded",
    "Welcome",
    "encode_event",
    "encode_request",
    "json_default",
    "pack_binary",
    "parse_event",
    "parse_request",
    "unpack_binary",
]

PROTOCOL_VERSION = 1
_HEADER_LENGTH = struct.Struct(">I")
_MAX_HEADER = 64 * 1024


# -- requests (client -> server) -----------------------------------------------------------


@dataclass(frozen=True)
class Hello:
    binary_frames: bool = False
    protocol: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class Submit:
    ref: str
    api_name: str | int
    data: list[Any]
    event_data: Any = None


@dataclass(frozen=True)
class OpenStream:
    ref: str
    api_name: str | int
    data: list[Any] | None = None


@dataclass(frozen=True)
class FrameData:
    job: str
    data: bytes = field(repr=False)
    seq: int | None = None


@dataclass(frozen=True)
class UpdateInputs:
    job: str
    data: list[Any]


@dataclass(frozen=True)
class CloseStream:
    job: str


@dataclass(frozen=True)
class Cancel:
    job: str


@dataclass(frozen=True)
class Upload:
    ref: str
    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Ping:
    ref: str | None = None


@dataclass(frozen=True)
class RtcOffer:
    """Open a stream event carried over WebRTC: the offer's video track brings the frames."""

    ref: str
    api_name: str | int
    sdp: str = field(repr=False)
    data: list[Any] | None = None
    mirror: bool = False
    """Flip each frame left to right before the fn sees it: a page whose camera preview is
    mirrored (``webcam_options.mirror``) sends the camera's own track and asks for this, so
    that the fn gets what the WebSocket mode sends (the mirrored picture)."""


Request = (
    Hello
    | Submit
    | OpenStream
    | FrameData
    | UpdateInputs
    | CloseStream
    | Cancel
    | Upload
    | Ping
    | RtcOffer
)


# -- control events (server -> client) -------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    session: str
    protocol: int
    limits: dict[str, Any]
    worker: str | None = None
    """The id of the server process serving the session (:mod:`transports.worker_id`);
    ``None`` from a server that does not send one."""


@dataclass(frozen=True)
class Uploaded:
    ref: str
    path: str


@dataclass(frozen=True)
class Pong:
    ref: str | None = None


@dataclass(frozen=True)
class RtcAnswer:
    """The server's answer to an ``rtc_offer``: the stream's job and the answer SDP."""

    job: str
    sdp: str = field(repr=False)


@dataclass(frozen=True)
class ServerError:
    code: str
    message: str
    ref: str | None = None
    job: str | None = None


ControlEvent = Welcome | Uploaded | Pong | RtcAnswer | ServerError


# -- binary framing ---------------------------------------------------------------------------


def pack_binary(header: dict[str, Any], payload: bytes) -> bytes:
    """``4-byte big-endian header length | JSON header | payload``."""
    encoded = json.dumps(header, separators=(",", ":")).encode()
    return _HEADER_LENGTH.pack(len(encoded)) + encoded + payload


def unpack_binary(message: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a binary message; raises :class:`ProtocolError` (``bad_binary``)."""
    if len(message) < _HEADER_LENGTH.size:
        raise ProtocolError("bad_binary", "a binary message must start with a 4-byte length")
    (length,) = _HEADER_LENGTH.unpack_from(message)
    end = _HEADER_LENGTH.size + length
    if length > _MAX_HEADER or end > len(message):
        raise ProtocolError(
            "bad_binary", f"the binary header length {length} does not fit the message"
        )
    try:
        header = json.loads(message[_HEADER_LENGTH.size : end])
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
        raise ProtocolError("bad_binary", f"the binary header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("bad_binary", "the binary header must be a JSON object")
    return header, message[end:]


# -- server side --------------------------------------------------------------------------------


def parse_request(message: str | bytes) -> Request:
    """The request in one message from a client. Raises :class:`ProtocolError`."""
    if isinstance(message, bytes):
        header, payload = unpack_binary(message)
        return _binary_request(header, payload)
    try:
        obj = json.loads(message)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
        raise ProtocolError("bad_json", f"a text message must be a JSON object: {exc}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_json", "a text message must be a JSON object")
    return _text_request(obj)


def _binary_request(header: dict[str, Any], payload: bytes) -> Request:
    kind = header.get("type")
    if kind == "frame":
        return FrameData(_str(header, "job"), payload, _optional_int(header, "seq"))
    if kind == "upload":
        name = _str(header, "name", ref=header.get("ref"))
        return Upload(_str(header, "ref"), name, payload)
    raise ProtocolError("bad_binary", f"unknown binary message type {kind!r}; use frame or upload")


def _text_request(obj: dict[str, Any]) -> Request:
    kind = obj.get("type")
    ref = obj.get("ref") if isinstance(obj.get("ref"), str) else None
    if kind == "hello":
        binary_frames = obj.get("binary_frames", False)
        if not isinstance(binary_frames, bool):
            raise ProtocolError("bad_message", "'binary_frames' must be true or false")
        return Hello(binary_frames, _int(obj, "protocol", 1))
    if kind == "submit":
        return Submit(
            _str(obj, "ref"), _api_name(obj, ref), _list(obj, "data", ref), obj.get("event_data")
        )
    if kind == "open_stream":
        data = obj.get("data")
        return OpenStream(
            _str(obj, "ref"), _api_name(obj, ref), None if data is None else _list(obj, "data", ref)
        )
    if kind == "frame":
        job = _str(obj, "job")
        return FrameData(job, _data_url_bytes(obj.get("data"), job), _optional_int(obj, "seq"))
    if kind == "inputs":
        return UpdateInputs(_str(obj, "job"), _list(obj, "data", None))
    if kind == "close_stream":
        return CloseStream(_str(obj, "job"))
    if kind == "cancel":
        return Cancel(_str(obj, "job"))
    if kind == "ping":
        return Ping(ref)
    if kind == "rtc_offer":
        data = obj.get("data")
        mirror = obj.get("mirror", False)
        if not isinstance(mirror, bool):
            raise ProtocolError(
                "bad_message",
                f"'rtc_offer' needs 'mirror' to be true or false, not {mirror!r:.40}",
                ref=ref if isinstance(ref, str) else None,
            )
        return RtcOffer(
            _str(obj, "ref"),
            _api_name(obj, ref),
            _str(obj, "sdp", ref=ref),
            None if data is None else _list(obj, "data", ref),
            mirror,
        )
    raise ProtocolError(
        "bad_message",
        f"unknown message type {kind!r}; expected one of hello, submit, open_stream, frame, "
        "inputs, close_stream, cancel, ping, rtc_offer",
        ref=ref,
    )


def _str(obj: dict[str, Any], key: str, *, ref: Any = None) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(
            "bad_message",
            f"{obj.get('type')!r} needs a non-empty string {key!r}",
            ref=ref if isinstance(ref, str) else None,
        )
    return value


def _int(obj: dict[str, Any], key: str, default: int) -> int:
    value = obj.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError("bad_message", f"{key!r} must be an integer")
    return value


def _optional_int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError("bad_message", f"{key!r} must be an integer", job=obj.get("job"))
    return value


def _list(obj: dict[str, Any], key: str, ref: str | None) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise ProtocolError(
            "bad_message",
            f"{obj.get('type')!r} needs {key!r} as a list, one value per input",
            ref=ref,
        )
    return value


def _api_name(obj: dict[str, Any], ref: str | None) -> str | int:
    value = obj.get("api_name")
    if (isinstance(value, str) and value) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return value
    raise ProtocolError("bad_message", "'api_name' must be a non-empty string", ref=ref)


def _data_url_bytes(value: Any, job: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("data:") or "," not in value:
        raise ProtocolError(
            "bad_frame", "a frame's 'data' must be a data:image/...;base64, URL", job=job
        )
    header, _, payload = value.partition(",")
    if not header.endswith(";base64"):
        raise ProtocolError("bad_frame", "a frame's data URL must be base64", job=job)
    try:
        return b64decode(payload)
    except ImageDecodeError as exc:
        raise ProtocolError("bad_frame", str(exc), job=job) from None


def encode_event(event: Message | ControlEvent, *, binary_frames: bool = False) -> str | bytes:
    """The message to send for ``event``.

    A stream output whose image travels as bytes (``event.frame``) goes out binary when
    ``binary_frames``, its header naming the output it belongs to (``index``); otherwise the
    bytes become a ``data:`` URL at that output, so a client that switched modes with a
    second ``hello`` never loses an image.
    """
    if isinstance(event, Output) and event.frame is not None:
        if binary_frames:
            header = {
                "type": "output",
                "job": event.job,
                "seq": event.seq,
                "latency_ms": event.latency_ms,
                "data": event.data,
                "index": event.frame_index,
                "mime": event.frame_mime,
                **_frame_counts(event),
            }
            return pack_binary(header, event.frame)
        event = _with_inline_frame(event)
    return json.dumps(_event_dict(event), separators=(",", ":"), default=json_default)


def _with_inline_frame(event: Output) -> Output:
    """``event`` with its frame bytes put back into ``data`` as a ``data:`` URL."""
    mime = event.frame_mime or "image/jpeg"
    assert event.frame is not None
    assert event.frame_index is not None
    data = list(event.data)
    data[event.frame_index] = ImageData(
        url=to_data_url(event.frame, mime), mime_type=mime
    ).to_dict()
    return replace(event, data=data, frame=None, frame_mime=None, frame_index=None)


def _frame_counts(event: Output) -> dict[str, int]:
    """A stream output's ``received`` and ``replaced`` counts (nothing for a call's)."""
    if event.received is None or event.replaced is None:
        return {}
    return {"received": event.received, "replaced": event.replaced}


def _event_dict(event: Message | ControlEvent) -> dict[str, Any]:
    if isinstance(event, Output):
        return {
            "type": "output",
            "job": event.job,
            "data": event.data,
            "seq": event.seq,
            "latency_ms": event.latency_ms,
            **_frame_counts(event),
        }
    if isinstance(event, Message):
        return event.to_dict()
    kinds = {Welcome: "welcome", Uploaded: "uploaded", Pong: "pong", RtcAnswer: "rtc_answer"}
    kind = kinds.get(type(event), "error")
    return {"type": kind, **event.__dict__}


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)`` for values of apps: ``to_dict()``, arrays, else ``str``."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


# -- client side --------------------------------------------------------------------------------


def encode_request(request: Request) -> str | bytes:
    """The message a client sends for ``request`` (frames and uploads are binary)."""
    if isinstance(request, FrameData):
        return pack_binary({"type": "frame", "job": request.job, "seq": request.seq}, request.data)
    if isinstance(request, Upload):
        return pack_binary(
            {"type": "upload", "ref": request.ref, "name": request.name}, request.data
        )
    kinds = {
        Hello: "hello",
        Submit: "submit",
        OpenStream: "open_stream",
        UpdateInputs: "inputs",
        CloseStream: "close_stream",
        Cancel: "cancel",
        Ping: "ping",
        RtcOffer: "rtc_offer",
    }
    return json.dumps({"type": kinds[type(request)], **request.__dict__}, default=json_default)


def parse_event(message: str | bytes) -> Message | ControlEvent:
    """What one server message says. Raises :class:`ProtocolError` on a malformed one."""
    if isinstance(message, bytes):
        header, payload = unpack_binary(message)
        if header.get("type") != "output":
            raise ProtocolError("bad_binary", f"unexpected binary message {header.get('type')!r}")
        return _binary_output(header, payload)
    try:
        obj = json.loads(message)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(
            "bad_json", f"the server sent a message that is not JSON: {exc}"
        ) from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_json", "the server sent a message that is not a JSON object")
    return _server_event(obj)


def _binary_output(header: dict[str, Any], payload: bytes) -> Output:
    job, data, seq = header.get("job"), header.get("data", []), header.get("seq")
    latency, mime, index = header.get("latency_ms"), header.get("mime"), header.get("index")
    if not (
        isinstance(job, str)
        and isinstance(data, list)
        and (seq is None or (isinstance(seq, int) and not isinstance(seq, bool)))
        and (
            latency is None or (isinstance(latency, int | float) and not isinstance(latency, bool))
        )
        and (mime is None or isinstance(mime, str))
        and isinstance(index, int)
        and not isinstance(index, bool)
        and 0 <= index < len(data)
    ):
        raise ProtocolError(
            "bad_binary",
            "a binary output needs 'job' (a string), 'data' (a list), 'seq' (an integer), "
            "'latency_ms' (a number), 'mime' (a string) and 'index' (the position in 'data' "
            "of the output the image belongs to)",
        )
    received, replaced = _counts_of(header)
    return Output(job, data, seq, latency, payload, mime, index, None, received, replaced)


def _counts_of(obj: dict[str, Any]) -> tuple[int | None, int | None]:
    """An output's ``received`` and ``replaced`` (``None`` when absent or not counts: an
    older server, or a call's output)."""
    received, replaced = obj.get("received"), obj.get("replaced")
    if _is_count(received) and _is_count(replaced):
        return received, replaced
    return None, None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _server_event(obj: dict[str, Any]) -> Message | ControlEvent:
    kind = obj.pop("type", None)
    try:
        if kind == "welcome":
            worker = obj.get("worker")
            return Welcome(
                obj["session"],
                obj["protocol"],
                obj.get("limits", {}),
                worker if isinstance(worker, str) else None,
            )
        if kind == "accepted":
            return Accepted(obj["job"], obj["ref"])
        if kind == "uploaded":
            return Uploaded(obj["ref"], obj["path"])
        if kind == "pong":
            return Pong(obj.get("ref"))
        if kind == "rtc_answer":
            return RtcAnswer(obj["job"], obj["sdp"])
        if kind == "error":
            return ServerError(obj["code"], obj["message"], obj.get("ref"), obj.get("job"))
        if kind == "estimation":
            return Estimation(obj["job"], obj["rank"], obj["queue_size"], obj.get("eta"))
        if kind == "started":
            return Started(obj["job"], obj.get("time_limit"))
        if kind == "output":
            received, replaced = _counts_of(obj)
            return Output(
                obj["job"],
                obj["data"],
                obj.get("seq"),
                obj.get("latency_ms"),
                received=received,
                replaced=replaced,
            )
        if kind == "frame_error":
            return FrameError(obj["job"], obj["seq"], obj["error"])
        if kind == "progress":
            return ProgressUpdate(obj["job"], list(obj["progress_data"]))
        if kind == "log":
            return LogMessage(
                obj["job"],
                obj["log"],
                obj["level"],
                obj.get("title", ""),
                obj.get("duration", 10),
                obj.get("visible", True),
            )
        if kind == "completed":
            return Completed(**obj)
    except (KeyError, TypeError) as exc:
        raise ProtocolError(
            "bad_message", f"malformed {kind!r} message from the server: {exc}"
        ) from None
    raise ProtocolError("bad_message", f"unknown message type {kind!r} from the server")
