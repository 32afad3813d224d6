"""`hunter scan --registration` and `hunter registration refresh-bootstrap` as a user runs them: real
processes against loopback DNS, RDAP (HTTPS, test CA) and WHOIS servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.dns_server import FakeDnsServer
from fakes.rdap_server import DomainRecord, RdapServer
from fakes.whois_server import WhoisServer

HUNTER = [sys.executable, "-m", "leadhunter.cli.main"]


@pytest.fixture
def registries() -> Iterator[tuple[RdapServer, WhoisServer]]:
    with RdapServer() as rdap, WhoisServer() as whois:
        rdap.add(DomainRecord("contoso.com", registrar="MarkMonitor Inc.", expires="2027-02-01T00:00:00Z"))
        whois.add_tr("xn--rnek-4qa.com.tr")
        yield rdap, whois


def _env(rdap: RdapServer, whois: WhoisServer, data: Path, *, overrides: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env.update({"HUNTER_DNS_TIMEOUT": "0.3", "HUNTER_DNS_RETRIES": "1", "HUNTER_DATA_DIR": str(data),
                "HUNTER_REGISTRATION_CA_FILE": rdap.ca_file, "HUNTER_ALLOW_PRIVATE_TARGETS": "true",
                "HUNTER_WHOIS_RATE": "50", "HUNTER_RDAP_RATE": "50"})
    if overrides:
        env.update({"HUNTER_RDAP_SERVERS": f"com={rdap.registry_url}", "HUNTER_WHOIS_SERVERS": f"tr={whois.address}"})
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUNTER, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def _dns(dns: FakeDnsServer) -> None:
    dns.add("contoso.com", "MX", "0 contoso-com.mail.protection.outlook.com")
    dns.add("xn--rnek-4qa.com.tr", "MX", "10 mail.natrohost.com")


def test_json_lines_carry_registration(dns: FakeDnsServer, registries: tuple[RdapServer, WhoisServer],
                                       tmp_path: Path) -> None:
    rdap, whois = registries
    _dns(dns)
    env = _env(rdap, whois, tmp_path)
    args = ["scan", "--no-tenant", "-n", dns.address, "--json", "--registration", "contoso.com",
            "https://www.örnek.com.tr/", "Jane <jane@gmail.com>", "nobody.com"]
    result = _run(env, *args)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # nobody.com has no zone: NXDOMAIN, so the scan fails ("the domain does not exist"); RDAP still says not_found
    assert [line["status"] for line in lines] == ["ok", "ok", "invalid", "failed"]
    contoso, ornek, gmail, nobody = (line["registration"] for line in lines)
    assert (contoso["outcome"], contoso["source"], contoso["registrar"], contoso["expires"]) == (
        "ok", "rdap", "MarkMonitor Inc.", "2027-02-01T00:00:00Z")
    assert (ornek["outcome"], ornek["source"], ornek["expires"], ornek["registrant_organization"]) == (
        "ok", "whois", "2026-03-23T00:00:00Z", "Örnek Gıda Sanayi ve Ticaret A.Ş.")
    assert gmail is None and nobody["outcome"] == "not_found"
    # the score never depends on registration
    plain = [json.loads(x) for x in _run(env, *[a for a in args if a != "--registration"]).stdout.splitlines()]
    assert all("registration" not in line for line in plain)
    assert [p["score"] for p in plain] == [line["score"] for line in lines]
    # the second run with --registration is answered from the cache in HUNTER_DATA_DIR
    asked = len(rdap.requests), len(whois.queries)
    assert _run(env, *args).returncode == 0
    assert (len(rdap.requests), len(whois.queries)) == asked
    assert (tmp_path / "registration-cache.sqlite").is_file()


def test_table_shows_expiry_and_registrar(dns: FakeDnsServer, registries: tuple[RdapServer, WhoisServer],
                                          tmp_path: Path) -> None:
    rdap, whois = registries
    _dns(dns)
    result = _run(_env(rdap, whois, tmp_path), "scan", "--no-tenant", "-n", dns.address, "--registration",
                  "contoso.com", "xn--rnek-4qa.com.tr")
    assert result.returncode == 0, result.stderr
    header, first, second = result.stdout.splitlines()
    assert header.split()[-2:] == ["expires", "registrar"]
    assert "2027-02-01" in first and "MarkMonitor Inc." in first
    assert "2026-03-23" in second and "TURKTICARET" in second


def test_refresh_bootstrap_from_file_then_used(dns: FakeDnsServer, registries: tuple[RdapServer, WhoisServer],
                                               tmp_path: Path) -> None:
    rdap, whois = registries
    _dns(dns)
    env = _env(rdap, whois, tmp_path, overrides=False)
    good = tmp_path / "dns.json"
    good.write_text(json.dumps({"version": "1.0", "publication": "2026-11-30T00:00:00Z",
                                "services": [[["com", "net"], [rdap.registry_url]]]}), encoding="utf-8")
    result = _run(env, "registration", "refresh-bootstrap", "--from", str(good))
    assert result.returncode == 0, result.stderr
    assert "2 TLDs" in result.stdout and (tmp_path / "rdap-dns.json").is_file()
    line = json.loads(_run(env, "scan", "--no-tenant", "-n", dns.address, "--json", "--registration",
                           "contoso.com").stdout)
    assert line["registration"]["registrar"] == "MarkMonitor Inc."

    bad = tmp_path / "bad.json"
    bad.write_text('{"services": "none"}', encoding="utf-8")
    refused = _run(env, "registration", "refresh-bootstrap", "--from", str(bad))
    assert refused.returncode == 2 and "refused" in refused.stderr
    assert json.loads((tmp_path / "rdap-dns.json").read_text("utf-8"))["publication"] == "2026-11-30T00:00:00Z"


def test_bad_registration_setting_is_a_clear_error(dns: FakeDnsServer, registries: tuple[RdapServer, WhoisServer],
                                                   tmp_path: Path) -> None:
    rdap, whois = registries
    env = {**_env(rdap, whois, tmp_path), "HUNTER_WHOIS_SERVERS": "tr=whois.example:port"}
    result = _run(env, "scan", "--no-tenant", "-n", dns.address, "--registration", "contoso.com")
    assert result.returncode == 2 and "HUNTER_WHOIS_SERVERS" in result.stderr
