"""Screenshots of the same apps served by Gradio and by streamcore, in the same headless
Chromium (Debian's, with a fake camera), for ``docs/page-and-gradio.md``.

Each app below is one source text; it is run twice, once with ``import gradio as gr`` by a
Python that has Gradio (the benchmark peers' venv by default) and once with ``import
streamcore as gr`` by this one. Each page is opened at the same size, brought to the same
moment (idle; mid-run of a generator; streaming the webcam) and photographed. Run from the
repository's root (needs the ``test`` extra for playwright)::

    .venv/bin/python docs/screenshots/take.py [--gradio-python PATH]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
GRADIO_PYTHON = Path.home() / ".cache/streamcore-bench/peers/gradio/bin/python"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 860}

APPS = {
    "interface": """
        import numpy as np
        import streamcore as gr

        def sepia(input_img):
            sepia_filter = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168],
                                     [0.272, 0.534, 0.131]])
            sepia_img = input_img.dot(sepia_filter.T)
            sepia_img /= sepia_img.max()
            return sepia_img

        demo = gr.Interface(sepia, gr.Image(), "image", title="Sepia filter",
                            description="Upload a picture: it comes back in sepia.")
    """,
    "generator": """
        import time
        import numpy as np
        import streamcore as gr

        def fake_diffusion(steps):
            rng = np.random.default_rng()
            for _ in range(steps):
                time.sleep(1)
                yield rng.random(size=(600, 600, 3))
            yield np.ones((600, 600, 3)) * 0.5

        demo = gr.Interface(fake_diffusion, gr.Slider(1, 10, 3, step=1), "image",
                            title="Fake diffusion", description="A generator, one image a second.")
    """,
    "webcam": """
        import numpy as np
        import streamcore as gr

        def sepia(input_img):
            sepia_filter = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168],
                                     [0.272, 0.534, 0.131]])
            sepia_img = input_img.dot(sepia_filter.T)
            sepia_img /= sepia_img.max()
            return sepia_img

        with gr.Blocks() as demo:
            with gr.Row():
                camera = gr.Image(sources=["webcam"], streaming=True, label="camera")
                out = gr.Image(streaming=True, label="sepia")
            camera.stream(sepia, camera, out, stream_every=0.1, time_limit=30)
    """,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(python: Path, source: str, library: str) -> Iterator[str]:
    """Serve the app ``source`` (its import line naming ``library``) with ``python``."""
    port = free_port()
    text = textwrap.dedent(source).replace("import streamcore as gr", f"import {library} as gr")
    text += f"\ndemo.launch(server_name='127.0.0.1', server_port={port})\n"
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "app.py"
        script.write_text(text)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
        process = subprocess.Popen(
            [str(python), str(script)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"{library} did not serve {url}") from None
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(30)


def mid_run(page: Page) -> None:
    """Start the generator and wait until it is half way."""
    page.get_by_role("button", name="Submit").click()
    page.wait_for_timeout(2300)


def streaming(page: Page) -> None:
    """Start the webcam stream: streamcore's Start button, or Gradio's two steps (access the
    webcam, then its record button), and let it run a few seconds."""
    start = page.get_by_role("button", name="Start streaming")
    if start.count():
        start.click()
    else:
        page.get_by_text("Click to Access Webcam").click()
        page.wait_for_timeout(2500)
        page.get_by_role("button", name="capture photo").click()
    page.wait_for_timeout(4000)


MOMENTS: dict[str, Callable[[Page], None]] = {
    "interface": lambda page: page.wait_for_timeout(500),
    "generator": mid_run,
    "webcam": streaming,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradio-python", type=Path, default=GRADIO_PYTHON)
    options = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--no-sandbox",
                "--headless=new",
            ],
        )
        for name, source in APPS.items():
            for library, python in (
                ("gradio", options.gradio_python),
                ("streamcore", Path(sys.executable)),
            ):
                with served(python, source, library) as url:
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                    page.goto(url)
                    page.wait_for_load_state("load")
                    page.wait_for_timeout(3000)  # both pages render from their config
                    MOMENTS[name](page)
                    target = HERE / f"{name}-{library}.png"
                    page.screenshot(path=str(target), full_page=False)
                    context.close()
                    print(f"{target.relative_to(ROOT)}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
