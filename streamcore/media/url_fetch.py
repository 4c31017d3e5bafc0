"""Fetching a URL for the server, guarded against server-side request forgery (SSRF).

The server fetches a URL when a client gives an image as an http(s) URL and when a fn
returns one that must be read (a streaming or binary image output, an SVG, a watermark).
A client could otherwise make the server reach what only the server can reach: its own
loopback services, the cloud's metadata service (169.254.169.254), the private network.

So each fetch, and each redirect it follows (at most :data:`MAX_REDIRECTS`, followed here,
not by a library):

1. takes only ``http`` and ``https`` URLs with a host;
2. resolves the host once and picks the first address that is *public*
   (:func:`refusal_of`: not loopback, private, link-local, unique-local, shared (CGNAT),
   multicast, unspecified, reserved or documentation, including IPv4 addresses embedded in
   IPv6 ones), unless the policy's ``allow_private_urls`` is set;
3. connects to exactly that address (the ``Host`` header and TLS's name stay the URL's), so
   a second DNS answer cannot swap the address between the check and the connection
   (DNS rebinding);
4. reads the body within ``url_timeout`` (per read and in total) and ``max_url_bytes``.

No proxy is used (``HTTP_PROXY`` is ignored): a proxy would make the address check moot.
:func:`fetch_image` also refuses a body that is not an image by its bytes (the
``Content-Type`` header is not trusted). Errors are :class:`~streamcore.errors.FetchError`
(or ``UnsupportedImageError`` for a body that is not an image); their messages name the URL
as given and why, never the server's own network details; the resolved address goes to
the server's log.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit

from ..errors import FetchError
from .formats import IMAGE_FORMATS, check_format, sniff

if TYPE_CHECKING:
    from .files import FileAccess

__all__ = ["MAX_REDIRECTS", "fetch_image", "fetch_url", "is_http_url", "refusal_of"]

log = logging.getLogger("streamcore.media")

MAX_REDIRECTS: Final = 5
"""Redirects one fetch follows before it gives up."""

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK: Final = 64 * 1024
_SHOWN_URL: Final = 120
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
_ALLOW_HINT: Final = (
    "the app can allow them with launch(allow_private_urls=True) or "
    "FileAccess(allow_private_urls=True)"
)


def is_http_url(value: str) -> bool:
    """Whether ``value`` is an ``http://`` or ``https://`` URL."""
    return value[:8].lower().startswith(("http://", "https://"))


