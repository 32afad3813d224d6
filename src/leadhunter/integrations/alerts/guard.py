"""The SSRF guard of alert targets: a name is resolved and every address checked, and the connection goes to
an address that was checked (never a second lookup that DNS rebinding could answer differently).

Refused unless ``allow_private``: loopback, private (RFC 1918, ULA), link-local (169.254/16 with the cloud
metadata address, fe80::/10), carrier-grade NAT, multicast, unspecified and reserved ranges — anything that
is not globally routable (``ipaddress``'s ``is_global``), IPv4-mapped IPv6 addresses judged as their IPv4.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore._backends.sync import SyncStream

from leadhunter.integrations.alerts.errors import AlertSendError, UnsafeTargetError

HINT = "set HUNTER_ALLOW_PRIVATE_TARGETS=true to allow"


def address_allowed(address: str, *, allow_private: bool) -> bool:
    """True when ``address`` (an IP literal) is public, or ``allow_private``."""
    if allow_private:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[tuple[int, str]]:
    """The (address family, address) pairs ``host`` resolves to, all of them checked: one non-public address
    refuses the whole name (a name mixing public and private addresses is a rebinding trick). Raises
    :class:`UnsafeTargetError`, or a retryable :class:`AlertSendError` when the name does not resolve."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AlertSendError(f"cannot resolve {host}: {exc}", retryable=True) from None
    found = [(int(family), str(sockaddr[0])) for family, _type, _proto, _name, sockaddr in infos]
    for _family, address in found:
        if not address_allowed(address, allow_private=allow_private):
            raise UnsafeTargetError(f"{host} resolves to the non-public address {address}; {HINT}")
    if not found:
        raise AlertSendError(f"cannot resolve {host}: no addresses", retryable=True)
    return found


def check_host(host: str, port: int, *, allow_private: bool) -> None:
    """Refuse ``host`` now (when a target is saved); the same check runs again at every connect."""
    if host.strip("[]").lower() in ("localhost", "localhost.localdomain") and not allow_private:
        raise UnsafeTargetError(f"{host} is this machine; {HINT}")
    resolve_checked(host, port, allow_private=allow_private)


def connect_checked(host: str, port: int, timeout: float | None, *, allow_private: bool) -> socket.socket:
    """A TCP connection to the first reachable checked address of ``host``."""
    last: OSError | None = None
    for family, address in resolve_checked(host, port, allow_private=allow_private):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise AlertSendError(f"cannot connect to {host}:{port}: {last}", retryable=True)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend with every TCP connection made through :func:`connect_checked`; TLS still
    verifies the certificate against the host name (httpcore passes it as the server name)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        sock = connect_checked(host, port, timeout, allow_private=self._allow_private)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return SyncStream(sock)  # the stream type httpcore's own backend returns


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trust store, plus ``ca_file`` (a PEM bundle, e.g. a company CA) when given."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context
