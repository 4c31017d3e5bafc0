"""The ``Host`` check: a defence against DNS rebinding.

A page on ``evil.example`` can make its own name resolve to ``127.0.0.1`` and then talk to
a local server as if it were same-origin: its requests carry ``Host: evil.example`` and a
matching ``Origin``, so an Origin check alone passes them. :class:`HostCheck` refuses every
request (and WebSocket upgrade) whose ``Host`` names no address of this server: allowed
are IP literals (rebinding needs a name), ``localhost``, the name the server was started
on, and the ``allowed_hosts`` the deployment lists (the public name behind a proxy; ``*``
turns the check off, ``.example.com`` allows the domain and its subdomains).

A request with more than one ``Host`` or ``Origin`` header is refused with ``400`` and a
JSON ``detail`` naming the header: servers and proxies disagree on which copy counts, so
one that passed the check could reach the app as another.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .refusals import refuse, refuse_with_detail

__all__ = ["SINGLE_HEADERS", "HostCheck", "duplicated_header", "host_allowed"]

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})

SINGLE_HEADERS = (b"host", b"origin")
"""Headers a request may carry once at most."""


def duplicated_header(scope: Scope) -> str | None:
    """The first of :data:`SINGLE_HEADERS` that ``scope``'s request carries more than
    once (its name as sent, e.g. ``Host``), or ``None``."""
    seen: set[bytes] = set()
    name: bytes
    for name, _value in scope.get("headers", ()):
        key = name.lower()
        if key in SINGLE_HEADERS:
            if key in seen:
                return key.decode().title()
            seen.add(key)
    return None


def host_allowed(host_header: str, allowed: Iterable[str]) -> bool:
    """Whether a request's ``Host`` header (with or without a port) may reach the app."""
    name = _hostname(host_header)
    if not name:
        return False
    if _is_ip(name) or name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith(".") and (name.endswith(pattern) or name == pattern[1:]):
            return True
    return False


class HostCheck:
    """ASGI middleware: 421 Misdirected Request for a ``Host`` that is not this server, 400
    for a request with two ``Host`` or ``Origin`` headers.

    ``allowed_hosts`` are names besides IP literals and localhost (see the module
    docstring). It is read at each request, so the server can add the name it was
    started on once it knows it.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] = ()) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        duplicated = duplicated_header(scope)
        if duplicated is not None:
            detail = f"the request has more than one {duplicated} header; send it once"
            await refuse_with_detail(scope, receive, send, 400, detail)
            return
        host = Headers(scope=scope).get("host", "")
        if host_allowed(host, self.allowed_hosts):
            await self.app(scope, receive, send)
            return
        message = (
            f"the Host {host!r} is not a name of this server; list it in allowed_hosts "
            "if the app is served under that name"
        )
        await refuse(scope, receive, send, 421, message)


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:7860
        return host[1 : host.find("]")] if "]" in host else ""
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
