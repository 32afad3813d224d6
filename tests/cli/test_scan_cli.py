"""`hunter scan` as a user runs it: a real process, a real DNS server on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fakes.dns_server import FakeDnsServer

HUNTER = [sys.executable, "-m", "leadhunter.cli.main"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUNTER_")}
    env.update({"HUNTER_DNS_TIMEOUT": "0.3", "HUNTER_DNS_RETRIES": "1", **extra})
    return env


def _hunter(*args: str, dns: FakeDnsServer, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUNTER, "scan", "--no-tenant", "-n", dns.address, *args], capture_output=True,
                          text=True, env=_env(), timeout=timeout, check=False)


def _records(dns: FakeDnsServer) -> None:
    dns.add("contoso.com", "MX", "0 contoso-com.mail.protection.outlook.com")
    dns.add("contoso.com", "TXT", "v=spf1 include:spf.protection.outlook.com -all")
    dns.add("spf.protection.outlook.com", "TXT", "v=spf1 ip4:40.92.0.0/15 -all")
    dns.add("xn--rnek-4qa.com.tr", "MX", "10 mail.natrohost.com")


def test_json_lines_one_per_input_in_order(dns: FakeDnsServer) -> None:
    _records(dns)
    inputs = ["contoso.com", "https://www.Örnek.com.tr/iletisim", "Jane <jane@gmail.com>", "not a domain",
              "CONTOSO.COM."]
    result = _hunter("--json", *inputs, dns=dns)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["input"] for line in lines] == inputs
    assert [line["status"] for line in lines] == ["ok", "ok", "invalid", "invalid", "ok"]
    assert lines[0]["provider"] == "M365" and lines[4]["domain"] == "contoso.com"
    assert (lines[1]["domain"], lines[1]["domain_unicode"], lines[1]["hosting_label"]) == (
        "xn--rnek-4qa.com.tr", "örnek.com.tr", "Natro")
    assert lines[2]["reason"] == "consumer_mailbox" and lines[2]["category"] == "P6"
    for key in ("input", "domain", "status", "provider", "gateway", "confidence", "evidence", "mx", "spf",
                "dmarc", "dkim", "tenant", "score", "segment", "priority", "category", "breakdown", "lookups"):
        assert all(key in line for line in lines), key


def test_failed_lookups_are_listed_with_their_outcome(dns: FakeDnsServer) -> None:
    _records(dns)
    dns.fault("_dmarc.contoso.com", "servfail")
    line = json.loads(_hunter("--json", "contoso.com", dns=dns).stdout)
    assert line["status"] == "partial"
    assert line["lookups"] == [{"name": "_dmarc.contoso.com", "type": "TXT", "outcome": "servfail"}]


def test_csv_file_with_title_row_and_turkish_headers(dns: FakeDnsServer, tmp_path: Path) -> None:
    _records(dns)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Müşteri listesi 2026;;\nFirma;Web Sitesi;E-posta\nContoso;contoso.com;a@contoso.com\n"
                     "Örnek;https://örnek.com.tr;\nBoş;;\n", encoding="utf-8-sig")
    result = _hunter("--json", "--file", str(sheet), dns=dns)
    assert [json.loads(x)["domain"] for x in result.stdout.splitlines()] == ["contoso.com", "xn--rnek-4qa.com.tr"]


def test_plain_list_file_skips_blanks_and_comments(dns: FakeDnsServer, tmp_path: Path) -> None:
    _records(dns)
    listing = tmp_path / "list.txt"
    listing.write_text("# prospects\ncontoso.com\n\n  www.contoso.com  \n", encoding="utf-8")
    result = _hunter("--json", "--file", str(listing), dns=dns)
    assert [json.loads(x)["input"] for x in result.stdout.splitlines()] == ["contoso.com", "www.contoso.com"]


def test_table_output_is_readable(dns: FakeDnsServer) -> None:
    _records(dns)
    result = _hunter("contoso.com", "örnek.com.tr", dns=dns)
    rows = result.stdout.splitlines()
    assert rows[0].split()[:3] == ["domain", "status", "provider"]
    assert rows[1].split()[:3] == ["contoso.com", "ok", "M365"] and rows[2].startswith("örnek.com.tr")
    assert "2 scanned" in result.stderr


def test_bad_nameserver_is_a_clear_usage_error(dns: FakeDnsServer) -> None:
    result = subprocess.run([*HUNTER, "scan", "-n", "dns.google", "contoso.com"], capture_output=True, text=True,
                            env=_env(), timeout=60, check=False)
    assert result.returncode == 2 and "nameserver" in result.stderr


def test_ctrl_c_stops_cleanly_with_complete_lines(dns: FakeDnsServer, tmp_path: Path) -> None:
    dns.add_zone_text("\n".join(f"d{i}.com MX 10 mail.d{i}.com" for i in range(400)))
    for i in range(200, 400):
        dns.fault(f"d{i}.com", "delay:5")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(f"d{i}.com" for i in range(400)), encoding="utf-8")
    env = _env(HUNTER_SCAN_WINDOW="50", HUNTER_DNS_TIMEOUT="10")
    results = tmp_path / "results.jsonl"  # as a user runs it: `hunter scan --json ... > results.jsonl`
    with results.open("w") as sink:
        proc = subprocess.Popen([*HUNTER, "scan", "--no-tenant", "--json", "-n", dns.address, "--file",
                                 str(listing)], stdout=sink, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(1 for q in dns.queries if q.name == "d210.com") == 0:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    lines = results.read_text(encoding="utf-8").splitlines()
    assert 150 <= len(lines) < 400
    assert [json.loads(x)["input"] for x in lines] == [f"d{i}.com" for i in range(len(lines))]
    assert "interrupted after" in err


def test_domain_that_does_not_exist_is_failed_with_its_reason(dns: FakeDnsServer) -> None:
    _records(dns)
    line = json.loads(_hunter("--json", "typo-contosso.com", dns=dns).stdout)
    assert (line["status"], line["reason"], line["message"]) == ("failed", "nxdomain", "the domain does not exist")
    assert (line["category"], line["segment"]) == ("P6", "Skip")
    table = _hunter("typo-contosso.com", "contoso.com", dns=dns)
    rows = table.stdout.splitlines()
    assert rows[1].split()[:2] == ["typo-contosso.com", "failed"] and rows[1].endswith("the domain does not exist")
    assert rows[2].split()[:2] == ["contoso.com", "ok"]
    assert "failed 1" in table.stderr and "ok 1" in table.stderr


def test_help_has_the_detection_paragraph() -> None:
    result = subprocess.run([*HUNTER, "scan", "--help"], capture_output=True, text=True, env=_env(COLUMNS="200"),
                            timeout=60, check=False)
    assert result.returncode == 0
    assert "Detection:" in result.stdout and "hybrid" in result.stdout and "NXDOMAIN" in result.stdout
