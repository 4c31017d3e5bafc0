"""The session protocol without a socket: raw messages in, the session's replies out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import streamcore as gr
from streamcore.app.runtime import AppRuntime
from streamcore.messages import Accepted, Completed
from transports.protocol import ServerError, Uploaded, pack_binary
from transports.session_protocol import SessionProtocol

pytestmark = pytest.mark.anyio


def app() -> gr.Blocks:
    with gr.Blocks() as demo:
        number = gr.Number()
        number.submit(lambda x: x * 2, number, number, api_name="double")
    return demo


@asynccontextmanager
async def protocol() -> AsyncIterator[tuple[SessionProtocol, Any]]:
    async with AppRuntime(app()).session() as session:
        yield SessionProtocol(session), session


@pytest.mark.parametrize(
    ("raw", "code", "ref"),
    [
        ("not json", "bad_json", None),
        ('{"type": "nope"}', "bad_message", None),
        ('{"type": "submit", "ref": "r", "api_name": "missing", "data": [1]}', "unknown_api", "r"),
        ('{"type": "submit", "ref": "r", "api_name": "double", "data": [1, 2]}', "bad_input", "r"),
        ('{"type": "open_stream", "ref": "r", "api_name": "double"}', "not_a_stream", "r"),
        ('{"type": "cancel", "job": "ghost"}', "unknown_job", None),
        ('{"type": "rtc_offer", "ref": "r", "api_name": "double", "sdp": "x"}', "bad_input", "r"),
        ('{"type": "hello", "protocol": 99}', "bad_message", None),
    ],
)
async def test_a_refused_message_gets_an_error_naming_it(raw: str, code: str, ref: Any) -> None:
    async with protocol() as (handler, session):
        await handler.receive(raw)
        reply = await session.receive()
    assert isinstance(reply, ServerError)
    assert (reply.code, reply.ref) == (code, ref)
    assert reply.message


async def test_a_call_is_accepted_and_completed() -> None:
    async with protocol() as (handler, session):
        message = {"type": "submit", "ref": "r1", "api_name": "double", "data": [21]}
        await handler.receive(json.dumps(message))
        accepted = await session.receive()
        while not isinstance(completed := await session.receive(), Completed):
            pass
    assert isinstance(accepted, Accepted)
    assert (accepted.ref, completed.data) == ("r1", [42])


async def test_an_upload_is_stored_and_its_path_returned() -> None:
    async with protocol() as (handler, session):
        await handler.receive(pack_binary({"type": "upload", "ref": "u", "name": "a.txt"}, b"hi"))
        reply = await session.receive()
    assert isinstance(reply, Uploaded)
    assert reply.ref == "u"
    assert reply.path.endswith("a.txt")
