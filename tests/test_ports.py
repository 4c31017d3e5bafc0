"""Listening sockets (``transports/ports.py``): what the server's connections inherit."""

from __future__ import annotations

import asyncio
import socket

import pytest

from transports.ports import bind_first_free, bind_socket

pytestmark = pytest.mark.anyio


async def test_accepted_connections_have_nagle_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets made with IPPROTO_TCP named; without it a
    keep-alive response waited for the client's delayed ACK (44 ms a request)."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Record(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listening = bind_socket("127.0.0.1", 0)
    assert listening.proto == socket.IPPROTO_TCP
    server = await asyncio.get_running_loop().create_server(Record, sock=listening)
    async with server:
        port = listening.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(accepted, 30) == 1
        writer.close()


def test_a_busy_port_is_named_and_the_search_moves_past_it() -> None:
    with bind_socket("127.0.0.1", 0) as held:
        port = held.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot serve on 127.0.0.1:{port}"):
            bind_socket("127.0.0.1", port)
        with bind_first_free("127.0.0.1", port, count=50) as found:
            assert found.getsockname()[1] > port
