"""Listening sockets: one on a given port, or the first free one of a range (Gradio's).

The server binds its socket before uvicorn starts, so a busy port fails at once with an
``OSError`` naming it, and port ``0`` (any free port) is known before the first request.
"""

from __future__ import annotations

import errno
import os
import socket

__all__ = ["DEFAULT_PORT", "PORTS_TO_TRY", "bind_first_free", "bind_socket", "first_port"]

DEFAULT_PORT = 7860
"""Where the search starts when neither ``server_port`` nor ``GRADIO_SERVER_PORT`` is set."""
PORTS_TO_TRY = 100
"""How many ports the search tries, from its first one up (Gradio's ``TRY_NUM_PORTS``)."""
_BACKLOG = 2048


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``0``: a free port, see ``getsockname()``).

    Raises ``OSError`` naming the host and port when it cannot (in use, no such address,
    not permitted). The socket has ``SO_REUSEADDR`` (a restarted server is not kept off its
    port by connections in ``TIME_WAIT``), so the caller owns it and must close it.

    It is made with ``IPPROTO_TCP`` named: the connections it accepts inherit it, and
    asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only on sockets that say so.
    Without it every response of a keep-alive connection waited for the client's delayed
    ACK (44 ms a request, measured).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def first_port() -> int:
    """The first port of the search: ``GRADIO_SERVER_PORT``, else :data:`DEFAULT_PORT`."""
    value = os.environ.get("GRADIO_SERVER_PORT")
    return DEFAULT_PORT if value is None or not value.strip() else int(value)


def bind_first_free(host: str, first: int, count: int = PORTS_TO_TRY) -> socket.socket:
    """:func:`bind_socket` on the first free port of ``first .. first + count - 1``.

    Raises ``OSError`` naming the range when every port in it is taken.
    """
    for port in range(first, first + count):
        try:
            return bind_socket(host, port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise  # a bad host or a forbidden port: no other port will do better
            continue
    raise OSError(
        f"cannot find a free port in {first}-{first + count - 1} on {host}: set the "
        "GRADIO_SERVER_PORT environment variable or pass server_port= to launch()"
    )
