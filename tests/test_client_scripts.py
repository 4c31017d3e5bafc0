"""The Python client as users' scripts use it: each script runs in its own process, with a
time limit, against a live server; it must end by itself and say what it should.

These pin the client's lifetime (a script that never closes its client ends; one that
raises ends; a job used inline keeps its client), its download folder, and streams fed
with frames of every kind a caller may hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

import streamcore as gr

SCRIPT_SECONDS = 60
MAX_PIXELS = 100_000


def sepia(img: np.ndarray) -> np.ndarray:
    """The documented sepia fn: it returns floats in [0, 1]."""
    toned = img.dot(
        np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]).T
    )
    return toned / toned.max()


def count(n: float) -> Iterator[int]:
    yield from range(int(n))


def client_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        text = gr.Textbox()
        text.submit(lambda s: s[::-1], text, text, api_name="rev")
        number = gr.Number()
        number.submit(count, number, number, api_name="count")
        picture = gr.Image()
        picture.upload(lambda img: img, picture, gr.Image(), api_name="echo")
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(sepia, camera, gr.Image(streaming=True), stream_every=0, api_name="sepia")
        counter = gr.State(0)
        camera.stream(
            lambda img, n: (n + 1, img),
            [camera, counter],
            [counter, gr.Image(streaming=True)],
            stream_every=0,
            api_name="pair",
        )
    return demo


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    demo = client_app()
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, max_pixels=MAX_PIXELS)
    assert demo.local_url is not None
    try:
        yield demo.local_url
    finally:
        demo.close()


def run_script(source: str, url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``source`` (with ``URL`` defined) in a new interpreter whose temp folder is
    ``tmp_path / "tmp"``; fails the test if it does not end within the time limit."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    script = tmp_path / "script.py"
    script.write_text(f"URL = {url!r}\n" + textwrap.dedent(source))
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(Path(__file__).parents[1])}
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def left_in_temp(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").glob("streamcore-client-*"))


# -- every script ends by itself ------------------------------------------------------------


def test_a_script_that_never_closes_its_client_ends(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        from transports import Client
        c = Client(URL)
        print(c.predict("hello", api_name="/rev"))
        """,
        url,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (0, "olleh\n"), done.stderr


