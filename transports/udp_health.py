"""The kernel's view of this process's UDP sockets: bytes waiting to be read, datagrams dropped.

WebRTC media arrives on UDP sockets (aiortc's ICE transports). When the event loop falls
behind, datagrams wait in the kernel's receive buffer, and once it is full the kernel drops
them: latency grows, then frames are lost, and nothing in the process sees it (issue 16).
Linux shows each socket's receive queue and drop count in ``/proc/net/udp`` and
``/proc/net/udp6``, by socket inode; the process's own sockets are the inodes its file
descriptors point at (``/proc/self/fd/N -> socket:[inode]``).

:func:`read_udp_sockets` reads them (Linux only; elsewhere it returns no sockets).
:class:`DropCounter` turns the per-socket drop counts, which vanish when a socket closes,
into a count that only grows. Reading costs about a millisecond for a few hundred
descriptors; the metrics read it every :data:`transports.metrics.LAG_INTERVAL` seconds and
at scrape time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["DropCounter", "UdpSocket", "parse_proc_net_udp", "read_udp_sockets", "socket_inodes"]

PROC_NET_UDP: Final = ("/proc/net/udp", "/proc/net/udp6")


@dataclass(frozen=True, slots=True)
class UdpSocket:
    """One UDP socket as the kernel reports it."""

    inode: int
    local: str
    """Local address and port as ``/proc`` writes them (hex)."""
    rx_queue: int
    """Bytes received and not yet read by the process."""
    drops: int
    """Datagrams the kernel dropped on this socket since it was opened (its buffer full)."""


def socket_inodes(fd_dir: str | Path = "/proc/self/fd") -> set[int]:
    """The inodes of the sockets the process's file descriptors point at (empty where
    ``fd_dir`` does not exist)."""
    inodes: set[int] = set()
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def parse_proc_net_udp(lines: Iterable[str], inodes: set[int]) -> list[UdpSocket]:
    """The sockets among ``lines`` (a ``/proc/net/udp`` or ``udp6`` table, header included)
    whose inode is in ``inodes``."""
    found = []
    for line in lines:
        fields = line.split()
        # sl local rem st tx_queue:rx_queue tr:tm retrnsmt uid timeout inode ref pointer drops
        if len(fields) < 13 or not fields[0].endswith(":") or not fields[9].isdigit():
            continue
        inode = int(fields[9])
        if inode not in inodes:
            continue
        rx_queue = int(fields[4].split(":")[1], 16)
        found.append(UdpSocket(inode, fields[1], rx_queue, int(fields[12])))
    return found


def read_udp_sockets(
    tables: Iterable[str] = PROC_NET_UDP, fd_dir: str | Path = "/proc/self/fd"
) -> list[UdpSocket]:
    """This process's UDP sockets (IPv4 and IPv6) with their queues and drops."""
    inodes = socket_inodes(fd_dir)
    if not inodes:
        return []
    found: list[UdpSocket] = []
    for table in tables:
        try:
            with open(table, encoding="ascii") as lines:
                found += parse_proc_net_udp(lines, inodes)
        except OSError:  # not Linux, or no IPv6
            continue
    return found


class DropCounter:
    """The datagrams dropped on this process's UDP sockets, as a count that only grows.

    Each :meth:`update` returns how many drops are new since the last one: the growth of
    each socket still open, and all the drops of a socket seen for the first time. Drops of
    a socket that opened and closed between two updates are not seen.
    """

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}

    def update(self, sockets: Iterable[UdpSocket]) -> int:
        seen: dict[int, int] = {}
        new = 0
        for sock in sockets:
            new += max(0, sock.drops - self._seen.get(sock.inode, 0))
            seen[sock.inode] = sock.drops
        self._seen = seen
        return new
