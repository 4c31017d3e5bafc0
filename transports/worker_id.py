"""Which server process a client session is served by: an opaque id per process.

With ``streamcore serve --workers N`` the kernel hands each new connection to one of the N
processes that share the port. The ``welcome`` message tells the client which one
(``docs/protocol.md``), so a client, a load test or an operator can see how sessions
spread over the workers. The id is random, not the process id: a message a client receives
never holds the server's PID (``docs/security.md``). The server logs the pairing once,
``streamcore worker <id> is process <pid>``, at INFO on the ``streamcore.transports``
logger, for an operator who needs it.
"""

from __future__ import annotations

import logging
import os
import secrets

__all__ = ["worker_id"]

log = logging.getLogger("streamcore.transports")

_ids: dict[int, str] = {}


def worker_id() -> str:
    """This process's id: 8 hex digits drawn once per process (a forked child draws its
    own), the same for every session and server of the process. Safe from any thread:
    ``dict.setdefault`` keeps the first id drawn."""
    pid = os.getpid()
    found = _ids.get(pid)
    if found is None:
        found = _ids.setdefault(pid, secrets.token_hex(4))
        log.info("streamcore worker %s is process %d", found, pid)
    return found
