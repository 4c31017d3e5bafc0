"""Server-side fetches under the SSRF rules (``streamcore/media/url_fetch.py``): non-public
addresses refused after DNS resolution and on every redirect, the connection made to the
address checked, bodies that are not images refused; Image inputs given as URLs.

Every server here listens on the loopback range (127.0.0.1, 127.0.0.2): so the default
refusal of loopback is what the tests show, and the allowed paths opt in (or, in the unit
tests, treat one loopback address as if it were public)."""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from live_support import gradient, raw_client

import streamcore as gr
from streamcore.errors import FetchError, InvalidInputError
from streamcore.media import url_fetch
from streamcore.media.files import FileAccess, use_file_access
from streamcore.media.url_fetch import MAX_REDIRECTS, fetch_image, fetch_url, refusal_of
from transports import serve

pytestmark = pytest.mark.anyio


def png_bytes(image: np.ndarray | None = None) -> bytes:
    buffer = io.BytesIO()
    PIL.Image.fromarray(gradient() if image is None else image).save(buffer, format="PNG")
    return buffer.getvalue()


class Site:
    """A tiny HTTP server on one loopback address; ``routes`` maps a path to
    ``(status, headers, body)``; ``hits`` lists the paths asked for."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = site.routes.get(self.path, (404, {}, b"no"))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        running.routes["/cat.png"] = (200, {"Content-Type": "image/png"}, png_bytes())
        running.routes["/page.png"] = (200, {"Content-Type": "image/png"}, b"<html>hi</html>")
        yield running


@pytest.fixture
def policy(tmp_path: Path) -> FileAccess:
    return FileAccess(cache_dir=tmp_path / "cache", url_timeout=5)


# -- which addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # the cloud metadata service
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),  # unique-local
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("240.0.0.1", "a private address"),  # reserved (Python counts it private too)
        ("100.64.0.1", "a non-public address"),  # shared (CGNAT)
        ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
    ],
)
def test_which_addresses_are_refused(address: str, reason: str | None) -> None:
    assert refusal_of(address) == reason


# -- refusals, with no connection made ------------------------------------------------------------


def test_loopback_is_refused_by_default_and_never_contacted(site: Site, policy: FileAccess) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_url(f"{site.url}/cat.png", policy)
    message = str(caught.value)
    assert "its host 127.0.0.1 is a loopback address" in message
    assert "allow_private_urls=True" in message
    assert site.hits == []


def test_a_name_is_judged_by_what_it_resolves_to(site: Site, policy: FileAccess) -> None:
    url = site.url.replace("127.0.0.1", "localhost") + "/cat.png"
    with pytest.raises(FetchError, match="its host 'localhost' resolves to no public address"):
        fetch_url(url, policy)
    assert site.hits == []


def test_the_app_may_allow_private_addresses(site: Site, policy: FileAccess) -> None:
    allowed = FileAccess(cache_dir=policy.cache_dir, allow_private_urls=True)
    assert fetch_url(f"{site.url}/cat.png", allowed) == png_bytes()


@pytest.fixture
def public_127_0_0_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat 127.0.0.2 as if it were a public address (a stand-in for the internet)."""
    real = url_fetch.refusal_of
    monkeypatch.setattr(
        url_fetch, "refusal_of", lambda address: None if address == "127.0.0.2" else real(address)
    )


def test_every_redirect_is_checked(public_127_0_0_2: None, site: Site, policy: FileAccess) -> None:
    with Site("127.0.0.2") as public:
        public.routes["/go"] = (302, {"Location": f"{site.url}/cat.png"}, b"")
        public.routes["/hop"] = (301, {"Location": "/go"}, b"")
        with pytest.raises(FetchError, match=r"its host 127\.0\.0\.1 is a loopback address"):
            fetch_url(f"{public.url}/hop", policy)
        assert public.hits == ["/hop", "/go"]
    assert site.hits == []  # the internal server was never reached


def test_redirects_are_bounded(public_127_0_0_2: None, policy: FileAccess) -> None:
    with Site("127.0.0.2") as public:
        public.routes["/loop"] = (302, {"Location": "/loop"}, b"")
        with pytest.raises(FetchError, match=f"more than {MAX_REDIRECTS} redirects"):
            fetch_url(f"{public.url}/loop", policy)
        assert len(public.hits) == MAX_REDIRECTS + 1


