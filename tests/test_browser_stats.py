"""The page's statistics against the server's ``/metrics``, in headless Chromium.

A stream whose fn takes 0.1 s a frame is fed by the fake camera at its own rate, so frames
really are replaced in the server's latest-wins slot. After a few seconds the stream is
stopped and ``window.streamcore.stats`` is compared with ``/metrics`` and with the stream's
``completed.stats``, on both transports: what the two count the same way must agree
exactly (``dropped`` is ``streamcore_frames_dropped_total{reason="replaced"}``), the rest
within the frames in flight. The latency is the page's own, camera to screen, above the
server's per-frame latency and under 2 s.

The offset voting of ``static/js/rtp_latency.js`` (WebRTC's camera-to-screen latency) and
the counting of ``static/js/stats.js`` are tested on their own through the page: the
module is imported into a served page and fed figures.
"""

from __future__ import annotations

import time
import urllib.request
from typing import TYPE_CHECKING, Any

import numpy.typing as npt
import pytest
from browser_support import app_page
from prometheus_client.parser import text_string_to_metric_families

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

FN_SECONDS = 0.1
EVERY = 0.04
"""``stream_every``: shorter than the fn, so the WebSocket page lets captures pass."""
OUTPUT = '[data-testid="output-slow"]'


def slow(img: npt.NDArray[Any]) -> npt.NDArray[Any]:
    time.sleep(FN_SECONDS)  # slower than the camera: frames wait and are replaced
    return img


