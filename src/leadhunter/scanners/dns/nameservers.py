"""Nameserver addresses: parsing ``HOST[:PORT]`` and reading the system's resolv.conf."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Nameserver:
    """A nameserver by IP address (v4 or v6) and port (default 53)."""

    host: str
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """Parse ``1.2.3.4``, ``1.2.3.4:5353``, ``::1`` or ``[::1]:5353``; raise ValueError otherwise.

    Only IP addresses are accepted: resolving the resolver's own name would need a resolver.
    """
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad nameserver {text!r}")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)  # raises ValueError with a clear message
    if not 0 < port < 65536:
        raise ValueError(f"bad port in nameserver {text!r}")
    return Nameserver(host, port)


def system_nameservers(path: str = "/etc/resolv.conf") -> list[Nameserver]:
    """The ``nameserver`` lines of resolv.conf that parse as IP addresses (scoped IPv6 ones skipped)."""
    servers: list[Nameserver] = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver" and "%" not in parts[1]:
                    try:
                        servers.append(parse_nameserver(parts[1]))
                    except ValueError:
                        continue
    except OSError:
        return []
    return servers
