"""The offline IP database: country, AS number and name, and a network label per address.

No network call is ever made. Sources, loaded once per process and shared by every scan:

- country: the ``iptocc`` package (MIT OR Apache-2.0), which embeds the five Regional Internet
  Registries' delegation statistics (the country an address block is registered to), refreshed nightly
  upstream; lookups take well under a microsecond and allocate nothing per domain;
- AS number and name: the shipped IP-to-AS table (``scanners/asn_table.py``, built from the npm package
  ``@ip-location-db/asn``, CC BY 4.0 by RouteViews, the NRO and DB-IP), for every routed IPv4 and IPv6
  address, memory-mapped once per process;
- network label (and AS number and name where the table has none): the shipped well-known networks table
  (``domain/data/networks.toml``): its cloud / CDN / hosting labels stay on top of the AS data;
- optionally, database files in MaxMind DB format named by ``HUNTER_IP_DB`` (comma-separated paths):
  MaxMind GeoLite2/GeoIP2 Country or ASN, DB-IP Lite Country or ASN (CC BY 4.0), IPinfo Lite, or an
  IP2Location LITE database converted to MMDB. Their answers win over the sources above. Files are
  memory-mapped, so many worker processes share one copy.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from leadhunter.domain.footprint_facts import AddressInfo
from leadhunter.domain.networks import NetworkTable, default_network_table
from leadhunter.scanners.asn_table import AsnTable, shipped_asn_table

MEMO_SIZE = 8_192  # addresses remembered per database (entries), so memory stays flat


class IpDatabaseError(ValueError):
    """An IP database file cannot be opened or is not in a supported format."""


def _no_country(address: str) -> str | None:
    return None


def _iptocc() -> Callable[[str], str | None]:
    try:
        from iptocc import country_code
    except ImportError:  # the dependency is declared; a broken install degrades to "country unknown"
        return _no_country

    def lookup(address: str) -> str | None:
        result = country_code(address)
        return result if isinstance(result, str) else None

    return lookup


class IpDatabase:
    """Describe addresses offline. ``files`` are MaxMind-DB-format paths (see the module docstring);
    ``table`` is the well-known networks table (default the shipped one); ``asn_table`` the IP-to-AS table
    (default the shipped one; ``False`` for none)."""

    def __init__(self, files: Sequence[Path] = (), *, table: NetworkTable | None = None,
                 asn_table: AsnTable | bool = True) -> None:
        self.table = table or default_network_table()
        self._asn_table = asn_table if isinstance(asn_table, AsnTable) else shipped_asn_table() if asn_table else None
        self._country = _iptocc()
        self._readers: list[Any] = []
        # Thousands of domains share MX and CDN addresses: a bounded memo keeps memory flat.
        self._memo: dict[str, AddressInfo] = {}
        for path in files:
            self._readers.append(_open_mmdb(path))

    def close(self) -> None:
        """Close the database files (the shipped sources need no closing)."""
        for reader in self._readers:
            reader.close()
        self._readers.clear()

    def describe(self, address: str) -> AddressInfo:
        """Country, AS and network label of ``address``; parts the sources do not know are None.
        Private, loopback and other non-global addresses get no country or AS."""
        known = self._memo.get(address)
        if known is not None:
            return known
        info = self._describe(address)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # cheaper than LRU bookkeeping; the hot addresses come back at once
        self._memo[address] = info
        return info

    def _describe(self, address: str) -> AddressInfo:
        parsed = _parse(address)
        if parsed is None or _special(*parsed):
            return AddressInfo(address)
        country = self._country(address)
        asn: int | None = None
        as_name: str | None = None
        for reader in self._readers:
            record = reader.get(address)
            if isinstance(record, dict):
                country = _mmdb_country(record) or country
                found_asn, found_name = _mmdb_asn(record)
                asn, as_name = found_asn or asn, found_name or as_name
        if asn is None and self._asn_table is not None:
            asn, as_name = self._asn_table.lookup(*parsed)
        network = self.table.by_asn(asn) or self.table.by_int(*parsed)
        if network is not None and asn is None:
            asn, as_name = (network.asns[0] if network.asns else None), network.as_name or None
        return AddressInfo(address, country, asn, as_name, network.label if network else None)

    def describe_all(self, addresses: Iterable[str]) -> tuple[AddressInfo, ...]:
        """:meth:`describe` for each distinct address, in first-seen order."""
        return tuple(self.describe(a) for a in dict.fromkeys(addresses))


def _parse(address: str) -> tuple[int, int] | None:
    """(IP version, integer value) of an address in text form, or None. socket.inet_pton is used
    rather than ipaddress because this runs for every address of every domain."""
    for family, version in ((socket.AF_INET, 4), (socket.AF_INET6, 6)):
        try:
            return version, int.from_bytes(socket.inet_pton(family, address), "big")
        except OSError:
            continue
    return None


def _blocks(*cidrs: str) -> tuple[tuple[int, int, int], ...]:
    nets = [ipaddress.ip_network(c) for c in cidrs]
    return tuple((n.version, int(n.network_address), int(n.broadcast_address)) for n in nets)


# Not publicly routed (RFC 6890 and friends): no country, no AS, no file lookup.
_SPECIAL = _blocks("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                   "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
                   "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3", "::/127", "::ffff:0:0/96",
                   "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8")


def _special(version: int, value: int) -> bool:
    return any(v == version and start <= value <= end for v, start, end in _SPECIAL)


def _open_mmdb(path: Path) -> Any:
    try:
        import maxminddb
    except ImportError as exc:
        raise IpDatabaseError("reading HUNTER_IP_DB files needs the 'maxminddb' package") from exc
    try:
        return maxminddb.open_database(str(path))
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise IpDatabaseError(f"{path}: not a readable MaxMind DB (.mmdb) file: {exc}") from exc


def _mmdb_country(record: dict[str, Any]) -> str | None:
    country = record.get("country")
    if isinstance(country, dict) and isinstance(country.get("iso_code"), str):
        return str(country["iso_code"])
    code = record.get("country_code")  # IPinfo Lite
    return code if isinstance(code, str) and code else None


def _mmdb_asn(record: dict[str, Any]) -> tuple[int | None, str | None]:
    number = record.get("autonomous_system_number")
    name = record.get("autonomous_system_organization")
    if number is None and isinstance(record.get("asn"), str):  # IPinfo Lite: "AS15169"
        text = str(record["asn"]).upper().removeprefix("AS")
        number = int(text) if text.isdigit() else None
        name = record.get("as_name")
    return (number if isinstance(number, int) else None, name if isinstance(name, str) else None)


@cache
def shared_ip_database(files: tuple[Path, ...] = ()) -> IpDatabase:
    """One database per set of files per process: every scanner of the process shares it, so memory
    does not grow with the number of scans or domains."""
    return IpDatabase(files)
