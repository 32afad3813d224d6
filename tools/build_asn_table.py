"""Build ``src/leadhunter/scanners/data/asn-table.bin``, the shipped IP-to-AS table, from the npm package
``@ip-location-db/asn`` (CC BY 4.0: RouteViews, the five RIRs' statistics via the NRO, DB-IP IP to ASN Lite).

Usage::

    npm pack @ip-location-db/asn && tar xzf ip-location-db-asn-*.tgz   # gives package/asn-ipv4-num.csv ...
    python tools/build_asn_table.py package/ [--out src/leadhunter/scanners/data/asn-table.bin]

The package's CSV rows are inclusive ranges ``start,end,asn,organization`` (numeric addresses). Adjacent
ranges of the same AS are merged and the gaps between ranges become explicit "no AS" segments, so a lookup
is one bisect over the segment starts. Layout (little-endian; read by ``scanners/asn_table.py``)::

    magic  b"HNTRASN1"
    u32    n4, n6, nasn, names_bytes, source_version_bytes
    u32[n4]   IPv4 segment starts          u32[n4] AS number of each segment (0: none)
    u64[n6]   IPv6 segment starts, /64     u32[n6] AS number of each segment (0: none)
    u32[nasn] AS numbers, sorted           u32[nasn + 1] offsets of their names in the blob
    bytes     names blob (UTF-8)           bytes  source version (the npm package's, UTF-8)

IPv6 boundaries are kept at /64 precision (the top 64 bits): nearly all registry and routing ranges are
whole /64s or larger; the few smaller ones (183 of 103,197 in 2.3.2026061719) widen to their /64, and
where ranges then overlap the earlier one keeps the overlap.
"""

from __future__ import annotations

import argparse
import csv
import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "leadhunter" / "scanners" / "data" / "asn-table.bin"
MAGIC = b"HNTRASN1"


def read_ranges(path: Path) -> list[tuple[int, int, int, str]]:
    """(start, end, asn, name) rows of a ``-num.csv`` file, sorted by start."""
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for start, end, asn, name in csv.reader(fh):
            rows.append((int(start), int(end), int(asn), name.strip()))
    rows.sort()
    return rows


def segments(rows: list[tuple[int, int, int, str]], shift: int) -> tuple[list[int], list[int]]:
    """Segment starts (address >> ``shift``) and their AS numbers (0 for gaps), same-AS neighbours merged."""
    starts: list[int] = []
    asns: list[int] = []
    next_free = 0  # the first address (shifted) not covered yet
    for start, end, asn, _ in rows:
        first, after = start >> shift, (end >> shift) + 1  # a range smaller than a /64 widens to its /64
        if first < next_free:  # overlaps what came before: keep the earlier (the package's priority order)
            first = next_free
            if first >= after:
                continue
        if first > next_free:
            _append(starts, asns, next_free, 0)
        _append(starts, asns, first, asn)
        next_free = after
    _append(starts, asns, next_free, 0)
    return starts, asns


def _append(starts: list[int], asns: list[int], start: int, asn: int) -> None:
    if asns and asns[-1] == asn:
        return  # the same AS (or gap) continues
    starts.append(start)
    asns.append(asn)


def names_of(*tables: list[tuple[int, int, int, str]]) -> dict[int, str]:
    """The most frequent organization name per AS number."""
    counts: dict[int, dict[str, int]] = {}
    for rows in tables:
        for _, _, asn, name in rows:
            if name:
                per = counts.setdefault(asn, {})
                per[name] = per.get(name, 0) + 1
    return {asn: max(per, key=lambda n: (per[n], n)) for asn, per in counts.items()}


def build(package: Path, out: Path) -> dict[str, int]:
    """Write the table; return its counts."""
    v4, v6 = read_ranges(package / "asn-ipv4-num.csv"), read_ranges(package / "asn-ipv6-num.csv")
    starts4, asns4 = segments(v4, 0)
    starts6, asns6 = segments(v6, 64)
    if starts6 and starts6[-1] >= 1 << 64:
        starts6.pop()  # the gap after the last range starts past the top of the space
        asns6.pop()
    names = names_of(v4, v6)
    numbers = sorted(names)
    blob = bytearray()
    offsets = [0]
    for asn in numbers:
        blob += names[asn].encode("utf-8")
        offsets.append(len(blob))
    version = json.loads((package / "package.json").read_text())["version"].encode()
    with out.open("wb") as fh:
        fh.write(MAGIC)
        fh.write(struct.pack("<5I", len(starts4), len(starts6), len(numbers), len(blob), len(version)))
        fh.write(struct.pack(f"<{len(starts4)}I", *starts4))
        fh.write(struct.pack(f"<{len(asns4)}I", *asns4))
        fh.write(struct.pack(f"<{len(starts6)}Q", *starts6))
        fh.write(struct.pack(f"<{len(asns6)}I", *asns6))
        fh.write(struct.pack(f"<{len(numbers)}I", *numbers))
        fh.write(struct.pack(f"<{len(offsets)}I", *offsets))
        fh.write(blob)
        fh.write(version)
    return {"ipv4_segments": len(starts4), "ipv6_segments": len(starts6), "as_names": len(numbers),
            "bytes": out.stat().st_size}


def main() -> None:
    """Build from an unpacked package directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (its 'package' directory)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(json.dumps(build(args.package, args.out)))


if __name__ == "__main__":
    main()
