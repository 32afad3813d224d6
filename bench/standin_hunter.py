"""Stand-in for ``hunter scan`` so the benchmark harness can be tested before the real CLI exists.

Usage (same flags as the real command)::

    python bench/standin_hunter.py scan --file LIST --json --nameserver 127.0.0.1:PORT --no-tenant

It does the lookups the issue lists (MX, apex TXT/SPF with includes expanded, _dmarc TXT, DKIM at
common selectors, autodiscover CNAME, apex A/AAAA, primary MX host A), a simplified detection and
score, and prints one JSON object per input line on stdout (in completion order) with a progress line
on stderr. It streams: a bounded number of domains in flight, nothing collected. It is NOT Hunter's
detection or scoring (see docs/ and the spec); it only has to look like Hunter to the harness.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Iterator
from urllib.parse import urlsplit

from standin_dns import Answer, Resolver

DKIM_SELECTORS = ("selector1", "selector2", "google", "default", "k1", "s1", "mail", "zmail", "dkim")
MX_PROVIDERS = (
    ("mail.protection.outlook.com", "M365"), ("mx.microsoft", "M365"), ("aspmx.l.google.com", "Google"),
    ("google.com", "Google"), ("googlemail.com", "Google"), ("yandex.net", "Yandex"),
    ("yandex.ru", "Yandex"), ("zoho.eu", "Zoho"), ("zoho.com", "Zoho"), ("natrohost.com", "Hosting"),
    ("turkhost.com.tr", "Hosting"), ("secureserver.net", "Hosting"), ("hostinger.com", "Hosting"),
    ("ovh.net", "Hosting"),
)
GATEWAYS = (("pphosted.com", "Proofpoint"), ("mimecast.com", "Mimecast"))
SPF_PROVIDERS = (("spf.protection.outlook.com", "M365"), ("_spf.google.com", "Google"),
                 ("_spf.yandex.net", "Yandex"), ("zoho.eu", "Zoho"), ("zoho.com", "Zoho"))
POINTS = {"M365": 50, "Google": 50, "Yandex": 30, "Zoho": 30, "Hosting": 20, "Local": 10, "Unknown": 0}
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize(raw: str) -> str | None:
    """The registrable-looking host in ``raw`` (URL, e-mail address, bare name), or None."""
    text = raw.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    return text if _DOMAIN.match(text) else None


def _suffix(host: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for suffix, name in table:
        if host == suffix or host.endswith("." + suffix):
            return name
    return None


class SpfCache:
    """Include target -> TXT answer, shared across domains, bounded (LRU), in-flight lookups shared."""

    def __init__(self, resolver: Resolver, size: int = 4096) -> None:
        self.resolver = resolver
        self.size = size
        self.items: OrderedDict[str, asyncio.Future[Answer]] = OrderedDict()

    async def txt(self, name: str) -> Answer:
        fut = self.items.get(name)
        if fut is None:
            fut = asyncio.ensure_future(self.resolver.query(name, "TXT"))
            self.items[name] = fut
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        else:
            self.items.move_to_end(name)
        return await asyncio.shield(fut)


def _spf_record(txt: Answer) -> str | None:
    records = [t for t in txt.answers if t.lower().startswith("v=spf1")]
    return records[0] if len(records) == 1 else None


async def expand_spf(record: str, cache: SpfCache) -> list[str]:
    """Include/redirect targets reached from ``record`` (depth-first, at most 10 lookups)."""
    seen: list[str] = []
    stack = [record]
    while stack and len(seen) < 10:
        terms = stack.pop().split()
        targets = [t.split(":", 1)[1] if ":" in t else t.split("=", 1)[1] for t in terms
                   if t.lower().startswith(("include:", "+include:", "redirect="))]
        for target in targets:
            if target in seen or len(seen) >= 10:
                continue
            seen.append(target)
            sub = _spf_record(await cache.txt(target))
            if sub:
                stack.append(sub)
    return seen


async def scan_domain(raw: str, resolver: Resolver, cache: SpfCache) -> dict[str, object]:
    """All lookups for one input line, then detection and score."""
    domain = normalize(raw)
    if domain is None:
        return {"input": raw.strip(), "domain": None, "status": "invalid", "provider": None, "score": 0}
    q = resolver.query
    names = [(domain, "MX"), (domain, "TXT"), (f"_dmarc.{domain}", "TXT"),
             (f"autodiscover.{domain}", "CNAME"), (domain, "A"), (domain, "AAAA")]
    names += [(f"{sel}._domainkey.{domain}", "TXT") for sel in DKIM_SELECTORS]
    mx, txt, dmarc, autod, _a, _aaaa, *dkim = await asyncio.gather(*(q(n, t) for n, t in names))
    hosts = sorted((int(p), h) for p, _, h in (a.partition(" ") for a in mx.answers) if p.isdigit())
    usable = [h for _, h in hosts if h]
    spf = _spf_record(txt)
    mx_a, includes = await asyncio.gather(
        q(usable[0], "A") if usable else asyncio.sleep(0, None),
        expand_spf(spf, cache) if spf else asyncio.sleep(0, []))
    del mx_a  # looked up (as Hunter does) but not used by the stand-in's detection
    dkim_found = [sel for sel, ans in zip(DKIM_SELECTORS, dkim, strict=True)
                  if any("p=" in t for t in ans.answers)]
    provider, gateway = "Unknown", None
    if usable:
        primary = usable[0]
        gateway = _suffix(primary, GATEWAYS)
        provider = _suffix(primary, MX_PROVIDERS) or ("Unknown" if gateway else "Local")
        if gateway:
            for inc in includes:
                provider = _suffix(inc, SPF_PROVIDERS) or provider
            if any(c.endswith(".onmicrosoft.com") for a in dkim for c in a.cnames) or \
                    "autodiscover.outlook.com" in autod.answers:
                provider = "M365"
    policy = next((m.group(1).lower() for t in dmarc.answers
                   if (m := re.search(r"(?:^|;)\s*p=(\w+)", t, re.I)) and t.lower().startswith("v=dmarc1")),
                  None)
    score = POINTS[provider] + (10 if spf else -10) + (10 if dkim_found else -10)
    score += {"reject": 20, "quarantine": 15, "none": -10}.get(policy or "", 0)
    if provider == "Unknown" and not gateway:
        score = 0
    all_answers = [mx, txt, dmarc, autod, *dkim]
    status = "partial" if any(a.failed for a in all_answers) else "ok"
    return {"input": raw.strip(), "domain": domain, "status": status, "provider": provider,
            "gateway": gateway, "score": max(0, min(100, score)), "spf": bool(spf), "dmarc": policy,
            "dkim": dkim_found, "mx": usable[:1]}


def _lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


async def run(args: argparse.Namespace) -> None:
    """Scan every line of the input file with ``args.concurrency`` domains in flight."""
    host, _, port = args.nameserver.rpartition(":") if ":" in args.nameserver else (args.nameserver, "", "53")
    resolver = Resolver(host, int(port), timeout=args.timeout)
    await resolver.open()
    cache = SpfCache(resolver)
    total = sum(1 for _ in _lines(args.file))
    lines = _lines(args.file)
    done = 0
    t0 = last = time.perf_counter()
    out = sys.stdout

    async def worker() -> None:
        nonlocal done, last
        for raw in lines:  # one shared iterator: every worker pulls the next line, nothing is buffered
            result = await scan_domain(raw, resolver, cache)
            out.write(json.dumps(result, separators=(",", ":")) + "\n")
            done += 1
            now = time.perf_counter()
            if now - last > 0.5 or done == total:
                last = now
                sys.stderr.write(f"\r{done}/{total} domains  {done / (now - t0):.0f}/s")

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    sys.stderr.write(f"\n{resolver.sent} queries, {resolver.timeouts} timeouts, {resolver.tcp} over TCP\n")
    out.flush()
    resolver.close()


def main() -> None:
    """``scan`` subcommand with the real CLI's flags (the others are accepted and ignored)."""
    parser = argparse.ArgumentParser(description="stand-in for `hunter scan` (benchmark plumbing only)")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan")
    scan.add_argument("--file", required=True)
    scan.add_argument("--json", action="store_true")
    scan.add_argument("--nameserver", default="127.0.0.1:53")
    scan.add_argument("--no-tenant", action="store_true")
    scan.add_argument("--concurrency", type=int, default=400)
    scan.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(args))
    else:
        uvloop.run(run(args))


if __name__ == "__main__":
    main()
