"""The ``Host`` check: a defence against DNS rebinding.

A page on ``evil.example`` can make its own name resolve to ``127.0.0.1`` and then talk to
a local server as if it were same-origin: its requests carry ``Host: evil.example`` and a
matching ``Origin``, so an Origin check alone passes them. :class:`HostCheck` refuses every
request (and WebSocket upgrade) whose ``Host`` names no address of this server: allowed
are IP literals (rebinding needs a name), ``localhost``, the name the server was started
on, and the ``allowed_hosts`` the deployment lists (the public name behind a proxy; ``*``
turns the check off, ``.example.com`` allows the domain and its subdomains).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .refusals import refuse

__all__ = ["HostCheck", "host_allowed"]

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


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
    """ASGI middleware: 421 Misdirected Request for a ``Host`` that is not this server.

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