def refusal_of(address: str) -> str | None:
    """Why the server does not connect to the IP ``address`` by default (``"a loopback
    address"``, ``"a private address"``...), or ``None`` for a public address.

    An IPv4 address embedded in an IPv6 one (IPv4-mapped ``::ffff:a.b.c.d``, 6to4
    ``2002::/16``, NAT64 ``64:ff9b::/96``) is judged as that IPv4 address; Teredo is refused.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return "a Teredo tunnel address"
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal_of(str(embedded))
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "a non-public address"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    return None


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    request_path: str


def fetch_url(url: str, policy: FileAccess) -> bytes:
    """Download ``url`` under the rules of the module docstring and return its body.

    Blocking: call it from a worker thread. Raises :class:`FetchError` for another scheme,
    a host that resolves to no address the policy allows, more than :data:`MAX_REDIRECTS`
    redirects, an HTTP error status, a network error, a response slower than
    ``policy.url_timeout`` seconds (per read and in total) or a body over
    ``policy.max_url_bytes`` (refused from its ``Content-Length`` when announced, and
    counted while reading in any case).
    """
    deadline = time.monotonic() + policy.url_timeout
    current = url
    for hop in range(MAX_REDIRECTS + 1):
        target = _target(current, url, redirected=hop > 0)
        address = _checked_address(target, url, policy.allow_private_urls)
        status, reason, location, body = _get(target, address, policy, deadline, url)
        if status in _REDIRECTS:
            if not location:
                raise FetchError(f"Cannot fetch {_shown(url)}: HTTP {status} without a Location")
            current = urljoin(current, location)
            continue
        if not 200 <= status < 300:
            raise FetchError(f"Cannot fetch {_shown(url)}: HTTP {status} {reason}")
        return body
    raise FetchError(f"Cannot fetch {_shown(url)}: more than {MAX_REDIRECTS} redirects")


def fetch_image(
    url: str,
    policy: FileAccess,
    *,
    formats: Collection[str] = IMAGE_FORMATS,
    svg: bool = False,
) -> bytes:
    """:func:`fetch_url`, then refuse a body that is not an image in ``formats`` (an SVG
    too, with ``svg``) by its first bytes: raises
    :class:`~streamcore.errors.UnsupportedImageError` naming the URL."""
    body = fetch_url(url, policy)
    if not (svg and sniff(body) == "svg"):
        check_format(body, formats, f"the body of {_shown(url)}")
    return body


def _shown(url: str) -> str:
    return url if len(url) <= _SHOWN_URL else url[: _SHOWN_URL - 3] + "..."


def _target(url: str, original: str, redirected: bool) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"Cannot fetch {_shown(original)}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if redirected:
            raise FetchError(
                f"Cannot fetch {_shown(original)}: it redirects to {_shown(url)!r}, which is not "
                "allowed: only http and https URLs are"
            )
        raise FetchError(
            f"Cannot fetch {_shown(original)!r}: only http and https URLs are allowed, "
            f"not {scheme!r}"
        )
    if not parts.hostname:
        raise FetchError(f"Cannot fetch {_shown(original)}: the URL has no host")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    default = 443 if scheme == "https" else 80
    return _Target(url, scheme, parts.hostname, port or default, path)


def _checked_address(target: _Target, original: str, allow_private: bool) -> str:
    """The first address of the target's host that may be connected to."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(
            f"Cannot fetch {_shown(original)}: its host {target.host!r} cannot be resolved"
        ) from exc
    addresses = [str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if allow_private and addresses:
        return addresses[0]
    reasons = []
    for address in addresses:
        reason = refusal_of(address)
        if reason is None:
            return address
        reasons.append(f"{address} ({reason})")
    log.warning("refused to fetch %s: %s resolves to %s", original, target.host, reasons)
    literal = _is_ip_literal(target.host)
    what = reasons[0].split(" (", 1)[1].rstrip(")") if literal and reasons else None
    why = (
        f"its host {target.host} is {what}"
        if what
        else f"its host {target.host!r} resolves to no public address"
    )
    return _refuse(original, why)


def _refuse(original: str, why: str) -> str:
    raise FetchError(
        f"Cannot fetch {_shown(original)}: {why}; this server fetches only public addresses "
        f"({_ALLOW_HINT})"
    )


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to ``address``, whatever ``host`` resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """An HTTPS connection to ``address``, verifying the certificate of ``host``."""

    _context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def _get(
    target: _Target, address: str, policy: FileAccess, deadline: float, original: str
) -> tuple[int, str, str | None, bytes]:
    """One GET: status, reason, ``Location`` and (for a non-redirect) the body."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(
            f"Cannot fetch {_shown(original)}: no answer within {policy.url_timeout} s"
        )
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target.host, target.port, address, timeout=remaining)
    try:
        connection.request(
            "GET",
            target.request_path,
            headers={
                "User-Agent": "streamcore",
                "Accept": "image/*",
                "Accept-Encoding": "identity",
            },
        )
        response = connection.getresponse()
        if response.status in _REDIRECTS:
            return response.status, response.reason, response.getheader("Location"), b""
        if not 200 <= response.status < 300:
            return response.status, response.reason, None, b""
        _check_length(original, response.getheader("Content-Length"), policy.max_url_bytes)
        body = _read_limited(original, response, policy.max_url_bytes, deadline)
        return response.status, response.reason, None, body
    except FetchError:
        raise
    except TimeoutError as exc:
        raise FetchError(
            f"Cannot fetch {_shown(original)}: no answer within {policy.url_timeout} s"
        ) from exc
    except ssl.SSLError as exc:
        raise FetchError(f"Cannot fetch {_shown(original)}: TLS failed ({exc.reason})") from exc
    except (OSError, http.client.HTTPException) as exc:
        log.info("fetching %s (%s) failed: %r", original, address, exc)
        raise FetchError(f"Cannot fetch {_shown(original)}: {_network_error(exc)}") from exc
    finally:
        connection.close()


def _network_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, ConnectionError):
        return "the connection failed"
    if isinstance(exc, http.client.HTTPException):
        return "the answer is not valid HTTP"
    return "a network error"


def _check_length(url: str, header: str | None, limit: int) -> None:
    if header is not None and header.strip().isdigit() and int(header) > limit:
        raise FetchError(
            f"Cannot fetch {_shown(url)}: its body is {int(header)} bytes, over the limit of "
            f"{limit} bytes"
        )


def _read_limited(
    url: str, response: http.client.HTTPResponse, limit: int, deadline: float
) -> bytes:
    """Read the body in pieces (``read1`` returns what has arrived, so a slowly dripping
    body still meets the deadline check), refusing it as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read1(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise FetchError(
                f"Cannot fetch {_shown(url)}: its body is over the limit of {limit} bytes"
            )
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)
