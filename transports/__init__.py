"""streamcore's I/O edges: the server (page, ``/config``, WebSocket sessions) and clients.

``from transports import Client, handle_file`` gives the network client;
``transports.server.launch`` is what ``demo.launch()`` runs.
"""

from streamcore.client import Job, Status, StatusUpdate, handle_file
from streamcore.errors import ClientError

from .client import AsyncClient, Client
from .server import Server, ServerOptions, launch, serve

__all__ = [
    "AsyncClient",
    "Client",
    "ClientError",
    "Job",
    "Server",
    "ServerOptions",
    "Status",
    "StatusUpdate",
    "handle_file",
    "launch",
    "serve",
]
