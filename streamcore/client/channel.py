"""The seam between the client logic and a transport: :class:`Channel`.

A channel is one connection to one client session of an app: in process
(:mod:`streamcore.app.testing`) or over a WebSocket (:mod:`transports.client`). It sends
requests and hands back, in order, the messages of :mod:`streamcore.messages`.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..engine.frames import Frame
from ..messages import Message

__all__ = ["Channel"]


class Channel(Protocol):
    """A connection to one client session of an app.

    ``submit`` and ``open_stream`` return the new job's id and raise what the server
    refused (``KeyError`` for an unknown api name, ``ValueError`` for bad inputs). The
    job requests (``send_frame``, ``update_inputs``, ``close_stream``, ``cancel``) ignore a
    job that ended meanwhile. ``receive`` raises ``anyio.EndOfStream`` once the connection
    closed.
    """

    async def submit(self, api_name: str | int, data: list[Any], event_data: Any) -> str: ...

    async def open_stream(self, api_name: str | int, data: list[Any] | None) -> str: ...

    async def send_frame(self, job: str, frame: Frame) -> None: ...

    async def update_inputs(self, job: str, data: list[Any]) -> None: ...

    async def close_stream(self, job: str) -> None: ...

    async def cancel(self, job: str) -> None: ...

    async def receive(self) -> Message: ...

    async def upload(self, data: bytes, name: str) -> str: ...

    async def resolve_path(self, path: str) -> str: ...
