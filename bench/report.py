"""Read the scanner's JSON lines as they stream, check them against the manifest, and print the summary."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

TARGETS = {0: 500.0, 30: 300.0}  # domains/s the issue asks for, by added DNS delay (ms)


class OutputCheck:
    """Counts the scanner's output lines: statuses, providers, agreement with the generated truth."""

    def __init__(self, manifest: dict[str, dict[str, str]]) -> None:
        self.manifest = manifest
        self.lines = 0
        self.bad_json = 0
        self.unknown_domain = 0
        self.status: Counter[str] = Counter()
        self.provider: Counter[str] = Counter()
        self.gateway: Counter[str] = Counter()
        self.provider_ok = 0
        self.gateway_ok = 0
        self.confusion: Counter[tuple[str, str]] = Counter()  # (expected, seen) when they differ
        self.missing_keys: Counter[str] = Counter()
        self.seen: set[str] = set()

    def feed(self, line: str) -> None:
        """Account for one stdout line."""
        self.lines += 1
        try:
            obj: Any = json.loads(line)
        except ValueError:
            self.bad_json += 1
            return
        if not isinstance(obj, dict):
            self.bad_json += 1
            return
        for key in ("input", "domain", "status", "provider", "score"):
            if key not in obj:
                self.missing_keys[key] += 1
        self.status[str(obj.get("status"))] += 1
        provider = str(obj.get("provider"))
        self.provider[provider] += 1
        gateway = obj.get("gateway")
        if isinstance(gateway, dict):  # tolerate {"name": ...} shapes
            gateway = gateway.get("name")
        self.gateway[str(gateway or "-")] += 1
        truth = self.manifest.get(str(obj.get("domain") or "").lower())
        if truth is None:
            self.unknown_domain += 1
            return
        self.seen.add(truth["domain"])
        if provider.lower() == truth["provider"].lower():
            self.provider_ok += 1
        else:
            self.confusion[(truth["provider"], provider)] += 1
        if str(gateway or "-").lower() == truth["gateway"].lower():
            self.gateway_ok += 1

    def summary(self) -> dict[str, Any]:
        """Everything counted, JSON-ready."""
        matched = len(self.seen)
        return {
            "lines": self.lines, "bad_json": self.bad_json, "domains_matched": matched,
            "domain_not_in_manifest": self.unknown_domain, "missing_keys": dict(self.missing_keys),
            "status": dict(self.status.most_common()), "provider": dict(self.provider.most_common()),
            "gateway": dict(self.gateway.most_common()),
            "provider_agreement": round(self.provider_ok / matched, 4) if matched else None,
            "gateway_agreement": round(self.gateway_ok / matched, 4) if matched else None,
            "top_disagreements": [{"expected": e, "seen": s, "count": n}
                                  for (e, s), n in self.confusion.most_common(8)],
        }


def print_distribution(expected: Counter[str], check: OutputCheck) -> None:
    """Generated provider mix next to what the scanner reported."""
    total = max(sum(expected.values()), 1)
    seen_total = max(sum(check.provider.values()), 1)
    names = list(dict.fromkeys([*expected, *check.provider]))
    print(f"\n{'provider':12s} {'generated':>14s} {'scanner':>14s}")
    for name in names:
        e, s = expected.get(name, 0), check.provider.get(name, 0)
        print(f"{name:12s} {e:7d} {100 * e / total:5.1f}% {s:7d} {100 * s / seen_total:5.1f}%")
    summary = check.summary()
    agree = summary["provider_agreement"]
    print(f"status: {summary['status']}")
    print(f"gateway: {summary['gateway']}")
    print(f"per-domain provider agreement: {agree if agree is None else f'{100 * agree:.1f}%'}"
          f" (gateway {summary['gateway_agreement']}); lines {check.lines}, bad JSON {check.bad_json}, "
          f"domains not in manifest {check.unknown_domain}")
    if summary["missing_keys"]:
        print(f"WARNING: output objects missing keys: {summary['missing_keys']}")
    for row in summary["top_disagreements"][:5]:
        print(f"  expected {row['expected']:8s} seen {row['seen']:10s} x{row['count']}")


def print_table(result: dict[str, Any]) -> None:
    """The short table the issue asks for."""
    h, c = result["hunter"], result.get("checkdmarc") or {}
    target = TARGETS.get(int(result["delay_ms"]))
    complete = h.get("exit_code") == 0 and (h.get("output") or {}).get("lines") == result["domains"]
    # A run that crashed or dropped lines fails whatever its rate: its speed measured nothing.
    verdict = "" if target is None else ("PASS" if complete and h["domains_per_s"] >= target else "FAIL")
    cols = [("domains", f"{result['domains']}"), ("delay", f"{result['delay_ms']:g} ms"),
            ("hunter dom/s", f"{h['domains_per_s']:.0f}"), ("peak RSS", f"{h['peak_rss_mb']:.0f} MB"),
            ("checkdmarc dom/s", f"{c['domains_per_s']:.2f}" if c.get("domains_per_s") else "-"),
            ("ratio", f"{result['ratio']:.0f}x" if result.get("ratio") else "-"),
            ("target", f">= {target:g} {verdict}" if target else "-")]
    widths = [max(len(k), len(v)) for k, v in cols]
    print("\n" + " | ".join(k.rjust(w) for (k, _), w in zip(cols, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    print(" | ".join(v.rjust(w) for (_, v), w in zip(cols, widths, strict=True)))
    print(f"({result['hunter_kind']}: {' '.join(result['hunter_command'][:3])} ...)")
