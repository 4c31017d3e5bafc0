"""The app corpus (``tests/apps/``) run unchanged on streamcore: every app is imported as
written (``import streamcore as gr``), launched on a live loopback server, its ``/config``
fetched, and each of its ``CALLS`` made with the real ``gradio_client`` and checked.

The same apps and calls pass on Gradio 6.31: ``tests/apps/check_with_gradio.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "apps"))

from harness import app_names, fetch_config, load_app, run_calls, serving


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy, no telemetry: the client speaks to the live server only."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


def test_the_corpus_has_at_least_30_apps() -> None:
    assert len(app_names()) >= 30


@pytest.mark.timeout(90)
@pytest.mark.parametrize("name", app_names())
def test_app_runs_and_answers_its_calls(name: str, tmp_path: Path) -> None:
    module = load_app(name)
    assert module.CALLS, f"{name} has no calls"
    with serving(module.demo) as url:
        config = fetch_config(url)
        assert "layout" in config, f"{name}: /config has no layout"
        assert config["components"], f"{name}: /config has no components"
        run_calls(url, module.CALLS, tmp_path)
