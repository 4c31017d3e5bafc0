"""The server's switch interval: 1 ms by default, the environment's value, ``off``, and a
clear error for a value that is not one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from transports import switch_interval
from transports.switch_interval import (
    DEFAULT_SWITCH_INTERVAL,
    SWITCH_INTERVAL_ENV,
    apply_switch_interval,
    switch_interval_from_env,
)


@pytest.fixture
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if no server of this process had applied it yet; the interval is put back."""
    before = sys.getswitchinterval()
    monkeypatch.setattr(switch_interval, "_applied", False)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, DEFAULT_SWITCH_INTERVAL), ("auto", 0.001), ("0.0005", 0.0005), ("off", None)],
)
def test_the_environment_names_the_interval(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: float | None
) -> None:
    if raw is None:
        monkeypatch.delenv(SWITCH_INTERVAL_ENV, raising=False)
    else:
        monkeypatch.setenv(SWITCH_INTERVAL_ENV, raw)
    assert switch_interval_from_env() == expected


@pytest.mark.parametrize("raw", ["0", "1", "fast", "-0.001"])
def test_a_value_that_is_no_interval_is_named(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(SWITCH_INTERVAL_ENV, raw)
    with pytest.raises(ValueError, match=rf"STREAMCORE_SWITCH_INTERVAL='{raw}'"):
        switch_interval_from_env()


def test_applied_once_per_process(
    monkeypatch: pytest.MonkeyPatch, fresh_process_state: None
) -> None:
    monkeypatch.setenv(SWITCH_INTERVAL_ENV, "0.002")
    assert apply_switch_interval() == pytest.approx(0.002)
    assert sys.getswitchinterval() == pytest.approx(0.002)
    monkeypatch.setenv(SWITCH_INTERVAL_ENV, "0.003")
    assert apply_switch_interval() is None  # the process's first server decided
    assert sys.getswitchinterval() == pytest.approx(0.002)


def test_off_leaves_the_interpreter_alone(
    monkeypatch: pytest.MonkeyPatch, fresh_process_state: None
) -> None:
    sys.setswitchinterval(0.004)
    monkeypatch.setenv(SWITCH_INTERVAL_ENV, "off")
    assert apply_switch_interval() is None
    assert sys.getswitchinterval() == pytest.approx(0.004)


def test_a_launched_server_sets_it() -> None:
    """A user's script: ``launch()`` sets 1 ms in its process, and the script exits."""
    script = textwrap.dedent(
        """
        import sys
        import streamcore as gr
        assert abs(sys.getswitchinterval() - 0.005) < 1e-9
        with gr.Blocks() as demo:
            gr.Textbox()
        demo.launch(prevent_thread_lock=True, quiet=True)
        print(sys.getswitchinterval())
        demo.close()
        """
    )
    env_free = {k: v for k, v in __import__("os").environ.items() if k != SWITCH_INTERVAL_ENV}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env_free
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(0.001)
