"""The shipped IP-to-AS table (``scanners/data/asn-table.bin``): AS number and name for any routed address.

Built by ``tools/build_asn_table.py`` from the npm package ``@ip-location-db/asn`` (CC BY 4.0: RouteViews,
the RIRs' statistics via the NRO, DB-IP IP to ASN Lite; attribution in the README). The file is
memory-mapped once per process and read in place: segment starts are bisected straight from the mapping
(a ``memoryview`` cast to unsigned integers), so a lookup allocates nothing but its answer and memory does
not grow with the number of lookups; worker processes share the pages.
"""

from __future__ import annotations

import bisect
import mmap
import struct
import sys
from functools import cache
from importlib import resources
from pathlib import Path

MAGIC = b"HNTRASN1"
_HEADER = struct.Struct("<5I")


class AsnTableError(ValueError):
    """The table file is missing, truncated or not in this format."""


class AsnTable:
    """Look up AS numbers and names in a table file (default: the shipped one)."""

    def __init__(self, path: Path) -> None:
        if sys.byteorder != "little":  # pragma: no cover - the file is little-endian, read in place
            raise AsnTableError("the AS table is read in place and needs a little-endian machine")
        try:
            with path.open("rb") as fh:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise AsnTableError(f"{path}: cannot map the AS table: {exc}") from exc
        view = memoryview(self._map)
        if bytes(view[:8]) != MAGIC or len(view) < 8 + _HEADER.size:
            raise AsnTableError(f"{path}: not an AS table file")
        n4, n6, nasn, names, version = _HEADER.unpack_from(view, 8)
        sizes = (4 * n4, 4 * n4, 8 * n6, 4 * n6, 4 * nasn, 4 * (nasn + 1), names, version)
        if len(view) != 8 + _HEADER.size + sum(sizes):
            raise AsnTableError(f"{path}: truncated or damaged AS table")
        parts, offset = [], 8 + _HEADER.size
        for size in sizes:
            parts.append(view[offset:offset + size])
            offset += size
        self._starts4, self._asns4 = parts[0].cast("I"), parts[1].cast("I")
        self._starts6, self._asns6 = parts[2].cast("Q"), parts[3].cast("I")
        self._numbers, self._offsets, self._names = parts[4].cast("I"), parts[5].cast("I"), parts[6]
        self.source_version = bytes(parts[7]).decode("utf-8")
        self.ipv4_segments, self.ipv6_segments = n4, n6

    def asn_of(self, version: int, value: int) -> int | None:
        """The AS number announcing the address (IP ``version`` 4 or 6, integer ``value``), or None."""
        if version == 4:
            starts, asns = self._starts4, self._asns4
        else:
            starts, asns, value = self._starts6, self._asns6, value >> 64
        pos = bisect.bisect_right(starts, value) - 1
        asn = asns[pos] if pos >= 0 else 0
        return asn or None

    def name_of(self, asn: int | None) -> str | None:
        """The organization name of AS ``asn`` (as the registries and DB-IP give it), or None."""
        if asn is None:
            return None
        pos = bisect.bisect_left(self._numbers, asn)
        if pos >= len(self._numbers) or self._numbers[pos] != asn:
            return None
        return bytes(self._names[self._offsets[pos]:self._offsets[pos + 1]]).decode("utf-8", "replace")

    def lookup(self, version: int, value: int) -> tuple[int | None, str | None]:
        """(AS number, AS name) of an address given as IP version and integer value."""
        asn = self.asn_of(version, value)
        return asn, self.name_of(asn)


@cache
def shipped_asn_table() -> AsnTable | None:
    """The table shipped in the package, mapped once per process; None when the file is absent (a trimmed
    install), so addresses simply get no AS from it."""
    resource = resources.files("leadhunter.scanners").joinpath("data/asn-table.bin")
    try:
        with resources.as_file(resource) as path:
            return AsnTable(Path(path)) if Path(path).is_file() else None
    except AsnTableError:
        return None
