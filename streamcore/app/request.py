"""``gr.Request``: what a fn may know of the client that triggered it.

A fn parameter annotated ``gr.Request`` receives one (see :mod:`.special_args`). It wraps
the transport's connection (Starlette's ``Request`` for Gradio's HTTP API: the
``queue/join`` or ``call`` request; its ``WebSocket`` for streamcore's protocol: the
handshake) and reads through to it: ``headers`` (case-insensitive), ``client``
(``.host``, ``.port``), ``query_params``, ``url``, ``cookies``, ``path_params``; plus
``session_hash`` (the HTTP API's, or the WebSocket session's id) and ``username`` (the
logged-in user with ``auth``, else ``None``). Built without a connection (the in-process
runtime, tests), it holds what it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

__all__ = ["Request"]


class _Headers(dict[str, str]):
    """Header names looked up case-insensitively (stored lower-case)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__({key.lower(): value for key, value in (items or {}).items()})

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class Request:
    """The client's request, as Gradio's ``gr.Request`` (see the module docstring).

    ``request`` is the transport's connection object, whose attributes this one reads
    through; without one, ``headers``, ``client_host`` and ``query_params`` give the
    values. Unknown attributes raise ``AttributeError``.
    """

    def __init__(
        self,
        request: Any = None,
        username: str | None = None,
        session_hash: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        client_host: str | None = None,
        query_params: Mapping[str, str] | None = None,
    ) -> None:
        self.request = request
        self.username = username
        self.session_hash = session_hash
        if request is None:
            self.headers: Any = _Headers(headers)
            self.client: Any = SimpleNamespace(host=client_host, port=None)
            self.query_params: Any = dict(query_params or {})
            self.path_params: Any = {}
            self.cookies: Any = {}

    def __getattr__(self, name: str) -> Any:
        request = self.__dict__.get("request")
        if request is None or name.startswith("__"):
            raise AttributeError(f"gr.Request has no attribute {name!r}")
        return getattr(request, name)

    def __repr__(self) -> str:
        host = getattr(self.client, "host", None) if self.client is not None else None
        return f"Request(client={host!r}, session_hash={self.session_hash!r})"
