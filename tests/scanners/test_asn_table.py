"""The shipped IP-to-AS table (scanners/data/asn-table.bin) and its place in the offline IP database:
well-known addresses map to their AS number and name, the well-known networks' labels stay on top, and
the table builder (tools/build_asn_table.py) writes what the reader reads."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import sys
import tracemalloc
from pathlib import Path

import pytest

from leadhunter.scanners.asn_table import AsnTable, AsnTableError, shipped_asn_table
from leadhunter.scanners.ipdb import IpDatabase

ROOT = Path(__file__).resolve().parents[2]


def _table() -> AsnTable:
    table = shipped_asn_table()
    assert table is not None, "scanners/data/asn-table.bin is missing from the package"
    return table


@pytest.mark.parametrize(("address", "asn", "name_part"), [
    ("8.8.8.8", 15169, "Google"),
    ("1.1.1.1", 13335, "Cloudflare"),
    ("52.96.1.1", 8075, "Microsoft"),
    ("13.107.6.152", 8068, "Microsoft"),
    ("5.9.10.10", 24940, "Hetzner"),
    ("77.88.55.60", 13238, "YANDEX"),
    ("94.73.145.10", 34619, "CIZGI"),  # Natro's hosting range in Türkiye: no cloud label, still an AS
    ("2001:4860:4860::8888", 15169, "Google"),
    ("2606:4700:4700::1111", 13335, "Cloudflare"),
    ("2a02:6b8::2:242", 13238, "YANDEX"),
])
def test_known_addresses_map_to_their_as(address: str, asn: int, name_part: str) -> None:
    ip = ipaddress.ip_address(address)
    found, name = _table().lookup(ip.version, int(ip))
    assert found == asn
    assert name is not None and name_part.lower() in name.lower()


@pytest.mark.parametrize("address", ["0.0.0.1", "255.255.255.255", "::1", "ffff::1"])
def test_unrouted_addresses_have_no_as(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert _table().lookup(ip.version, int(ip)) == (None, None)


def test_the_ip_database_adds_the_as_and_keeps_the_cloud_labels_on_top() -> None:
    db = IpDatabase()
    natro, azure, google6, private = (db.describe(a) for a in ("94.73.145.10", "52.96.1.1",
                                                               "2001:4860:4860::8888", "10.0.0.1"))
    assert (natro.asn, natro.country, natro.network) == (34619, "TR", None)
    assert natro.as_name and "CIZGI" in natro.as_name
    assert (azure.asn, azure.network) == (8075, "Microsoft")  # networks.toml still labels it
    assert (google6.asn, google6.network) == (15169, "Google")
    assert (private.asn, private.as_name, private.network) == (None, None, None)
    without = IpDatabase(asn_table=False).describe("94.73.145.10")
    assert (without.asn, without.as_name) == (None, None)  # the AS came from the shipped table


def test_lookups_do_not_grow_memory() -> None:
    table = _table()
    base = int(ipaddress.ip_address("23.0.0.0"))
    for i in range(2_000):  # warm up (interned small ints, caches)
        table.lookup(4, base + i * 4099)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(10_000):
        table.lookup(4, base + i * 4099)
        table.lookup(6, (0x2A00 << 112) + i * (1 << 80))
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 64 * 1024


def test_the_builder_writes_what_the_reader_reads(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    v4 = [("16777216", "16777471", "13335", "Cloudflare, Inc."), ("16777472", "16777727", "13335", "Cloudflare, Inc."),
          ("16778240", "16779263", "38803", "Gtelecom Pty Ltd")]
    net = int(ipaddress.ip_address("2001:200::"))
    v6 = [(str(net), str(net + (1 << 96) - 1), "2500", "WIDE Project"),
          (str(net + (1 << 96) + 5), str(net + (1 << 96) + 9), "64500", "Tiny, Sub-64")]
    (package / "asn-ipv4-num.csv").write_text("".join(f'{a},{b},{c},"{d}"\n' for a, b, c, d in v4))
    (package / "asn-ipv6-num.csv").write_text("".join(f'{a},{b},{c},"{d}"\n' for a, b, c, d in v6))
    (package / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    spec = importlib.util.spec_from_file_location("build_asn_table", ROOT / "tools" / "build_asn_table.py")
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    sys.modules["build_asn_table"] = builder
    spec.loader.exec_module(builder)
    out = tmp_path / "asn.bin"
    counts = builder.build(package, out)
    table = AsnTable(out)
    assert table.source_version == "9.9.9"
    # Two adjacent Cloudflare ranges merge; the gaps before, between and after are "no AS" segments.
    assert counts["ipv4_segments"] == 5
    assert [table.asn_of(4, v) for v in (0, 16777216, 16777727, 16777728, 16778240, 16779263, 16779264)] == [
        None, 13335, 13335, None, 38803, 38803, None]
    assert table.lookup(6, net + 12345) == (2500, "WIDE Project")
    assert table.lookup(6, net + (1 << 96) + 7) == (64500, "Tiny, Sub-64")  # widened to its /64
    assert table.lookup(6, net + (1 << 96) + (1 << 64)) == (None, None)
    assert table.name_of(64501) is None
    out.write_bytes(out.read_bytes()[:-3])
    with pytest.raises(AsnTableError, match="truncated"):
        AsnTable(out)
