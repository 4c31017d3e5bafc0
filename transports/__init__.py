"""streamcore's I/O edges: the server (page, ``/config``, WebSocket sessions) and clients.

``from transports import Client`` gives the network client; ``transports.server.launch``
is what ``demo.launch()`` runs.
"""

from .client import AsyncClient, Client, ClientError
from .server import Server, ServerOptions, launch, serve

__all__ = ["AsyncClient", "Client", "ClientError", "Server", "ServerOptions", "launch", "serve"]
