"""Who may use the app: Gradio's ``auth``, a login route and a signed session cookie.

``launch(auth=...)`` takes what Gradio takes: a ``(user, password)`` tuple, a list of them,
or a callable ``(user, password) -> bool`` (sync or async). ``POST login`` (form fields
``username`` and ``password``) checks them; tuples are compared in constant time. On
success it sets an HttpOnly, ``SameSite=Lax`` cookie holding a signed token (the user
name, an expiry and an HMAC), so any worker process that shares the secret accepts it and
nothing is stored on the server. ``auth_dependency`` (Gradio's too) is a callable
``(connection) -> user name | None`` run on every request instead of, or besides, the
login: for a proxy that has already authenticated the user.

:class:`LoginGate` is the ASGI middleware that applies it to every route: without a valid
cookie the page redirects to the login form, ``/config`` answers 401 with
``{"auth_required": true, ...}`` (what the page and the clients look for), every other
route (assets, files, uploads, the WebSocket) answers 401. Only the login routes and
``/healthz`` stay open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import inspect
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import anyio.to_thread
from starlette.datastructures import URL
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.responses import Response as HttpResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .refusals import refuse

__all__ = [
    "SECRET_ENV",
    "AuthDependency",
    "Authenticator",
    "Credentials",
    "LoginGate",
]

Credentials: TypeAlias = (
    "tuple[str, str] | Sequence[tuple[str, str]] | Callable[[str, str], bool | Awaitable[bool]]"
)
"""Gradio's ``auth``: one ``(user, password)``, several, or a check of any pair."""

AuthDependency: TypeAlias = Callable[[HTTPConnection], "str | None | Awaitable[str | None]"]
"""Gradio's ``auth_dependency``: the user a request comes from, or ``None`` for nobody."""

SECRET_ENV = "STREAMCORE_SECRET"
"""The environment variable that holds the key signing session cookies (hex or text).
Set it, or let ``streamcore serve`` set it, so that every worker process (and a restart)
accepts the same cookies; without it each process draws a random key."""

log = logging.getLogger("streamcore.transports")

COOKIE_NAME = "streamcore-session"
OPEN_ROUTES = frozenset({"/login", "/logout", "/healthz"})
PAGE_ROUTES = frozenset({"/", "/index.html"})


@dataclass(frozen=True)
class _Token:
    user: str
    expires: int


class Authenticator:
    """Checks credentials and issues and reads session tokens.

    ``max_age`` is how long a login lasts, in seconds. ``secret`` signs the tokens
    (default: :data:`SECRET_ENV`, else random for this process).
    """

    def __init__(
        self,
        auth: Credentials | None = None,
        *,
        auth_dependency: AuthDependency | None = None,
        auth_message: str | None = None,
        secret: bytes | None = None,
        max_age: int = 7 * 24 * 3600,
    ) -> None:
        if auth is None and auth_dependency is None:
            raise ValueError("Authenticator needs auth or auth_dependency")
        self._check = _credential_check(auth) if auth is not None else None
        self._dependency = auth_dependency
        self.auth_message = auth_message
        self._key = secret or _secret_from_environment()
        self.max_age = max_age

    @property
    def has_login(self) -> bool:
        """Whether users log in with a password (``auth``), not only ``auth_dependency``."""
        return self._check is not None

    async def check_password(self, user: str, password: str) -> bool:
        """Whether ``(user, password)`` may log in. A sync callable runs in a worker thread
        (it may be slow, e.g. a database); one that raises refuses the login."""
        if self._check is None:
            return False
        try:
            verdict = await self._check(user, password)
        except Exception:
            return False
        return bool(verdict)

    def issue(self, user: str, now: float | None = None) -> str:
        """A signed token saying ``user`` logged in, valid for ``max_age`` seconds."""
        expires = int((time.time() if now is None else now) + self.max_age)
        body = f"{_b64(user.encode())}.{expires}"
        return f"{body}.{self._sign(body)}"

    def user_of_token(self, token: str, now: float | None = None) -> str | None:
        """The user a token was issued to, or ``None`` if it is forged, garbled or expired."""
        parsed = self._verify(token)
        if parsed is None or parsed.expires < (time.time() if now is None else now):
            return None
        return parsed.user

    async def user_of(self, connection: HTTPConnection) -> str | None:
        """Who makes this request: the session cookie's user, else ``auth_dependency``'s."""
        token = connection.cookies.get(COOKIE_NAME)
        if token is not None and (user := self.user_of_token(token)) is not None:
            return user
        if self._dependency is None:
            return None
        try:
            found = self._dependency(connection)
            if inspect.isawaitable(found):
                found = await found
        except Exception:
            log.exception("auth_dependency failed; the request is refused")
            return None
        return found if isinstance(found, str) and found else None

    # -- the login routes -------------------------------------------------------------------

    async def login(self, request: Request) -> HttpResponse:
        """``GET login``: the form; ``POST login``: check the form's fields and log in.

        A browser's form post (it accepts HTML) is answered with a redirect to the page,
        or the form again with the refusal; an API client (gradio_client, ``fetch``) gets
        Gradio's JSON: ``{"success": true}``, or 400 ``{"detail": "Incorrect credentials."}``.
        """
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.method == "GET":
            return HTMLResponse(self.login_form())
        async with request.form(max_files=0) as form:  # closes any file part it was sent
            user = str(form.get("username", "")).strip()
            password = str(form.get("password", ""))
        if not await self.check_password(user, password):
            if wants_html:
                return HTMLResponse(self.login_form(refused=True), status_code=400)
            return JSONResponse({"detail": "Incorrect credentials."}, status_code=400)
        response: HttpResponse
        if wants_html:
            response = RedirectResponse("./", status_code=303)
        else:
            response = JSONResponse({"success": True})
        response.set_cookie(
            COOKIE_NAME,
            self.issue(user),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=_cookie_path(request),
        )
        return response

    async def logout(self, request: Request) -> HttpResponse:
        """``GET logout``: forget the cookie and go back to the login form."""
        response = RedirectResponse("login", status_code=303)
        response.delete_cookie(COOKIE_NAME, path=_cookie_path(request))
        return response

    def login_form(self, refused: bool = False) -> str:
        """The login page: a plain HTML form posting to ``login`` (no script needed)."""
        message = f"<p>{html.escape(self.auth_message)}</p>" if self.auth_message else ""
        error = '<p role="alert">Incorrect credentials.</p>' if refused else ""
        return _LOGIN_PAGE.format(message=message, error=error)

    # -- signing ----------------------------------------------------------------------------

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def _verify(self, token: str) -> _Token | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        user_part, expires_part, signature = parts
        body = f"{user_part}.{expires_part}"
        if not hmac.compare_digest(self._sign(body), signature):
            return None
        try:
            return _Token(_unb64(user_part).decode(), int(expires_part))
        except ValueError:
            return None


