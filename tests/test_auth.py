"""Who may use the app (``transports/auth.py``): the three forms of ``auth``, the signed
session token, and what :class:`LoginGate` answers on each kind of route without it.

Unit tests over Starlette's in-process test client; the live server's routes are tested
with real sockets in ``test_server.py``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from transports.auth import COOKIE_NAME, Authenticator, LoginGate

pytestmark = pytest.mark.anyio


def app_behind(authenticator: Authenticator) -> Starlette:
    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"hello {request.scope['user_name']}")

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.scope["user_name"])
        await websocket.close()

    routes = [
        Route("/", page),
        Route("/config", page),
        Route("/static/app.js", page),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        Route("/login", authenticator.login, methods=["GET", "POST"]),
        Route("/logout", authenticator.logout),
        WebSocketRoute("/ws", socket),
    ]
    return Starlette(routes=routes, middleware=[Middleware(LoginGate, authenticator=authenticator)])


@pytest.mark.parametrize(
    "auth",
    [
        ("ada", "lovelace"),
        [("bob", "x"), ("ada", "lovelace")],
        lambda user, password: (user, password) == ("ada", "lovelace"),
    ],
    ids=["tuple", "list", "callable"],
)
async def test_each_form_of_auth_accepts_the_right_password_only(auth: Any) -> None:
    authenticator = Authenticator(auth)
    assert await authenticator.check_password("ada", "lovelace")
    assert not await authenticator.check_password("ada", "wrong")
    assert not await authenticator.check_password("eve", "lovelace")
    assert not await authenticator.check_password("", "")


async def test_an_async_check_and_a_failing_check() -> None:
    async def check(user: str, password: str) -> bool:
        return password == "ok"

    def broken(user: str, password: str) -> bool:
        raise RuntimeError("database down")

    assert await Authenticator(check).check_password("any", "ok")
    assert not await Authenticator(broken).check_password("any", "ok")


def test_malformed_auth_is_refused_with_a_clear_error() -> None:
    for bad in [("only-user",), [], [("a", "b"), "c"], ("a", 1)]:
        with pytest.raises(TypeError, match=r"\(user, password\) tuple"):
            Authenticator(bad)
    with pytest.raises(ValueError, match="needs auth or auth_dependency"):
        Authenticator()


def test_tokens_are_signed_and_expire() -> None:
    authenticator = Authenticator(("ada", "pw"), secret=b"k", max_age=60)
    token = authenticator.issue("ada.lovelace", now=1000)
    assert authenticator.user_of_token(token, now=1059) == "ada.lovelace"
    assert authenticator.user_of_token(token, now=1061) is None
    user, expires, signature = token.split(".")
    forged = f"{user}.{int(expires) + 10_000}.{signature}"
    assert authenticator.user_of_token(forged, now=1000) is None
    assert Authenticator(("a", "b"), secret=b"other").user_of_token(token, now=1000) is None
    for garbage in ["", "a.b", "a.b.c.d", "!!.12.xx", token + "x"]:
        assert authenticator.user_of_token(garbage, now=1000) is None


def test_workers_sharing_the_secret_accept_each_others_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMCORE_SECRET", "shared")
    first, second = Authenticator(("a", "b")), Authenticator(("a", "b"))
    assert second.user_of_token(first.issue("a")) == "a"
    monkeypatch.delenv("STREAMCORE_SECRET")
    assert Authenticator(("a", "b")).user_of_token(first.issue("a")) is None


def test_without_a_session_every_route_but_login_and_healthz_is_closed() -> None:
    authenticator = Authenticator(("ada", "pw"), auth_message="Ask Ada")
    with TestClient(app_behind(authenticator), follow_redirects=False) as client:
        page = client.get("/")
        assert (page.status_code, page.headers["location"]) == (302, "login")
        config = client.get("/config")
        assert config.status_code == 401
        assert config.json() == {"auth_required": True, "auth_message": "Ask Ada"}
        assert client.get("/static/app.js").status_code == 401
        assert client.get("/healthz").text == "ok"
        form = client.get("/login")
        assert form.status_code == 200
        assert "Ask Ada" in form.text
        assert 'action="login"' in form.text
        with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect("/ws"):
            pass
        assert denied.value.status_code == 401
        client.cookies.set(COOKIE_NAME, "forged.123.sig")
        assert client.get("/config").status_code == 401


def test_login_as_an_api_client_and_as_a_browser_form() -> None:
    authenticator = Authenticator(("ada", "pw"))
    with TestClient(app_behind(authenticator), follow_redirects=False) as client:
        wrong = client.post("/login", data={"username": "ada", "password": "nope"})
        assert (wrong.status_code, wrong.json()) == (400, {"detail": "Incorrect credentials."})
        assert COOKIE_NAME not in client.cookies
        right = client.post("/login", data={"username": " ada ", "password": "pw"})
        assert (right.status_code, right.json()) == (200, {"success": True})
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
        assert client.get("/").text == "hello ada"
        assert client.get("/config").text == "hello ada"
        with client.websocket_connect("/ws") as websocket:
            assert websocket.receive_text() == "ada"
        logout = client.get("/logout")
        assert (logout.status_code, logout.headers["location"]) == (303, "login")
    with TestClient(app_behind(authenticator), follow_redirects=False) as browser:
        html = {"accept": "text/html"}
        refused = browser.post("/login", data={"username": "ada", "password": "x"}, headers=html)
        assert refused.status_code == 400
        assert "Incorrect credentials." in refused.text
        assert "<form" in refused.text
        accepted = browser.post("/login", data={"username": "ada", "password": "pw"}, headers=html)
        assert (accepted.status_code, accepted.headers["location"]) == (303, "./")
        assert browser.get("/").text == "hello ada"


def test_the_login_page_escapes_the_auth_message() -> None:
    form = Authenticator(("a", "b"), auth_message="<script>x</script>").login_form()
    assert "<script>x" not in form
    assert "&lt;script&gt;x&lt;/script&gt;" in form


def test_auth_dependency_lets_a_proxy_name_the_user() -> None:
    def from_proxy(connection: HTTPConnection) -> str | None:
        return connection.headers.get("x-forwarded-user")

    authenticator = Authenticator(auth_dependency=from_proxy)
    with TestClient(app_behind(authenticator), follow_redirects=False) as client:
        assert client.get("/", headers={"x-forwarded-user": "ada"}).text == "hello ada"
        assert client.get("/").status_code == 401  # no login form to send anyone to
        with client.websocket_connect("/ws", headers={"x-forwarded-user": "bo"}) as websocket:
            assert websocket.receive_text() == "bo"


def test_a_token_lasts_max_age() -> None:
    authenticator = Authenticator(("a", "b"), max_age=3600)
    token = authenticator.issue("a")
    expires = int(token.split(".")[1])
    assert abs(expires - (time.time() + 3600)) < 5
