"""The unmodified ``gradio_client`` with the file-valued components against a live server:
``handle_file`` inputs to ``File``, ``Video`` and ``Audio``, outputs downloaded and compared
byte for byte, and Gradio's rule for the files a fn returns (from the working folder or
the temp folder: copied into the cache and served; from anywhere else: refused)."""

from __future__ import annotations

import json
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from live_support import TIMEOUT

import streamcore as gr
from transports import Server


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The app runs in tmp_path/work with tmp_path/systemp as the system temp folder;
    tmp_path/elsewhere is neither."""
    found = {name: tmp_path / name for name in ("work", "systemp", "elsewhere", "client")}
    for folder in found.values():
        folder.mkdir()
    monkeypatch.chdir(found["work"])
    monkeypatch.setattr(tempfile, "tempdir", str(found["systemp"]))
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    return found


def files_demo(elsewhere: Path) -> gr.Blocks:
    def same(path: Any) -> Any:
        return path

    def reversed_sound(sound: tuple[int, np.ndarray]) -> tuple[int, np.ndarray]:
        rate, samples = sound
        return rate, samples[::-1].copy()

    def made_in_cwd(text: str) -> str:
        Path("made.txt").write_text(text)
        return "made.txt"  # relative to the working folder, as apps write it

    def made_in_temp(text: str) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
            file.write(text)
        return file.name

    def made_elsewhere(text: str) -> str:
        (elsewhere / "made.txt").write_text(text)
        return str(elsewhere / "made.txt")

    with gr.Blocks() as demo:
        text = gr.Textbox()
        one, many = gr.File(), gr.File(file_count="multiple")
        video = gr.Video()
        sound, sound_path = gr.Audio(), gr.Audio(type="filepath")
        button = gr.Button()
        button.click(same, one, gr.File(), api_name="file")
        button.click(same, many, gr.File(file_count="multiple"), api_name="files")
        button.click(same, video, gr.Video(), api_name="video")
        button.click(reversed_sound, sound, gr.Audio(), api_name="reverse")
        button.click(same, sound_path, gr.Audio(), api_name="sound")
        button.click(made_in_cwd, text, gr.File(), api_name="cwd")
        button.click(made_in_temp, text, gr.File(), api_name="temp")
        button.click(made_elsewhere, text, gr.File(), api_name="elsewhere")
    return demo


@pytest.fixture
def server(folders: dict[str, Path]) -> Iterator[Server]:
    demo = files_demo(folders["elsewhere"])
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        yield server
    finally:
        demo.close()


@pytest.fixture
def client(server: Server, folders: dict[str, Path]) -> Iterator[Client]:
    client = Client(
        server.local_url,
        verbose=False,
        download_files=str(folders["client"] / "downloads"),
        httpx_kwargs={"timeout": TIMEOUT},
    )
    try:
        yield client
    finally:
        client.close()


def wav(path: Path, rate: int, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return path


def samples_of(path: str) -> tuple[int, list[int]]:
    with wave.open(path, "rb") as reader:
        rate = reader.getframerate()
        raw = reader.readframes(reader.getnframes())
    return rate, np.frombuffer(raw, "<i2").tolist()


def test_files_go_in_and_come_back_byte_for_byte(client: Client, folders: dict[str, Path]) -> None:
    source = folders["client"] / "report.bin"
    source.write_bytes(bytes(range(256)) * 40)
    result = client.predict(handle_file(str(source)), api_name="/file")
    assert folders["client"] / "downloads" in Path(result).parents  # downloaded
    assert Path(result).read_bytes() == source.read_bytes()
    assert Path(result).name == "report.bin"
    second = folders["client"] / "notes.txt"
    second.write_text("two")
    results = client.predict(
        [handle_file(str(source)), handle_file(str(second))], api_name="/files"
    )
    assert [Path(r).read_bytes() for r in results] == [source.read_bytes(), b"two"]


def test_a_video_and_a_sound_go_in_and_come_back(client: Client, folders: dict[str, Path]) -> None:
    clip = folders["client"] / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    result = client.predict(handle_file(str(clip)), api_name="/video")
    assert Path(result).read_bytes() == clip.read_bytes()
    sound = wav(folders["client"] / "tone.wav", 8000, np.array([1, -2, 300, -4000, 5], np.int16))
    assert Path(client.predict(handle_file(str(sound)), api_name="/sound")).read_bytes() == (
        sound.read_bytes()
    )
    reversed_path = client.predict(handle_file(str(sound)), api_name="/reverse")
    assert samples_of(reversed_path) == (8000, [5, -4000, 300, -2, 1])


def test_files_a_fn_makes_in_the_working_or_temp_folder_are_served(
    client: Client, server: Server, folders: dict[str, Path]
) -> None:
    for api_name, text in (("/cwd", "made here"), ("/temp", "made in temp")):
        result = client.predict(text, api_name=api_name)
        assert Path(result).read_text() == text
    # what the server sent: a copy in its cache, served; the original is not served
    (output,) = call(server, "cwd", ["direct"])
    assert not Path(output["path"]).is_relative_to(folders["work"])
    assert output["orig_name"] == "made.txt"
    served = httpx.get(output["url"], timeout=TIMEOUT)
    assert (served.status_code, served.content) == (200, b"direct")
    root = server.local_url.rstrip("/")
    made = folders["work"] / "made.txt"
    assert httpx.get(f"{root}/file={made}", timeout=TIMEOUT).status_code == 403


def call(server: Server, api_name: str, data: list[Any]) -> Any:
    """A call over curl's routes; its ``complete`` data (or the ``error`` event's text)."""
    root = server.local_url.rstrip("/")
    posted = httpx.post(f"{root}/gradio_api/call/{api_name}", json={"data": data}, timeout=TIMEOUT)
    event_id = posted.json()["event_id"]
    answer = httpx.get(f"{root}/gradio_api/call/{api_name}/{event_id}", timeout=TIMEOUT).text
    if "event: complete" not in answer:
        return answer
    return json.loads(answer.split("event: complete\ndata: ", 1)[1].split("\n", 1)[0])


def test_a_file_a_fn_returns_from_elsewhere_is_refused(client: Client) -> None:
    with pytest.raises(AppError):
        client.predict("nope", api_name="/elsewhere")


def test_client_named_paths_stay_restricted(server: Server, folders: dict[str, Path]) -> None:
    """A copied root is not a place a client may name: a call naming a file of the working
    folder (not uploaded) is refused."""
    inside = folders["work"] / "app_secret.txt"
    inside.write_text("secret")
    value = {"path": str(inside), "meta": {"_type": "gradio.FileData"}}
    answer = call(server, "file", [value])
    assert isinstance(answer, str)
    assert "event: error" in answer
    assert "the file 'app_secret.txt' is not one this server gave or received" in answer


def test_a_copied_file_belongs_to_the_session_and_goes_with_it(folders: dict[str, Path]) -> None:
    """The copy of a returned file is stored for the session's call: the session's quota
    counts it and it is deleted once the session has ended, like an Image output."""
    demo = files_demo(folders["elsewhere"])
    server: Server = demo.launch(
        server_port=0,
        prevent_thread_lock=True,
        quiet=True,
        session_grace=0.2,
        heartbeat_interval=0.2,
    )
    try:
        client = Client(server.local_url, verbose=False)
        result = client.predict("kept for a while", api_name="/cwd")
        assert Path(result).read_text() == "kept for a while"
        ledger = server.runtime.uploads
        assert ledger.held_by(client.session_hash) == len("kept for a while")
        assert ledger.total == len("kept for a while")
        client.close()
        deadline = time.monotonic() + TIMEOUT
        while ledger.total:
            assert time.monotonic() < deadline, "the copy outlived its session"
            Client(server.local_url, verbose=False).close()  # a request: the sweep runs
            time.sleep(0.3)
        assert (folders["work"] / "made.txt").read_text() == "kept for a while"  # the original
    finally:
        demo.close()


def test_an_initial_value_in_the_working_folder_is_served(folders: dict[str, Path]) -> None:
    """``File(value="notes.txt")`` built in the app's folder: the page gets a copy in the
    cache that ``/file=`` serves (before, the working folder's path, answered 403)."""
    (folders["work"] / "notes.txt").write_text("initial")
    with gr.Blocks() as demo:
        gr.File(value="notes.txt", label="notes")
    server: Server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    try:
        config = httpx.get(f"{server.local_url}config", timeout=TIMEOUT).json()
        (value,) = [c["props"]["value"] for c in config["components"] if c["type"] == "file"]
        assert value["orig_name"] == "notes.txt"
        assert not Path(value["path"]).is_relative_to(folders["work"])
        served = httpx.get(f"{server.local_url}file={value['path']}", timeout=TIMEOUT)
        assert (served.status_code, served.text) == (200, "initial")
    finally:
        demo.close()
