"""``python -m streamcore serve`` (``transports/cli.py``), run as users run it: in a
subprocess, on a real port, stopped with SIGTERM, with a time limit on every wait."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path

import anyio
import numpy as np
import pytest
from live_support import close_to, serving_script

from transports import AsyncClient, ClientError
from transports.bench import served_by
from transports.ports import bind_socket

SECONDS = 60

APP = """
import asyncio
import os

import numpy as np
import streamcore as gr

with gr.Blocks() as demo:
    camera = gr.Image(sources="webcam", streaming=True)
    out = gr.Image(streaming=True)
    camera.stream(lambda image: 255 - image, camera, out, stream_every=0, api_name="invert")
    pid = gr.Number()
    gr.Button().click(lambda: os.getpid(), None, pid, api_name="pid")

    async def loop_kind():
        return type(asyncio.get_running_loop()).__module__

    gr.Button().click(loop_kind, None, gr.Textbox(), api_name="loop")

if __name__ == "__main__":
    demo.launch(auth=("ada", "lovelace"), max_threads=8)
"""


def free_port() -> int:
    with bind_socket("127.0.0.1", 0) as sock:
        return int(sock.getsockname()[1])


def serving(tmp_path: Path, *args: str) -> AbstractContextManager[str]:
    """The command serving :data:`APP` (:func:`live_support.serving_script`)."""
    return serving_script(tmp_path, APP, *args)


def test_serve_runs_the_script_as_main_and_keeps_its_launch_keywords(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=SECONDS)
        refused.value.close()
        assert refused.value.code == 401  # demo.launch(auth=...) of the script applies

        async def call() -> tuple[int, str]:
            async with AsyncClient(url, auth=("ada", "lovelace")) as client:
                pid = int(await client.predict(api_name="/pid"))
                return pid, str(await client.predict(api_name="/loop"))

        pid, loop = anyio.run(call)
        assert pid > 0
        # the workers run on uvloop when it is installed (server_loop())
        expected = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        assert loop.split(".")[0] == expected


def test_workers_share_one_port_and_serve_whole_sessions(tmp_path: Path) -> None:
    image = np.tile(np.arange(64, dtype=np.uint8)[None, :, None], (48, 1, 3))

    async def session(url: str) -> tuple[int, str | None]:
        async with AsyncClient(url, auth=("ada", "lovelace")) as client:
            pid = int(await client.predict(api_name="/pid"))
            outputs = [o async for o in await client.stream([image] * 6, api_name="/invert")]
            assert outputs
            assert close_to(outputs[-1], 255 - image)
            return pid, served_by(client)

    async def eight_at_once(url: str) -> list[tuple[int, str | None]]:
        served: list[tuple[int, str | None]] = []

        async def one() -> None:
            served.append(await session(url))

        with anyio.fail_after(SECONDS):
            async with anyio.create_task_group() as tasks:
                for _ in range(8):
                    tasks.start_soon(one)
        return served

    with serving(tmp_path, "--workers", "2") as url:
        seen: set[tuple[int, str | None]] = set()
        for _ in range(10):  # which process accepts is the kernel's choice
            seen.update(anyio.run(eight_at_once, url))
            if len({pid for pid, _ in seen}) == 2:
                break
    assert len({pid for pid, _ in seen}) == 2, f"one process served every session: {seen}"
    # the welcome's worker id names the process: one id per pid, two ids
    assert len(seen) == 2, f"a process gave its sessions different worker ids: {seen}"
    for _, worker in seen:
        assert worker is not None
        assert re.fullmatch("[0-9a-f]{8}", worker)


def test_a_bad_target_exits_2_naming_the_problem(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streamcore", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=SECONDS,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
            check=False,
        )

    missing = run("serve", "app.py:nope")
    assert missing.returncode == 2
    assert "app.py has no app named 'nope'; its apps: demo" in missing.stderr
    assert run("serve", "absent.py").returncode == 2
    assert "no such file: absent.py" in run("serve", "absent.py").stderr
    assert run("serve", "app.py", "--workers", "0").returncode == 2
    assert run().returncode == 2  # no command: usage


def test_the_loaded_app_carries_the_scripts_launch_options(tmp_path: Path) -> None:
    from transports.cli import load_app

    (tmp_path / "two.py").write_text(
        "import streamcore as gr\n"
        "a = gr.Blocks()\n"
        "b = gr.Blocks()\n"
        "b.launch(max_threads=3, server_port=1, quiet=True)\n"
    )
    loaded = load_app(f"{tmp_path / 'two.py'}:b")
    assert loaded.options == {"max_threads": 3, "show_error": False}  # not the address
    from transports.cli import TargetError

    with pytest.raises(
        TargetError, match=r"name the app to serve as .*two.py:NAME; its apps: a, b"
    ):
        load_app(str(tmp_path / "two.py"))


def test_a_client_without_the_login_is_told_so(tmp_path: Path) -> None:
    async def connect(url: str) -> None:
        async with AsyncClient(url):
            pass

    with serving(tmp_path) as url, pytest.raises(ClientError, match="needs a login"):
        anyio.run(connect, url)
