"""The ``gr.Request`` a fn receives, made from the transport's connection.

Over streamcore's WebSocket it is the handshake (Starlette's ``WebSocket``) and the session
hash is the session's id; over Gradio's HTTP API it is the ``queue/join`` (or ``call``)
request and the client's ``session_hash``. ``username`` is the logged-in user when the app
has ``auth`` (:mod:`transports.auth` puts it in the scope).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from streamcore.app.request import Request

__all__ = ["client_request"]


def client_request(connection: HTTPConnection, session_hash: str | None) -> Request:
    """The ``gr.Request`` for ``connection``, reading through to it."""
    username = connection.scope.get("user_name")
    return Request(connection, username=username, session_hash=session_hash)
