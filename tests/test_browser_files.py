"""The file-valued widgets of the page in headless Chromium: a file uploaded through the
``File`` widget reaches the fn, whose output file is shown as a link that downloads it;
``Video`` and ``Audio`` outputs are played by ``<video>`` and ``<audio>`` elements whose
``src`` loads. The fn writes its outputs in the working folder, so this also runs Gradio's
rule for returned files (copied into the cache and served)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np
import pytest
from browser_support import app_page

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def write_webm(path: Path) -> Path:
    """A short VP8 WebM (a codec every Chromium build plays)."""
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for step in range(5):
            pixels = np.full((48, 64, 3), step * 40, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode())
    return path


def write_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        tone = (np.sin(np.arange(4000) / 8) * 8000).astype("<i2")
        writer.writeframes(tone.tobytes())
    return path


def shout_demo() -> gr.Blocks:
    def shout(path: str) -> tuple[str, str, str]:
        made = Path("shouted.txt")  # in the working folder: copied into the cache
        made.write_text(Path(path).read_text().upper())
        return str(made), str(write_webm(Path("clip.webm"))), str(write_wav(Path("tone.wav")))

    with gr.Blocks() as demo:
        document = gr.File(label="document")
        result = gr.File(label="result")
        video = gr.Video(label="video")
        sound = gr.Audio(label="sound")
        gr.Button("Shout").click(shout, document, [result, video, sound])
    return demo


def status_of(page: Page, selector: str, attribute: str) -> list[object]:
    """The HTTP status and content type of what an element's ``attribute`` names."""
    return page.evaluate(
        f"""async () => {{
            const url = document.querySelector('{selector}').{attribute};
            const response = await fetch(url, {{cache: 'no-store'}});
            return [response.status, response.headers.get('content-type'), await response.text()];
        }}"""
    )


def test_upload_a_file_and_see_the_fns_files(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    note = tmp_path / "note.txt"
    note.write_text("quiet words")
    with app_page(browser, shout_demo()) as page:
        page.set_input_files('[data-testid="file-input-document"]', str(note))
        page.locator('[data-testid="files-document"] a', has_text="note.txt").wait_for()
        page.get_by_role("button", name="Shout").click()
        link = page.locator('[data-testid="files-result"] a', has_text="shouted.txt")
        link.wait_for()
        assert "/file=" in (link.get_attribute("href") or "")
        status, _, text = status_of(page, '[data-testid="files-result"] a', "href")
        assert (status, text) == (200, "QUIET WORDS")

        video = page.locator('[data-testid="video-video"]')
        video.wait_for(state="visible")
        page.wait_for_function(
            "document.querySelector('[data-testid=\"video-video\"]').readyState >= 1"
        )
        status, kind, _ = status_of(page, '[data-testid="video-video"]', "src")
        assert (status, kind) == (200, "video/webm")
        page.wait_for_function(
            "document.querySelector('[data-testid=\"audio-sound\"]').readyState >= 1"
        )
        status, kind, _ = status_of(page, '[data-testid="audio-sound"]', "src")
        assert status == 200
        assert kind in ("audio/wav", "audio/x-wav")
        duration = page.evaluate("document.querySelector('[data-testid=\"audio-sound\"]').duration")
        assert duration == pytest.approx(0.5, abs=0.05)
