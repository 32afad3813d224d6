"""The well-known networks table (``domain/data/networks.toml``): load, validate, look addresses up.

Pure data: an address is matched against the published blocks of well-known operators by binary
search over sorted, non-overlapping ranges (built once per table, shared by every lookup), and an AS
number read from a database file is mapped to the operator's label.
"""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

NETWORK_KINDS = ("cloud", "cdn", "hosting", "isp")


class NetworkRulesError(ValueError):
    """The networks file is malformed (bad block, unknown kind, overlapping blocks, ...)."""


@dataclass(frozen=True, slots=True)
class Network:
    """One operator: ``label`` shown to sellers, ``kind`` (one of :data:`NETWORK_KINDS`), the AS name
    and numbers it announces from (the first is reported for block matches)."""

    label: str
    kind: str
    as_name: str
    asns: tuple[int, ...]


class NetworkTable:
    """Blocks and AS numbers of well-known networks; lookups are O(log n), no per-call allocation
    beyond the address parse."""

    def __init__(self, networks: tuple[Network, ...], blocks: list[tuple[int, int, int, int]]) -> None:
        self.networks = networks
        self._by_asn = {asn: net for net in networks for asn in net.asns}
        self._by_label = {net.label: net for net in networks}
        # Per IP version: starts (sorted), and the parallel (end, network index) list.
        self._starts: dict[int, list[int]] = {4: [], 6: []}
        self._rest: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for version, start, end, index in sorted(blocks):
            self._starts[version].append(start)
            self._rest[version].append((end, index))

    def by_address(self, address: str) -> Network | None:
        """The network whose block holds ``address`` (v4 or v6 text), or None (also for bad text)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        return self.by_int(ip.version, int(ip))

    def by_int(self, version: int, value: int) -> Network | None:
        """:meth:`by_address` for an address given as IP version (4 or 6) and integer value."""
        starts = self._starts[version]
        pos = bisect.bisect_right(starts, value) - 1
        if pos < 0:
            return None
        end, index = self._rest[version][pos]
        return self.networks[index] if value <= end else None

    def by_asn(self, asn: int | None) -> Network | None:
        """The network announcing from AS ``asn``, or None."""
        return self._by_asn.get(asn) if asn is not None else None

    def by_label(self, label: str | None) -> Network | None:
        """The network labelled ``label`` (as stored in a scan), or None."""
        return self._by_label.get(label) if label else None


def parse_network_table(text: str) -> NetworkTable:
    """Parse and validate a networks file (TOML); raise :class:`NetworkRulesError` with the place."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkRulesError(f"not valid TOML: {exc}") from exc
    entries = data.get("network")
    if not isinstance(entries, list) or not entries:
        raise NetworkRulesError("expected one or more [[network]] tables")
    networks: list[Network] = []
    blocks: list[tuple[int, int, int, int]] = []
    for index, raw in enumerate(entries):
        networks.append(_network(raw, index))
        for prefix in raw.get("prefixes", []):
            try:
                net = ipaddress.ip_network(prefix, strict=True)
            except (TypeError, ValueError) as exc:
                raise NetworkRulesError(f"network {index + 1}: bad prefix {prefix!r}: {exc}") from exc
            blocks.append((net.version, int(net.network_address), int(net.broadcast_address), index))
    labels = [n.label for n in networks]
    if len(set(labels)) != len(labels):
        raise NetworkRulesError("network labels must be unique")
    asns = [a for n in networks for a in n.asns]
    if len(set(asns)) != len(asns):
        raise NetworkRulesError("an AS number is listed under two networks")
    ordered = sorted(blocks)
    for prev, cur in itertools.pairwise(ordered):
        if prev[0] == cur[0] and cur[1] <= prev[2]:
            raise NetworkRulesError(
                f"blocks overlap: {networks[prev[3]].label} and {networks[cur[3]].label} "
                f"({ipaddress.ip_address(cur[1])})")
    return NetworkTable(tuple(networks), blocks)


def _network(raw: Any, index: int) -> Network:
    where = f"network {index + 1}"
    if not isinstance(raw, dict):
        raise NetworkRulesError(f"{where}: must be a table")
    label, kind, as_name = raw.get("label"), raw.get("kind"), raw.get("as_name", "")
    if not isinstance(label, str) or not label.strip():
        raise NetworkRulesError(f"{where}: 'label' must be a non-empty string")
    if kind not in NETWORK_KINDS:
        raise NetworkRulesError(f"{where} ({label}): 'kind' must be one of {', '.join(NETWORK_KINDS)}")
    asns = raw.get("asns", [])
    if not isinstance(asns, list) or not all(isinstance(a, int) and 0 < a < 2**32 for a in asns):
        raise NetworkRulesError(f"{where} ({label}): 'asns' must be a list of AS numbers")
    if not isinstance(as_name, str) or not isinstance(raw.get("prefixes", []), list):
        raise NetworkRulesError(f"{where} ({label}): 'as_name' must be a string and 'prefixes' a list")
    return Network(label, str(kind), as_name, tuple(asns))


@cache
def default_network_table() -> NetworkTable:
    """The shipped table, parsed once per process."""
    text = resources.files("leadhunter.domain.data").joinpath("networks.toml").read_text("utf-8")
    return parse_network_table(text)
