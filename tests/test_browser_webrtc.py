"""The browser page's WebRTC mode end to end, in headless Chromium.

Chromium's fake camera plays a YUV4MPEG2 file written here: a flat RGB (200, 100, 50),
in BT.601 limited-range YCbCr, which is what Chromium assumes for camera frames (read
back from its preview: (199, 101, 51); full range reads back as (212, 98, 42)). The app
is a sepia filter whose output, for a flat input, is flat and known, so the average pixel
of the processed video the page plays says whether the frames made the whole trip: camera
track, VP8, the server's decoder, the fn, its encoder, VP8 back, the page's decoder.

The fallback tests break WebRTC in each way the page watches for (no RTCPeerConnection,
an offer the server refuses, an answer that never comes, a server that gives up on the
peer before it connects) and check that the page says so and streams over the WebSocket.
As in ``test_browser.py``, each test fails on any console error or uncaught exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pytest
from browser_support import app_page, launch_chromium, mean_colour, sync_api

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CAMERA_RGB = (200, 100, 50)
CAMERA_SIZE = (320, 240)
SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
TOLERANCE = 8
"""Per channel, on 0-255: two lossy VP8 legs and two colour conversions (measured: 1-2)."""

FALLBACK_NOTE = "WebRTC could not connect; streaming over WebSocket instead"
OUTPUT = '[data-testid="output-sepia"]'

VIDEO_PLAYING_JS = """
(selector) => {
  const video = document.querySelector(selector);
  return video !== null && video.tagName === "VIDEO" && !video.hidden && video.videoWidth > 0
    && video.getVideoPlaybackQuality().totalVideoFrames >= 5;
}
"""

NO_RTC_PEER_CONNECTION = "delete window.RTCPeerConnection;"

BROKEN_OFFER = """
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (typeof data === "string" && data.includes('"type":"rtc_offer"')) {
    data = JSON.stringify({ ...JSON.parse(data), sdp: "v=0\\r\\nnot an offer\\r\\n" });
  }
  return send.call(this, data);
};
"""

NO_ANSWER = """
const addEventListener = WebSocket.prototype.addEventListener;
WebSocket.prototype.addEventListener = function (type, listener, options) {
  if (type !== "message") return addEventListener.call(this, type, listener, options);
  const filtered = (event) => {
    if (typeof event.data === "string" && event.data.includes('"type":"rtc_answer"')) return;
    listener(event);
  };
  return addEventListener.call(this, type, filtered, options);
};
"""


def sepia(img: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sepia without the brightness normalisation of the examples' filter, so that the
    output keeps the input's level and a colour-range error would show."""
    toned: npt.NDArray[Any] = np.clip(img.dot(SEPIA.T), 0, 255)
    return toned.astype(np.uint8)


EXPECTED = sepia(np.array([[CAMERA_RGB]], dtype=np.uint8))[0, 0].astype(float)  # (164, 146, 114)


