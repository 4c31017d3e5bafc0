"""What the browser tests share: Debian's Chromium with a fake camera, an app served and
opened in a fresh context, and the average colour of an image or video of the page.

Every page opened by :func:`app_page` is watched for console errors and uncaught
exceptions; a test fails on any that its ``allowed_errors`` patterns do not match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import streamcore as gr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, WebSocket

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000


MEAN_COLOUR_JS = """
async (selector) => {
  const element = document.querySelector(selector);
  // a streamed image may be replaced while it decodes (decode() then rejects): try again
  for (let attempt = 1; element.tagName === "IMG"; attempt += 1) {
    try {
      await element.decode();
      break;
    } catch (error) {
      if (attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const width = element.naturalWidth || element.videoWidth;
  const height = element.naturalHeight || element.videoHeight;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.drawImage(element, 0, 0);
  const pixels = context.getImageData(0, 0, width, height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < pixels.length; i += 4) {
    sum[0] += pixels[i];
    sum[1] += pixels[i + 1];
    sum[2] += pixels[i + 2];
  }
  return sum.map((total) => total / (pixels.length / 4));
}
"""


def launch_chromium(playwright: Playwright, extra_args: Sequence[str] = ()) -> Browser:
    """Headless Chromium with the fake camera (and ``extra_args``, e.g. its video file).

    The browser tests fail, never skip, without it: install it with
    ``apt-get install chromium`` (the README's test command does).
    """
    if not CHROMIUM.exists():
        raise RuntimeError(f"the browser tests need Debian's chromium at {CHROMIUM}")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
    )


@contextmanager
def app_page(
    browser: Browser,
    demo: gr.Blocks,
    query: str = "",
    *,
    init_script: str | None = None,
    allowed_errors: Sequence[str] = (),
    launch_options: dict[str, Any] | None = None,
    websocket_log: list[tuple[str, dict[str, Any]]] | None = None,
) -> Iterator[Page]:
    """Serve ``demo`` (``launch_options`` go to ``demo.launch``), open its page (after
    ``init_script``, if any) and wait until it is ready; on a normal exit, assert that no
    console error or page error happened other than those matching one of the
    ``allowed_errors`` regular expressions. ``websocket_log`` (if given) receives the
    messages of the page's WebSockets as ``("sent" | "received", message)``: the JSON of
    a text message, the header of a binary one."""
    errors: list[str] = []
    demo.launch(server_port=0, prevent_thread_lock=True, quiet=True, **(launch_options or {}))
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        if init_script is not None:
            page.add_init_script(init_script)
        page.on("console", lambda message: _console_error(message, errors))
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        if websocket_log is not None:
            page.on("websocket", lambda socket: _log_messages(socket, websocket_log))
        page.goto(f"{demo.local_url}{query}")
        page.wait_for_function("window.streamcore && window.streamcore.ready === true")
        yield page
    finally:
        context.close()
        demo.close()
    unexpected = [e for e in errors if not any(re.search(p, e) for p in allowed_errors)]
    assert unexpected == []


def _log_messages(socket: WebSocket, log: list[tuple[str, dict[str, Any]]]) -> None:
    def record(direction: str, payload: str | bytes) -> None:
        if isinstance(payload, bytes):  # binary: 4-byte header length, JSON header, payload
            payload = payload[4 : 4 + int.from_bytes(payload[:4], "big")].decode()
        log.append((direction, json.loads(payload)))

    socket.on("framesent", lambda payload: record("sent", payload))
    socket.on("framereceived", lambda payload: record("received", payload))


def _console_error(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(f"console error: {message.text}")


def mean_colour(page: Page, selector: str) -> list[float]:
    """The average RGB of the image (or video) element ``selector`` as the page has it.

    The element is scrolled into view first: Chromium does not paint a video outside the
    viewport, and a picture taken of it then is black."""
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(200)  # a painted frame of a video just scrolled in
    return list(page.evaluate(MEAN_COLOUR_JS, selector))


@contextmanager
def asgi_served(app: Any) -> Iterator[str]:
    """``app`` (any ASGI app) under uvicorn on a free port, on a loop in a thread of its
    own, for the body of the ``with``; yields its base URL (no trailing slash)."""
    import asyncio
    import threading

    import uvicorn

    from transports.ports import bind_socket
    from transports.server import uvicorn_on

    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    started = threading.Event()
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def main() -> None:
        config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
        stop = asyncio.Event()
        running.append((asyncio.get_running_loop(), stop))
        async with uvicorn_on(sock, config):
            started.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="asgi-served")
    thread.start()
    try:
        assert started.wait(30), "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        loop, stop = running[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
