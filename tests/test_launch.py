"""``demo.launch()`` as Gradio's (``transports/server.py``'s ``launch``, ``transports/ports.py``):
the port search, a busy port, launching twice, ``close()``, what it returns, ``share``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_support import healthy, sepia_demo

import streamcore as gr
from transports.server import LOOP_ENV, server_loop, uvicorn_settings

SCRIPT_SECONDS = 60


def listening(port: int = 0) -> socket.socket:
    """A socket listening on 127.0.0.1:``port``, as another program holding it would.

    It has ``SO_REUSEADDR``, as servers do, so only a socket still listening there (not
    connections in ``TIME_WAIT``) keeps it from binding.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now."""
    try:
        listening(port).close()
    except OSError:
        return False
    return True


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "streamcore-server"]


@pytest.fixture
def demo() -> Iterator[gr.Interface]:
    demo = sepia_demo()
    try:
        yield demo
    finally:
        demo.close()


def test_launch_returns_app_local_url_and_share_url(demo: gr.Interface) -> None:
    app, local_url, share_url = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    assert app is demo.app
    assert (local_url, share_url) == (demo.local_url, None)
    assert healthy(local_url)
    assert demo.server.port == int(local_url.rsplit(":", 1)[1].strip("/"))


def test_close_frees_the_port_and_the_thread(demo: gr.Interface) -> None:
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    url, port = server.local_url, server.port
    assert healthy(url)
    assert not port_is_free(port)
    demo.close()
    assert (demo.server, demo.local_url) == (None, None)
    assert server_threads() == []
    assert not healthy(url)
    assert port_is_free(port)


def test_a_busy_port_raises_at_once_naming_it(demo: gr.Interface) -> None:
    with listening() as held:
        port = held.getsockname()[1]
        with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
            demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    assert demo.server is None
    assert server_threads() == []


def test_launching_twice_closes_the_first_server(demo: gr.Interface) -> None:
    first = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    first_thread = first._thread
    assert first_thread is not None
    second = demo.launch(server_port=first.port, prevent_thread_lock=True, quiet=True)
    assert not first_thread.is_alive()
    assert (second.port, demo.server) == (first.port, second)  # the same port, taken again
    assert healthy(second.local_url)
    assert server_threads() == [second._thread]


def test_without_a_port_the_search_starts_at_gradio_server_port(
    demo: gr.Interface, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(20):
        held = listening()
        first = held.getsockname()[1]
        if port_is_free(first + 1):
            break
        held.close()
    else:
        pytest.fail("no two adjacent ports found")
    with held:
        monkeypatch.setenv("GRADIO_SERVER_PORT", str(first))
        monkeypatch.setenv("GRADIO_SERVER_NAME", "localhost")
        server = demo.launch(prevent_thread_lock=True, quiet=True)
        assert (server.host, server.port) == ("localhost", first + 1)
        assert demo.local_url == f"http://localhost:{first + 1}/"
        assert healthy(server.local_url)


def test_share_raises_a_clear_error(demo: gr.Interface) -> None:
    with pytest.raises(ValueError, match="no share service"):
        demo.launch(share=True, prevent_thread_lock=True, quiet=True)
    assert demo.server is None


def run_script(source: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a new interpreter; fails the test if it does not end in time."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    tests = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests.parent), str(tests)])}
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_a_script_on_a_busy_port_fails_at_once_and_one_that_closes_ends(tmp_path: Path) -> None:
    with listening() as held:
        port = held.getsockname()[1]
        done = run_script(
            f"""
            from live_support import sepia_demo
            sepia_demo().launch(server_port={port})
            print("served")
            """,
            tmp_path,
        )
    assert done.returncode == 1
    assert "served" not in done.stdout
    assert f"OSError: [Errno 98] cannot serve on 127.0.0.1:{port}" in done.stderr
    done = run_script(
        """
        from live_support import sepia_demo
        demo = sepia_demo()
        app, url, share_url = demo.launch(server_port=0, prevent_thread_lock=True)
        demo.close()
        print("closed", share_url)
        """,
        tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("* Running on local URL:  http://127.0.0.1:")
    assert done.stdout.endswith("closed None\n")


def test_inbrowser_opens_the_page(tmp_path: Path) -> None:
    done = run_script(
        """
        import os, shlex, sys
        opener = "import sys; open('opened.txt', 'w').write(sys.argv[1])"
        os.environ["BROWSER"] = f"{shlex.quote(sys.executable)} -c {shlex.quote(opener)} %s"
        from live_support import sepia_demo

        demo = sepia_demo()
        demo.launch(server_port=0, inbrowser=True, prevent_thread_lock=True, quiet=True)
        url = demo.local_url
        demo.close()
        print(url)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "opened.txt").read_text() == done.stdout.strip()


@pytest.mark.parametrize("choice", ["auto", "asyncio"])
def test_the_launched_server_runs_on_uvloop_when_installed(
    demo: gr.Interface, choice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LOOP_ENV, choice)
    server = demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    assert healthy(server.local_url)
    installed = importlib.util.find_spec("uvloop") is not None
    expected = "uvloop" if installed and choice == "auto" else "asyncio"
    assert type(server._loop).__module__.split(".")[0] == expected
    assert uvicorn_settings()["loop"] == expected  # what streamcore serve's workers get
    demo.close()


def test_an_unknown_loop_choice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOOP_ENV, "tokio")
    with pytest.raises(ValueError, match="STREAMCORE_LOOP"):
        server_loop()