def test_the_connection_goes_to_the_address_checked(
    public_127_0_0_2: None, monkeypatch: pytest.MonkeyPatch, site: Site, policy: FileAccess
) -> None:
    """DNS rebinding: the name answers a public address to the check, then a private one.
    The fetch resolves once and connects to what it checked."""
    with Site("127.0.0.2") as public:
        public.routes["/cat.png"] = (200, {}, png_bytes())
        port = int(public.url.rsplit(":", 1)[1])
        answers = iter(["127.0.0.2", "127.0.0.1"])
        real = socket.getaddrinfo

        def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
            if host == "rebind.test":
                return real(next(answers), *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        assert fetch_url(f"http://rebind.test:{port}/cat.png", policy) == png_bytes()
        assert public.hits == ["/cat.png"]
        assert next(answers) == "127.0.0.1"  # resolved once only
    assert site.hits == []


def test_a_body_that_is_not_an_image_is_refused_whatever_its_type(
    site: Site, tmp_path: Path
) -> None:
    allowed = FileAccess(cache_dir=tmp_path, allow_private_urls=True)
    assert fetch_image(f"{site.url}/cat.png", allowed) == png_bytes()
    with pytest.raises(InvalidInputError, match=r"the body of http://.*/page.png is not an image"):
        fetch_image(f"{site.url}/page.png", allowed)


# -- Image inputs given as URLs, live -----------------------------------------------------------


def echo_demo() -> gr.Interface:
    def shape(image: np.ndarray) -> str:
        return f"{image.shape[1]}x{image.shape[0]}"

    return gr.Interface(shape, gr.Image(label="Picture"), "text", api_name="shape")


def handle_file(url: str) -> dict[str, Any]:
    """What ``gradio_client.handle_file(url)`` (and streamcore's client) sends."""
    return {
        "path": url,
        "url": url,
        "orig_name": url.rsplit("/", 1)[-1],
        "meta": {"_type": "gradio.FileData"},
    }


async def test_live_an_image_url_on_loopback_is_refused_naming_why(
    site: Site, tmp_path: Path
) -> None:
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")):
        async with serve(echo_demo()) as server, raw_client(server) as raw:
            job = await raw.submit("shape", [handle_file(f"{site.url}/cat.png")])
            completed = await raw.until("completed", job=job)
    assert (completed["reason"], completed["error"]["type"]) == ("error", "FetchError")
    message = completed["error"]["message"]
    assert message.startswith(f"input 1 (Picture): Cannot fetch {site.url}/cat.png: its host")
    assert "is a loopback address" in message
    assert "allow_private_urls=True" in message
    assert site.hits == []


async def test_live_an_image_url_is_fetched_when_the_app_allows_private_addresses(
    site: Site, tmp_path: Path
) -> None:
    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")):
        async with (
            serve(echo_demo(), allow_private_urls=True) as server,
            raw_client(server) as raw,
        ):
            job = await raw.submit("shape", [handle_file(f"{site.url}/cat.png")])
            done = await raw.until("completed", job=job)
            assert (done["reason"], done["data"]) == ("done", ["64x48"])
            job = await raw.submit("shape", [{"url": f"{site.url}/cat.png"}])  # url alone
            assert (await raw.until("completed", job=job))["data"] == ["64x48"]
            job = await raw.submit("shape", [handle_file(f"{site.url}/page.png")])
            refused = await raw.until("completed", job=job)
    assert site.hits == ["/cat.png", "/cat.png", "/page.png"]
    assert refused["error"]["message"].startswith("input 1 (Picture): the body of http://")
    assert "is not an image" in refused["error"]["message"]


async def test_live_a_url_a_stream_fn_returns_is_fetched_under_the_same_rules(
    site: Site, tmp_path: Path
) -> None:
    """A binary stream output given as a URL is read by the server: refused on loopback."""
    from live_support import stream_demo

    def relay(frame: np.ndarray) -> str:
        return f"{site.url}/cat.png"

    with use_file_access(FileAccess(cache_dir=tmp_path / "cache")):
        async with serve(stream_demo(relay)) as server, raw_client(server) as raw:
            await raw.send("hello", binary_frames=True)
            job = await raw.open_stream()
            await raw.until("started", job=job)
            await raw.frame(job, gradient(), seq=1)
            completed = await raw.until("completed", job=job)
    assert completed["reason"] == "error"
    assert "is a loopback address" in completed["error"]["message"]
    assert site.hits == []