def ycbcr_bt601_limited(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return round(y), round(cb), round(cr)


def write_y4m(path: Path, rgb: tuple[int, int, int], frames: int = 30) -> None:
    """A YUV4MPEG2 video (4:2:0, 30 fps) of ``frames`` flat frames of colour ``rgb``."""
    width, height = CAMERA_SIZE
    y, cb, cr = ycbcr_bt601_limited(rgb)
    frame = (
        b"FRAME\n"
        + bytes([y]) * (width * height)
        + bytes([cb]) * (width * height // 4)
        + bytes([cr]) * (width * height // 4)
    )
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    camera = tmp_path_factory.mktemp("camera") / "flat.y4m"
    write_y4m(camera, CAMERA_RGB)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright, [f"--use-file-for-fake-video-capture={camera}"])
        yield browser
        browser.close()


def sepia_demo(time_limit: float = 30) -> gr.Blocks:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True, label="camera")
        out = gr.Image(streaming=True, label="sepia")
        camera.stream(sepia, camera, out, stream_every=0, time_limit=time_limit)
    return demo


def stop_streaming(page: Page) -> None:
    page.click('[data-testid="stop-camera"]')
    page.locator('[data-testid="start-camera"]').wait_for(state="visible")


def assert_colour(colour: list[float]) -> None:
    assert np.allclose(colour, EXPECTED, atol=TOLERANCE), (colour, EXPECTED)


@pytest.mark.parametrize(
    ("query", "init_script", "transport"),
    [
        ("", None, "webrtc"),
        ("?transport=websocket", None, "websocket"),
        ("?transport=webrtc", None, "webrtc"),
        ("", NO_RTC_PEER_CONNECTION, "websocket"),
    ],
    ids=["default", "forced-websocket", "forced-webrtc", "default-without-webrtc"],
)
def test_the_transport_is_webrtc_when_the_browser_has_it_unless_forced(
    browser: Browser, query: str, init_script: str | None, transport: str
) -> None:
    with app_page(browser, sepia_demo(), query, init_script=init_script) as page:
        assert page.evaluate("window.streamcore.transport") == transport
        assert page.locator('#stats [data-stat="transport"]').text_content() == transport


def test_webcam_stream_over_webrtc_plays_the_processed_video(browser: Browser) -> None:
    messages: list[tuple[str, dict[str, Any]]] = []
    with app_page(browser, sepia_demo(), "?transport=webrtc", websocket_log=messages) as page:
        page.click('[data-testid="start-camera"]')
        page.wait_for_function(VIDEO_PLAYING_JS, arg=OUTPUT)
        page.wait_for_function("window.streamcore.stats.received >= 10")
        colour = mean_colour(page, OUTPUT)
        page.wait_for_function("window.streamcore.stats.sent > 0")  # from getStats()
        transport = page.evaluate("window.streamcore.transport")
        notice_hidden = page.locator("#notice").is_hidden()
        preview_mirrored = page.locator(".block-image video.image-video.mirrored").count()
        stop_streaming(page)
        # the last picture of the video stays as the output's value
        page.wait_for_function(f"document.querySelector('{OUTPUT}').tagName === 'IMG'")
        last = mean_colour(page, OUTPUT)
        # the peer closed after a last count of the frames it sent
        page.wait_for_function("window.streamcore.stats.sent >= window.streamcore.stats.received")
        stats = page.evaluate("window.streamcore.stats")
        last_error = page.evaluate("window.streamcore.lastError")

    assert transport == "webrtc"
    assert notice_hidden
    sent = {message["type"]: message for direction, message in messages if direction == "sent"}
    received = [message for direction, message in messages if direction == "received"]
    offer = sent["rtc_offer"]
    assert "a=candidate:" in offer["sdp"], "ICE is not trickled: the offer has its candidates"
    assert "m=application" in offer["sdp"], "with a data channel"
    assert offer["mirror"] is True, "the preview is mirrored: the server flips the frames"
    assert "open_stream" not in sent
    assert "frame" not in sent, "the frames go on the video track, not the WebSocket"
    job = next(m["job"] for m in received if m["type"] == "accepted")
    assert any(m["type"] == "rtc_answer" and m["job"] == job for m in received)
    assert sent["close_stream"]["job"] == job
    assert [m["reason"] for m in received if m["type"] == "completed"] == ["closed"]
    assert preview_mirrored == 1
    assert_colour(colour)
    assert_colour(last)
    assert stats["sent"] >= stats["received"] >= 10, stats
    assert stats["latency_ms_p50"] > 0
    assert isinstance(stats["dropped"], int)
    assert last_error is None


def test_webrtc_stream_rejoins_after_its_time_limit(browser: Browser) -> None:
    messages: list[tuple[str, dict[str, Any]]] = []
    demo = sepia_demo(time_limit=1)
    with app_page(browser, demo, "?transport=webrtc", websocket_log=messages) as page:
        page.click('[data-testid="start-camera"]')
        page.get_by_text("reached its time limit of 1 s and rejoined").wait_for(state="visible")
        received = page.evaluate("window.streamcore.stats.received")
        page.wait_for_function(f"window.streamcore.stats.received > {received}")
        page.wait_for_function(VIDEO_PLAYING_JS, arg=OUTPUT)
        transport = page.evaluate("window.streamcore.transport")
        stop_streaming(page)

    assert transport == "webrtc"
    sent = [message["type"] for direction, message in messages if direction == "sent"]
    assert sent.count("rtc_offer") >= 2, "the stream rejoined with a new peer connection"
    assert "open_stream" not in sent


@pytest.mark.parametrize(
    ("init_script", "launch_options", "reason"),
    [
        (NO_RTC_PEER_CONNECTION, None, "this browser has no RTCPeerConnection"),
        (BROKEN_OFFER, None, "the server refused the offer"),
        (NO_ANSWER, None, "no answer from the server within 5 s"),
        # the page never applies the answer, so the peer cannot connect before the server
        # gives up (a 1 ms timeout alone raced a fast loopback connection under load)
        (NO_ANSWER, {"rtc_connect_timeout": 0.001}, "the server ended the stream before"),
    ],
    ids=["no-rtcpeerconnection", "offer-refused", "no-answer", "server-gave-up"],
)
def test_when_webrtc_cannot_connect_the_page_streams_over_websocket(
    browser: Browser,
    init_script: str | None,
    launch_options: dict[str, Any] | None,
    reason: str,
) -> None:
    messages: list[tuple[str, dict[str, Any]]] = []
    with app_page(
        browser,
        sepia_demo(),
        "?transport=webrtc",
        init_script=init_script,
        launch_options=launch_options,
        websocket_log=messages,
    ) as page:
        assert page.evaluate("window.streamcore.transport") == "webrtc"
        page.click('[data-testid="start-camera"]')
        notice = page.locator("#notice")
        notice.get_by_text(FALLBACK_NOTE).wait_for(state="visible")
        page.wait_for_function("window.streamcore.stats.received >= 3")
        colour = mean_colour(page, OUTPUT)
        transport = page.evaluate("window.streamcore.transport")
        shown = page.locator('#stats [data-stat="transport"]').text_content()
        text = notice.text_content()
        stop_streaming(page)
        last_error = page.evaluate("window.streamcore.lastError")

    assert transport == shown == "websocket"
    assert text is not None
    assert reason in text
    assert_colour(colour)
    assert last_error is None
    sent = [message for direction, message in messages if direction == "sent"]
    received = [message for direction, message in messages if direction == "received"]
    offers = {m["ref"] for m in sent if m["type"] == "rtc_offer"}
    assert len(offers) == (0 if init_script == NO_RTC_PEER_CONNECTION else 1)
    assert len([m for m in sent if m["type"] == "open_stream"]) == 1
    assert any(m["type"] == "frame" for m in sent), "frames on the WebSocket"
    # a WebRTC job the server accepted is over: cancelled by the page, or by the server
    rtc_jobs = {m["job"] for m in received if m["type"] == "accepted" and m["ref"] in offers}
    ends = {m["job"]: m["reason"] for m in received if m["type"] == "completed"}
    assert {job: ends.get(job) for job in rtc_jobs} == dict.fromkeys(rtc_jobs, "cancelled")
