"""The Host check (``transports/host_check.py``): DNS rebinding is refused, every name the
server really has passes. Unit tests over Starlette's in-process test client."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from transports.host_check import HostCheck, host_allowed


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:7860",
        "127.0.0.1",
        "[::1]:7860",
        "192.168.1.20:80",
        "localhost:7860",
        "LOCALHOST",
        "app.localhost:1",
        "demo.example.com",
        "demo.example.com:443",
        "cams.internal.example",
        "internal.example",
    ],
)
def test_addresses_and_names_of_the_server_pass(host: str) -> None:
    assert host_allowed(host, ["demo.example.com", ".internal.example"])


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:7860",
        "",
        "[::1",
        "demo.example.com.evil.example",
        "example.com",
    ],
)
def test_other_names_are_refused(host: str) -> None:
    assert not host_allowed(host, ["demo.example.com", ".internal.example"])


def test_a_star_allows_any_name() -> None:
    assert host_allowed("anything.example", ["*"])


def test_the_middleware_refuses_http_and_websocket_for_a_foreign_host() -> None:
    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse("page")

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = Starlette(
        routes=[Route("/", page), WebSocketRoute("/ws", socket)],
        middleware=[Middleware(HostCheck, allowed_hosts=["cams.example"])],
    )
    with TestClient(app, base_url="http://127.0.0.1:7860") as client:
        assert client.get("/").text == "page"
        assert client.get("/", headers={"host": "cams.example"}).text == "page"
        refused = client.get("/", headers={"host": "evil.example:7860"})
        assert refused.status_code == 421
        assert "'evil.example:7860' is not a name of this server" in refused.text
        assert "allowed_hosts" in refused.text
        with client.websocket_connect("/ws", headers={"host": "127.0.0.1:7860"}) as websocket:
            assert websocket.receive_text() == "hi"
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            client.websocket_connect("/ws", headers={"host": "evil.example"}),
        ):
            pass
        assert denied.value.status_code == 421
