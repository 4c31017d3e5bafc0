"""``streamcore bench`` (``transports/bench``), run as users run it: a subprocess with a time
limit, against a live app, over both transports, with short runs. The figures are checked
for presence and plausibility, not speed (timings belong in benchmarks)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamcore.media.marks import read_index, stamp_index
from transports.bench.report import bound
from transports.ports import bind_socket

LIMIT_S = 50

APP = """
import numpy as np
import streamcore as gr

seen = []


def stale(image):
    seen.append(image)  # always the first frame it saw: a stale picture
    return seen[0]


with gr.Blocks() as demo:
    for name, fn in (
        ("invert", lambda image: 255 - image),
        ("constant", lambda image: np.full_like(image, 90)),
        ("stale", stale),
    ):
        camera = gr.Image(sources="webcam", streaming=True)
        out = gr.Image(streaming=True)
        camera.stream(fn, camera, out, stream_every=0, api_name=name)
    gr.Button().click(lambda: 1, None, gr.Number(), api_name="one")
"""


def _port() -> int:
    with bind_socket("127.0.0.1", 0) as sock:
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench_app")
    (folder / "app.py").write_text(textwrap.dedent(APP))
    return folder


@pytest.fixture(scope="module")
def server(app_dir: Path) -> Iterator[str]:
    """The app served by ``streamcore serve`` for the module's tests; its URL."""
    port = _port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamcore", "serve", "app.py:demo", "--port", str(port)],
        cwd=app_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=2):
                    break
            except OSError:
                assert process.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def bench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamcore", "bench", *args, "--plain"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        check=False,
    )


def test_both_transports_report_plausible_figures(server: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = bench(
        tmp_path,
        *(server, "--api-name", "/invert", "--transport", "both", "--duration", "2"),
        *("--size", "320x240", "--json", str(out)),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bound:" in done.stdout
    assert "fps out" in done.stdout
    document = json.loads(out.read_text())
    assert document["ok"] is True
    assert document["run"]["api_name"] == "/invert"
    reports: dict[str, Any] = {t["transport"]: t for t in document["transports"]}
    assert set(reports) == {"websocket", "webrtc"}
    for name, report in reports.items():
        assert report["codec"] == ("jpeg" if name == "websocket" else "vp8")
        assert 40 <= report["sent"] <= 70, report  # 2 s at 30 fps
        assert report["outputs"] == report["matched"] >= 20, report
        assert report["unreadable"] == report["unmatched"] == 0
        assert 10 <= report["fps_in"] <= 35, report
        assert 5 <= report["fps_out"] <= 35, report
        p50, p95, p99 = (report[f"latency_ms_p{q}"] for q in (50, 95, 99))
        assert 0 < p50 <= p95 <= p99 < 2000, report
        assert report["checked"] >= 1
        assert report["changed"] == report["checked"]
        assert report["drops"]["no_output"] == report["sent"] - report["matched"]
        assert report["drops"]["replaced_on_server"] is not None
        assert report["errors"] == []
        assert report["problems"] == []
        assert report["client_cpu_pct"] > 0
        # a running server: its CPU from its /metrics (process_cpu_seconds_total)
        assert report["server_cpu_pct"] > 0
        assert report["server_cpu_source"] == "server /metrics"
        assert report["server_ms_p50"] is not None
        assert report["codec_ms"] > 0
        assert report["bound"]["stage"] in {"source", "fn", "codec", "transport"}
        assert report["bound"]["line"].startswith("bound: ")
        assert sum(report["series"]["fps_out"]) >= 20


@pytest.mark.parametrize(("api_name", "why"), [("/constant", "readable"), ("/stale", "never")])
def test_a_fn_returning_the_wrong_picture_exits_1(
    server: str, tmp_path: Path, api_name: str, why: str
) -> None:
    done = bench(tmp_path, server, "--api-name", api_name, "--duration", "1", "--size", "320x240")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "WRONG" in done.stdout
    assert why in done.stdout


def test_bad_usage_exits_2(server: str, tmp_path: Path) -> None:
    done = bench(tmp_path, server, "--api-name", "/nope", "--duration", "1")
    assert done.returncode == 2
    assert "/invert, /constant, /stale" in done.stderr
    assert "/one" not in done.stderr
    for wrong in (["--size", "10x10"], ["--fps", "fast"], ["--transport", "carrier-pigeon"]):
        done = bench(tmp_path, server, "--api-name", "/invert", *wrong)
        assert done.returncode == 2, wrong
    done = bench(tmp_path, "missing.py:demo", "--api-name", "/invert")
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_an_app_target_is_served_for_the_run_and_stopped(app_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = bench(
        app_dir,
        *("app.py:demo", "--api-name", "invert", "--duration", "1", "--size", "320x240"),
        *("--fps", "max", "--json", str(out), "--plot", str(tmp_path / "plots")),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(out.read_text())
    (report,) = document["transports"]
    assert report["server_cpu_source"] == "server process, /proc"
    assert report["server_cpu_pct"] is not None
    assert report["server_cpu_pct"] > 0
    assert report["fps_target"] is None
    assert report["outputs"] >= 5
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["fps.png", "latency.png"]
    port = int(document["run"]["url"].rsplit(":", 1)[1].strip("/"))
    with bind_socket("127.0.0.1", port):  # the server is gone: its port is free again
        pass


def test_the_counter_survives_a_colour_inversion() -> None:
    frame = stamp_index(np.full((48, 120, 3), 100, np.uint8), 1234)
    assert read_index(frame) == read_index(255 - frame) == 1234
    assert read_index(np.full_like(frame, 90)) is None


def test_what_bounds_the_rate() -> None:
    kept_up = bound(
        fps_target=30, fps_out_per_stream=29.8, latency_ms_p50=9, server_ms_p50=4, codec_ms=2
    )
    assert kept_up.stage == "source"
    slow_fn = bound(
        fps_target=None, fps_out_per_stream=20, latency_ms_p50=52, server_ms_p50=50, codec_ms=2
    )
    assert slow_fn.stage == "fn"
    assert slow_fn.fn_ms == 49
    heavy_codec = bound(
        fps_target=None,
        fps_out_per_stream=40,
        latency_ms_p50=25,
        server_ms_p50=2,
        codec_ms=20,
        codec_in_server=False,
    )
    assert heavy_codec.stage == "codec"
    far = bound(
        fps_target=None, fps_out_per_stream=10, latency_ms_p50=100, server_ms_p50=5, codec_ms=2
    )
    capped = bound(
        fps_target=30,
        fps_out_per_stream=19.5,
        latency_ms_p50=9,
        server_ms_p50=4,
        codec_ms=2,
        stream_every=0.05,
    )
    assert capped.stage == "stream_every"
    assert far.stage == "transport"
    assert far.transport_ms == 94
