"""What a client's mistakes tell it: the problem in its own terms (the input's position and
label, the name it sent), never the server's directories, allowed roots, file sizes or
PID; the detail goes to the server's log, once, without a traceback."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import numpy as np
import PIL.Image
import pytest
from live_support import get, raw_client, stream_demo
from live_support import sepia as sepia_fn

import streamcore as gr
from streamcore.media.files import FileAccess, use_file_access
from transports import serve
from transports.protocol import pack_binary

pytestmark = pytest.mark.anyio

_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.@+-]+/)+[\w.@+-]*")
"""An absolute file path in a text (a URL's path is not one: it follows the host)."""


def encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    PIL.Image.new("RGB", (8, 6), "teal").save(buffer, format=fmt)
    return buffer.getvalue()


def disclosures(text: str, secrets: list[str]) -> list[str]:
    """What in ``text`` tells the server's paths or PID."""
    found = [secret for secret in secrets if secret in text]
    found += _ABSOLUTE_PATH.findall(text)
    found += re.findall(rf"\b{os.getpid()}\b", text)
    return found


def demo() -> gr.Blocks:
    def describe(photo: np.ndarray, note: str) -> str:
        return f"{photo.shape} {note}"

    with gr.Blocks() as blocks:
        photo = gr.Image(label="Photo")
        note = gr.Textbox(label="Note")
        out = gr.Textbox()
        gr.Button().click(describe, [photo, note], out, api_name="describe")
    return blocks


async def test_live_refused_values_disclose_nothing_of_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "app"
    workdir.mkdir()
    (workdir / "app.py").write_text("print('the app')\n" * 50)
    monkeypatch.chdir(workdir)
    cache = tmp_path / "cache"
    secrets = [str(cache), str(workdir), str(tmp_path), tempfile.gettempdir() + "/"]
    caplog.set_level(logging.INFO)
    with use_file_access(FileAccess(cache_dir=cache)):
        async with (
            serve(demo(), show_error=True, allowed_paths=[workdir]) as server,
            raw_client(server) as raw,
        ):
            uploads = {}
            for name, data in [("notes.png", b"just some words"), ("doc.png", encoded("PDF"))]:
                await raw.send_raw(pack_binary({"type": "upload", "ref": name, "name": name}, data))
                uploads[name] = (await raw.until("uploaded", ref=name))["path"]
            in_cache = str(Path(uploads["notes.png"]).parent / "missing.png")
            junk = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nxx").decode()
            cases: list[tuple[Any, str]] = [
                ({"path": "/etc/passwd"}, "the file 'passwd' is not one this server gave"),
                ({"path": "/proc/self/environ"}, "the file 'environ' is not one this server"),
                ({"path": "relative/x.png"}, "the file 'x.png' is not on this server"),
                ({"path": in_cache, "orig_name": "secret.png"}, "the file 'secret.png' is not on"),
                ({"path": str(cache / ".hash_seed")}, "the file '.hash_seed' is not one"),
                ({"path": str(workdir / "app.py")}, "the file 'app.py' is not an image"),
                ({"path": uploads["notes.png"], "orig_name": "notes.png"}, "'notes.png' is not"),
                ({"path": uploads["doc.png"], "orig_name": "doc.png"}, "is a PDF document"),
                ({"url": junk}, "the data URL starts as a PNG image but is not one that"),
                ({"url": "http://127.0.0.1:9/x.png"}, "its host 127.0.0.1 is a loopback"),
            ]
            messages = []
            for value, words in cases:
                job = await raw.submit("describe", [value, "hi"])
                completed = await raw.until("completed", job=job)
                assert completed["reason"] == "error", completed
                message = completed["error"]["message"]
                assert message.startswith("input 1 (Photo): "), message
                assert words in message, message
                messages.append(json.dumps(completed))
            # the stream's other inputs, refused at once with an ``error`` reply
            messages += await _stream_input_refusals()
            # the file route
            for path in ("/file=/etc/passwd", f"/file={in_cache}", "/file=/proc/self/environ"):
                status, _, body = await get(server, path)
                assert status in (403, 404)
                messages.append(body.decode())
    for text in messages:
        assert disclosures(text, secrets) == [], text
    # the server's log has the detail once per refusal, and no traceback for any of them
    ours = [r for r in caplog.records if r.name.startswith("streamcore")]
    assert [r for r in ours if r.exc_info] == []
    assert sum("/etc/passwd" in r.getMessage() for r in ours) == 2  # the call, the file route
    assert any(str(workdir / "relative/x.png") in r.getMessage() for r in ours)


async def _stream_input_refusals() -> list[str]:
    def overlay(frame: np.ndarray, logo: np.ndarray | None) -> np.ndarray:
        return frame

    blocks = stream_demo(overlay, extra_inputs=(gr.Image(label="Logo"),))
    async with serve(blocks, show_error=True) as server, raw_client(server) as raw:
        job = await raw.open_stream("sepia", [None, None])
        replies = []
        for path in ("/etc/shadow", "/proc/self/cmdline"):
            error = await raw.error("inputs", job=job, data=[None, {"path": path}])
            assert error["message"].startswith("input 2 (Logo): the file ")
            replies.append(json.dumps(error))
        await raw.send("close_stream", job=job)
        await raw.until("completed", job=job)
    return replies


def test_a_frame_error_names_the_frame_not_the_server() -> None:
    """The refusal of a frame in another format says which formats are taken."""
    from streamcore.errors import UnsupportedImageError
    from streamcore.media.encoding import decode
    from streamcore.media.formats import FRAME_FORMATS

    with pytest.raises(UnsupportedImageError) as caught:
        decode(encoded("BMP"), formats=FRAME_FORMATS, what="the frame")
    assert str(caught.value) == "the frame is a BMP image; accepted: JPEG, PNG or WebP"


async def test_sepia_still_answers(tmp_path: Path) -> None:
    """The honest client's call around the refusals (a sanity check of the demo)."""
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")):
        async with serve(stream_demo(sepia_fn)) as server, raw_client(server) as raw:
            job = await raw.open_stream()
            await raw.until("started", job=job)
            await raw.frame(job, np.full((6, 8, 3), 100, np.uint8), seq=1)
            assert (await raw.until("output", job=job))["seq"] == 1
            await raw.send("close_stream", job=job)
            await raw.until("completed", job=job)
    await anyio.lowlevel.checkpoint()