def slow_demo() -> gr.Blocks:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True, label="camera")
        out = gr.Image(streaming=True, label="slow")
        camera.stream(slow, camera, out, stream_every=EVERY, time_limit=60, api_name="slow")
    return demo


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``/metrics``: ``(name, labels) -> value``."""
    with urllib.request.urlopen(f"{url.rstrip('/')}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


def metric(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for_completion(page: Page, messages: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """The ``completed`` messages the page received, once there is one (at most 10 s)."""
    for _ in range(100):
        completed = [m for d, m in messages if d == "received" and m["type"] == "completed"]
        if completed:
            return completed
        page.wait_for_timeout(100)
    raise AssertionError("the stream did not complete within 10 s of Stop")


@pytest.mark.parametrize("transport", ["websocket", "webrtc"])
def test_the_page_stats_match_the_servers_metrics(browser: Browser, transport: str) -> None:
    demo = slow_demo()
    messages: list[tuple[str, dict[str, Any]]] = []
    with app_page(browser, demo, f"?transport={transport}", websocket_log=messages) as page:
        page.click('[data-testid="start-camera"]')
        # a few seconds of streaming, and a camera-to-screen latency measured by the page
        page.wait_for_function(
            "window.streamcore.stats.received >= 20"
            " && window.streamcore.stats.latency_source === 'page'"
        )
        live = page.evaluate("window.streamcore.stats")
        used = page.evaluate("window.streamcore.transport")
        page.click('[data-testid="stop-camera"]')
        page.locator('[data-testid="start-camera"]').wait_for(state="visible")
        completed = wait_for_completion(page, messages)
        if transport == "webrtc":  # the peer closes after a last count of the frames sent
            page.wait_for_timeout(500)
        stats = page.evaluate("window.streamcore.stats")
        samples = scrape(demo.local_url)

    assert used == transport
    assert [m["reason"] for m in completed] == ["closed"]
    server = completed[0]["stats"]
    labels = {"api_name": "slow", "transport": transport}
    replaced = metric(samples, "streamcore_frames_dropped_total", reason="replaced", **labels)
    output_replaced = metric(
        samples, "streamcore_frames_dropped_total", reason="output_replaced", **labels
    )
    received = metric(samples, "streamcore_frames_received_total", **labels)
    processed = metric(samples, "streamcore_frames_processed_total", **labels)
    summary = (stats, server, replaced, received, processed, output_replaced)

    # dropped: frames replaced in the slot, the same count on the page, in the stream's
    # completion and on /metrics. Over WebRTC the camera's frames come at its rate and the
    # fn is slower, so there are some (counted live, from the outputs); the WebSocket page
    # sends a frame only once the previous one is answered, so none are replaced: it lets
    # the captures between pass instead (skipped, one per stream_every beyond the first)
    assert stats["dropped"] == server["replaced"] == replaced, summary
    if transport == "webrtc":
        assert 0 < live["dropped"] <= stats["dropped"], summary
        assert stats["skipped"] == 0
    else:
        assert stats["dropped"] == 0
        assert stats["skipped"] >= stats["received"], summary
    # received: every output the server posted and did not replace reached the page
    # (WebRTC: the last may come on the data channel after the WebSocket's completed)
    assert (
        0
        <= processed - output_replaced - stats["received"]
        <= (0 if transport == "websocket" else 2)
    ), summary
    assert processed == server["processed"]
    # sent: the WebSocket's frames all arrive; WebRTC's are decoded by the server, but for
    # the few still in flight (or undecodable) when the peer closed
    if transport == "websocket":
        assert stats["sent"] == received == server["received"], summary
    else:
        assert 0 <= stats["sent"] - received <= 10, summary
    # latency: camera to screen, so above the server's own part of it, and sane
    assert live["latency_source"] == "page"
    assert server["latency_ms_p50"] < stats["latency_ms_p50"] < 2000, summary


NO_SCRIPT_TRANSFORM = "delete window.RTCRtpScriptTransform;"
NO_ENCODED_TRANSFORM = NO_SCRIPT_TRANSFORM + " delete RTCRtpSender.prototype.createEncodedStreams;"
NO_VIDEO_FRAME_CALLBACK = "delete HTMLVideoElement.prototype.requestVideoFrameCallback;"


@pytest.mark.parametrize(
    ("init_script", "source"),
    [
        (NO_SCRIPT_TRANSFORM, "page"),  # Chrome's createEncodedStreams() instead
        (NO_ENCODED_TRANSFORM, "server"),
        (NO_VIDEO_FRAME_CALLBACK, "server"),
    ],
    ids=["insertable-streams", "no-encoded-transform", "no-video-frame-callback"],
)
def test_webrtc_latency_comes_from_the_server_only_where_the_browser_cannot_time_frames(
    browser: Browser, init_script: str, source: str
) -> None:
    with app_page(browser, slow_demo(), "?transport=webrtc", init_script=init_script) as page:
        page.click('[data-testid="start-camera"]')
        page.wait_for_function(
            "window.streamcore.stats.received >= 10 && window.streamcore.stats.latency_ms_p50 > 0"
        )
        if source == "page":
            page.wait_for_function("window.streamcore.stats.latency_source === 'page'")
        stats = page.evaluate("window.streamcore.stats")
        label = "camera to screen" if source == "page" else "server only"
        page.wait_for_function(  # the panel is redrawn on a timer
            "(label) => document.querySelector('#stats [data-stat=latency_source]')"
            ".textContent === label",
            arg=label,
        )
        transport = page.evaluate("window.streamcore.transport")
        page.click('[data-testid="stop-camera"]')
        page.locator('[data-testid="start-camera"]').wait_for(state="visible")

    assert transport == "webrtc"
    assert stats["latency_source"] == source, stats
    assert FN_SECONDS * 1000 <= stats["latency_ms_p50"] < 2000, stats


VOTING_JS = """
async (cases) => {
  const module = new URL("static/js/rtp_latency.js", location.href);
  const { RtpLatency, rtpDifference } = await import(module);
  const run = ({ start, intervals, offset, every, shownAfter, sentWindow }) => {
    const latency = new RtpLatency(sentWindow ? { sentWindow } : {});
    const answers = [];
    let rtp = start;
    let at = 1000;
    const sent = [];
    intervals.forEach((interval, index) => {
      rtp = (rtp + interval) % 2 ** 32;
      at += interval / 90;
      latency.sent(rtp, at);
      sent.push([rtp, at]);
      if (index % every === 0 && index >= shownAfter) {
        const [inRtp, inAt] = sent[index - shownAfter];
        const answer = latency.shown((inRtp + offset) % 2 ** 32, at);
        answers.push([answer, at - inAt]);
      }
    });
    return { answers, offset: latency.offset, difference: rtpDifference(5, 2 ** 32 - 5) };
  };
  return cases.map(run);
}
"""


def jittered(count: int) -> list[int]:
    """RTP intervals of a 30 fps camera stamped by the millisecond: 32 to 35 ms (x90), in
    a pseudo-random order (a fixed linear congruential sequence: the test is repeatable)."""
    intervals, state = [], 12345
    for _ in range(count):
        state = (1103515245 * state + 12345) % 2**31
        intervals.append(90 * (32 + (state >> 16) % 4))
    return intervals


def test_the_rtp_offset_is_found_by_voting_and_gives_each_frames_latency(
    browser: Browser,
) -> None:
    offset = 2**32 - 123_456  # any offset; with the timestamps wrapping around 2^32
    cases = [
        # 1: the usual case: every 3rd input comes back 4 frames later
        {
            "start": 2**32 - 30_000,
            "intervals": jittered(120),
            "offset": offset,
            "every": 3,
            "shownAfter": 4,
        },
        # 2: perfectly regular timestamps: every difference recurs, no offset is chosen
        {"start": 0, "intervals": [3000] * 120, "offset": offset, "every": 3, "shownAfter": 4},
        # 3: outputs whose inputs are no longer remembered: no offset, no (wrong) latency
        {
            "start": 0,
            "intervals": jittered(120),
            "offset": offset,
            "every": 3,
            "shownAfter": 12,
            "sentWindow": 8,
        },
    ]
    with app_page(browser, slow_demo()) as page:
        usual, regular, forgotten = page.evaluate(VOTING_JS, cases)

    assert usual["difference"] == 10  # 5 - (2^32 - 5), modulo 2^32
    assert usual["offset"] == offset
    answers = usual["answers"]
    assert [a for a, _ in answers[:2]] == [None, None], "no answer before 3 votes"
    assert all(answer == pytest.approx(truth) for answer, truth in answers[2:])
    assert regular["offset"] is None
    assert all(answer is None for answer, _ in regular["answers"])
    assert forgotten["offset"] is None
    assert all(answer is None for answer, _ in forgotten["answers"])


STATS_JS = """
async () => {
  const { Stats } = await import(new URL("static/js/stats.js", location.href));
  const stats = new Stats(document.createElement("div"));
  const [first, second, old] = [{}, {}, {}];
  const seen = [];
  const look = () => seen.push({ ...stats.values });
  stats.framesReplaced(first, 2);
  stats.framesReplaced(second, 5);
  stats.framesReplaced(first, undefined); // an older server's output: no live count
  look(); // 7
  stats.framesReplaced(first, 4);
  stats.framesSkipped(3);
  look(); // 9, skipped apart
  stats.streamEnded(first, { replaced: 6, dropped: 7 }); // the frame left at the end is no drop
  look(); // 6 + 5
  stats.streamEnded(old, { dropped: 2 }); // an older server: its dropped
  stats.streamEnded(second, null); // no stats: its last live count
  look(); // 6 + 2 + 5
  stats.latencyMeasured(300, "server");
  stats.latencyMeasured(100, "page");
  stats.latencyMeasured(120, "page");
  stats.latencyMeasured(200, "page");
  look();
  return seen.map((v) => [v.dropped, v.skipped, v.latency_ms_p50, v.latency_source]);
}
"""


def test_the_page_counts_replaced_frames_per_stream_and_keeps_one_latency_source(
    browser: Browser,
) -> None:
    with app_page(browser, slow_demo()) as page:
        seen = page.evaluate(STATS_JS)

    assert seen == [
        [7, 0, 0, None],
        [9, 3, 0, None],
        [11, 3, 0, None],
        [13, 3, 0, None],
        [13, 3, 120, "page"],  # the server's figure does not mix with the page's
    ]