class LoginGate:
    """ASGI middleware: a request without a logged-in user gets no further than the login.

    See the module docstring for what each kind of route answers. The user found is put in
    ``scope["user_name"]`` for the routes behind.
    """

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        route = _route_path(scope)
        if route in OPEN_ROUTES:
            await self.app(scope, receive, send)
            return
        user = await self.authenticator.user_of(HTTPConnection(scope))
        if user is not None:
            scope["user_name"] = user
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and route in PAGE_ROUTES and self.authenticator.has_login:
            await RedirectResponse("login", status_code=302)(scope, receive, send)
        elif scope["type"] == "http" and route == "/config":
            body = {"auth_required": True, "auth_message": self.authenticator.auth_message}
            await JSONResponse(body, status_code=401)(scope, receive, send)
        else:
            text = f"log in first: {URL(scope=scope).path} needs a session"
            await refuse(scope, receive, send, 401, text)


def _credential_check(auth: Credentials) -> Callable[[str, str], Awaitable[Any]]:
    if callable(auth):
        check = auth
        if inspect.iscoroutinefunction(check):
            return check

        async def call_in_thread(user: str, password: str) -> Any:
            return await anyio.to_thread.run_sync(check, user, password)

        return call_in_thread
    pairs = [auth] if _is_pair(auth) else list(auth)
    if not pairs or not all(_is_pair(pair) for pair in pairs):
        raise TypeError(
            "auth must be a (user, password) tuple, a list of them, or a callable "
            f"(user, password) -> bool; got {auth!r}"
        )
    passwords = {str(user): str(password).encode() for user, password in pairs}

    async def compare(user: str, password: str) -> bool:
        expected = passwords.get(user)
        if expected is None:  # still compare, so a wrong user costs the same time
            hmac.compare_digest(password.encode(), b"\0" * 16)
            return False
        return hmac.compare_digest(password.encode(), expected)

    return compare


def _is_pair(value: Any) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(part, str) for part in value)
    )


def _secret_from_environment() -> bytes:
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode()
    return secrets.token_bytes(32)


def _route_path(scope: Scope) -> str:
    """The path within the app: without the prefix it is mounted at (``root_path``)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :] or "/"
    return path


def _cookie_path(request: Request) -> str:
    """The cookie's path: the app's root, so it is sent to every route of the app only."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/") + "/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_LOGIN_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Log in</title>
    <link rel="icon" href="data:,">
    <style>
      body {{ font-family: system-ui, sans-serif; display: grid; place-items: center;
             min-height: 100vh; margin: 0; background: #f5f5f7; }}
      form {{ background: #fff; padding: 2rem; border-radius: 8px; min-width: 18rem;
             box-shadow: 0 1px 4px rgba(0, 0, 0, .15); display: grid; gap: .75rem; }}
      input {{ font: inherit; padding: .4rem; }}
      [role=alert] {{ color: #b00020; margin: 0; }}
    </style>
  </head>
  <body>
    <form method="post" action="login">
      <h1>Log in</h1>
      {message}
      {error}
      <label>Username <input name="username" autocomplete="username" required></label>
      <label>Password <input name="password" type="password"
        autocomplete="current-password" required></label>
      <button type="submit">Log in</button>
    </form>
  </body>
</html>
"""