def test_the_readme_one_liner_stream_ends(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        import numpy as np
        from transports import Client
        frames = [np.full((32, 48, 3), 100 + i, np.uint8) for i in range(3)]
        for out in Client(URL).stream(frames, api_name="/sepia"):
            print(out.shape, out.dtype)
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["(32, 48, 3) uint8"] * 3


def test_a_script_that_raises_with_a_client_open_ends(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        from transports import Client
        c = Client(URL)
        job = c.submit(3, api_name="/count")
        raise RuntimeError("the script failed")
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 1
    assert "RuntimeError: the script failed" in done.stderr


def test_a_with_block_closes_at_once(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        import threading
        from transports import Client
        with Client(URL) as c:
            print(c.predict("ab", api_name="/rev"))
        print(sorted(t.name for t in threading.enumerate() if t.name.startswith("streamcore")))
        """,
        url,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (0, "ba\n[]\n"), done.stderr


def test_a_job_used_inline_keeps_its_client(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        import gc
        from transports import Client
        job = Client(URL).submit(4, api_name="/count")
        gc.collect()
        print(list(job), job.result(), job.status().code.name)
        print(Client(URL).submit("xyz", api_name="/rev").result())
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[0, 1, 2, 3] 3 FINISHED\nzyx\n"


# -- the download folder ----------------------------------------------------------------------


def test_the_download_folder_the_client_made_is_removed(url: str, tmp_path: Path) -> None:
    image = tmp_path / "in.png"
    PIL.Image.fromarray(np.full((8, 8, 3), 50, np.uint8)).save(image)
    done = run_script(
        f"""
        import os
        from transports import Client
        closed = Client(URL)
        path = closed.predict({str(image)!r}, api_name="/echo")
        print(os.path.exists(path))
        closed.close()
        print(os.path.exists(path))
        left_open = Client(URL)
        print(os.path.exists(left_open.predict({str(image)!r}, api_name="/echo")))
        mine = Client(URL, download_dir="kept")
        kept = mine.predict({str(image)!r}, api_name="/echo")
        """,
        url,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (0, "True\nFalse\nTrue\n"), done.stderr
    assert left_in_temp(tmp_path) == []  # the one left open was removed at exit
    assert len(list((tmp_path / "kept").rglob("*.*"))) == 1  # the caller's folder is kept


# -- streams: frames of every kind, and the errors that reach the caller ------------------------


def test_frames_are_converted_by_the_image_rules(url: str, tmp_path: Path) -> None:
    picture = tmp_path / "frame.png"
    done = run_script(
        f"""
        import numpy as np
        import PIL.Image
        from transports import Client
        PIL.Image.fromarray(np.full((20, 30, 3), 80, np.uint8)).save({str(picture)!r})
        frames = [
            np.full((20, 30, 3), 0.5),                     # floats in [0, 1]
            np.ones((20, 30), bool),                       # bools, grey
            np.full((20, 30, 4), 200, np.int64),           # small ints with alpha
            PIL.Image.new("RGB", (30, 20), (10, 20, 30)),  # a PIL image
            {str(picture)!r},                              # a path
        ]
        with Client(URL) as client:
            outputs = list(client.stream(frames, api_name="/sepia"))
        print([o.shape for o in outputs])
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[" + ", ".join(["(20, 30, 3)"] * 5) + "]\n"


@pytest.mark.parametrize("transport", ["websocket", "webrtc"])
@pytest.mark.parametrize(
    ("bad_frame", "message"),
    [
        ("np.full((400, 400, 3), 9, np.uint8)", "frame 1 has 400x400 = 160,000 pixels"),
        ("np.full((20, 30, 3), 7.0)", "frame 1 cannot be sent: .*between -1 and 1"),
        ("'no such file.png'", "frame 1 cannot be sent: .*no such file"),
        ("object()", "frame 1 cannot be sent: a frame must be"),
    ],
    ids=["too-large", "float-out-of-range", "missing-path", "not-an-image"],
)
def test_a_frame_that_cannot_be_sent_raises_from_the_iteration(
    url: str, tmp_path: Path, transport: str, bad_frame: str, message: str
) -> None:
    done = run_script(
        f"""
        import itertools, re
        import numpy as np
        from streamcore.client import FrameValueError
        from transports import Client
        frames = itertools.chain([np.full((20, 30, 3), 90, np.uint8), {bad_frame}],
                                 itertools.repeat(np.full((20, 30, 3), 90, np.uint8)))
        with Client(URL) as client:
            stream = client.stream(frames, api_name="/sepia", transport={transport!r})
            try:
                for output in stream:
                    pass
            except FrameValueError as exc:
                print("raised:", exc)
                assert re.search({message!r}, str(exc)), exc
            print(stream.completion.reason if stream.completion else None)
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("raised: frame 1 "), done.stdout


def test_an_error_of_the_callers_frames_raises_from_the_iteration(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        import numpy as np
        from transports import Client

        def frames():
            yield np.zeros((8, 8, 3), np.uint8)
            raise LookupError("the camera went away")

        with Client(URL) as client:
            try:
                list(client.stream(frames(), api_name="/sepia"))
            except LookupError as exc:
                print("raised:", exc)
        """,
        url,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (0, "raised: the camera went away\n"), done.stderr


def test_frames_the_server_refuses_reach_the_sync_stream(tmp_path: Path) -> None:
    with gr.Blocks() as demo:
        camera = gr.Image(sources="webcam", streaming=True)
        camera.stream(lambda img: img.shape[0], camera, gr.Number(), api_name="rows")
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True)
    assert demo.local_url is not None
    try:
        done = run_script(
            """
            import numpy as np
            from transports import Client
            frames = [np.zeros((4, 4, 3), np.uint8), b"not an image", np.zeros((6, 4, 3), np.uint8)]
            with Client(URL) as client:
                stream = client.stream(frames, api_name="/rows", max_in_flight=1)
                print(list(stream), [e["title"] for e in stream.frame_errors])
            """,
            demo.local_url,
            tmp_path,
        )
    finally:
        demo.close()
    assert (done.returncode, done.stdout) == (0, "[4, 6] ['Bad frame']\n"), done.stderr


# -- gradio_client's names and contracts --------------------------------------------------------


def test_a_gradio_client_script_runs_unchanged_but_for_the_import(url: str, tmp_path: Path) -> None:
    image = tmp_path / "in.png"
    PIL.Image.fromarray(np.full((8, 8, 3), 50, np.uint8)).save(image)
    done = run_script(
        f"""
        import concurrent.futures
        from transports import Client, handle_file
        with Client(URL) as client:
            info = client.view_api(print_info=False, return_format="dict")
            print(sorted(info["named_endpoints"]))
            print(client.predict("abc", fn_index=0))
            print(client.predict(handle_file({str(image)!r}), api_name="/echo").endswith(".webp"))
            jobs = [client.submit(n, api_name="/count") for n in (2, 3)]  # trigger_mode "once"
            done, _ = concurrent.futures.wait(jobs, timeout=30)
            skipped = jobs[1]
            print(len(done), jobs[0].result(), jobs[0].outputs(), skipped.status().reason)
            print(type(skipped.exception()).__name__, skipped.outputs())
            print(client.predict({str(image)!r}, api_name="/sepia").endswith(".webp"))
            try:
                client.predict(1, api_name="/nope")
            except KeyError as exc:
                print(exc)
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "['/count', '/echo', '/pair', '/rev', '/sepia']",
        "cba",
        "True",
        "2 1 [0, 1] skipped",
        "JobSkippedError []",
        "True",
        "there is no public event with api_name '/nope'; the app has: "
        "/rev, /count, /echo, /sepia, /pair",
    ]


def test_binary_frames_keep_an_image_that_follows_a_state_output(url: str, tmp_path: Path) -> None:
    done = run_script(
        """
        import anyio
        import numpy as np
        from transports import AsyncClient

        async def main():
            frames = [np.full((16, 16, 3), 120, np.uint8)] * 2
            async with AsyncClient(URL) as client:  # binary frames: the default
                stream = await client.stream(frames, api_name="/pair")
                async for state, image in stream:
                    print(state, type(image).__name__, image.shape)

        anyio.run(main)
        """,
        url,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["None ndarray (16, 16, 3)"] * 2
