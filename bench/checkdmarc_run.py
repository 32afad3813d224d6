"""Run checkdmarc (PyPI) MX + SPF + DMARC checks on a list of domains, one after another, and time it.

Usage: ``python bench/checkdmarc_run.py --file DOMAINS --server 127.0.0.1:PORT``; prints one JSON
object on stdout (domains, seconds, domains_per_s, DNS queries sent, what it found).

checkdmarc's ``nameservers=`` takes ``dns.nameserver.Nameserver`` objects as well as addresses
(``checkdmarc.utils._nameservers_to_resolver_input`` passes them through), so a
``Do53Nameserver(host, port)`` reaches the benchmark server on its non-53 port. Its ``check_mx`` also
asks, per MX host, CNAME, DNSKEY/DS (``check_dnssec``), A/AAAA, TLSA and PTR plus the PTR name's
addresses; that is what the library does, so it is measured as is (STARTTLS probing stays off, the
default). Its module-level DNS cache stays on, as in normal use.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import checkdmarc
import dns.nameserver
from checkdmarc.dmarc import check_dmarc
from checkdmarc.smtp import check_mx
from checkdmarc.spf import check_spf

_sent = Counter[str]()
_original_query = dns.nameserver.Do53Nameserver.query


def _counting_query(self: dns.nameserver.Do53Nameserver, request: dns.message.QueryMessage,
                    *args: object, **kwargs: object) -> dns.message.Message:
    _sent["queries"] += 1
    return _original_query(self, request, *args, **kwargs)  # type: ignore[arg-type]


def check_one(domain: str, nameservers: list[dns.nameserver.Nameserver], timeout: float) -> dict[str, object]:
    """MX, SPF and DMARC of one domain, as checkdmarc reports them (condensed)."""
    mx = check_mx(domain, nameservers=nameservers, timeout=timeout)
    spf = check_spf(domain, nameservers=nameservers, timeout=timeout)
    dmarc = check_dmarc(domain, nameservers=nameservers, timeout=timeout)
    hosts = [h.get("hostname") for h in mx.get("hosts", [])]
    record = dmarc.get("record") if isinstance(dmarc, dict) else None
    policy = None
    if dmarc.get("valid") and isinstance(dmarc.get("tags"), dict):
        policy = dmarc["tags"].get("p", {}).get("value")
    return {"domain": domain, "mx": hosts[:1], "mx_error": mx.get("error"), "spf_valid": spf.get("valid"),
            "dmarc_record": bool(record), "dmarc_policy": policy}


def main() -> None:
    """Check every domain in the file sequentially (as ``checkdmarc.check_domains`` does)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", required=True, help="one domain per line (already normalized)")
    parser.add_argument("--server", required=True, help="host:port of the DNS server")
    parser.add_argument("--timeout", type=float, default=checkdmarc.DEFAULT_DNS_TIMEOUT)
    parser.add_argument("--details", help="write one JSON line per domain to this file")
    args = parser.parse_args()
    host, _, port = args.server.rpartition(":")
    nameservers = [dns.nameserver.Do53Nameserver(host, int(port))]
    dns.nameserver.Do53Nameserver.query = _counting_query  # type: ignore[method-assign]
    with open(args.file) as fh:
        domains = [line.strip() for line in fh if line.strip()]
    found: Counter[str] = Counter()
    details = open(args.details, "w") if args.details else None  # noqa: SIM115
    tty = sys.stderr.isatty()
    t0 = time.perf_counter()
    for n, domain in enumerate(domains, 1):
        try:
            row = check_one(domain, nameservers, args.timeout)
        except Exception as error:  # a library crash on one domain is a result, not the end of the run
            found["crashed"] += 1
            row = {"domain": domain, "crash": repr(error)}
        else:
            found["mx"] += bool(row["mx"])
            found["spf_valid"] += bool(row["spf_valid"])
            found["dmarc_record"] += bool(row["dmarc_record"])
            found[f"dmarc_p={row['dmarc_policy']}"] += 1
        if details:
            details.write(json.dumps(row) + "\n")
        if n % (25 if tty else 100) == 0 or n == len(domains):
            elapsed = time.perf_counter() - t0
            line = f"checkdmarc {n}/{len(domains)}  {n / elapsed:.1f}/s"
            sys.stderr.write("\r" + line if tty else line + "\n")
    seconds = time.perf_counter() - t0
    if tty:
        sys.stderr.write("\n")
    if details:
        details.close()
    print(json.dumps({
        "version": getattr(checkdmarc, "__version__", "?"), "domains": len(domains),
        "seconds": round(seconds, 3), "domains_per_s": round(len(domains) / seconds, 2) if seconds else None,
        "queries": _sent["queries"], "queries_per_domain": round(_sent["queries"] / max(len(domains), 1), 1),
        "found": dict(found),
    }))


if __name__ == "__main__":
    main()
