"""The ``footprint``, ``network`` and ``whitespace`` keys of the stable JSON report (see report.py).

Other tools read these shapes: add keys, never rename or remove them.
"""

from __future__ import annotations

from typing import Any

from leadhunter.domain.assessment import Assessment

JsonDict = dict[str, Any]


def footprint_json(result: Assessment) -> JsonDict | None:
    """``{signal key: {state, value, kind, evidence, [tags], [cloud]}}`` for every footprint signal."""
    if result.footprint is None:
        return None
    out: JsonDict = {}
    for signal in result.footprint.signals:
        entry: JsonDict = {"state": signal.state.value, "value": signal.value, "kind": signal.kind,
                           "evidence": list(signal.evidence)}
        if signal.key == "saas":
            entry["tags"] = list(signal.tags)
        if signal.key in ("dns_host", "web_host"):
            entry["cloud"] = signal.cloud
        out[signal.key] = entry
    return out


def network_json(result: Assessment) -> list[JsonDict]:
    """One entry per (host, address) of the apex, ``www`` and each MX host: role, host, address,
    country, asn, as_name and network label."""
    facts = result.facts
    if result.footprint is None:
        return []
    info = {i.address: i for i in result.footprint.network}
    mx_hosts = {r.host for r in result.detection.mx_hosts}
    lookups = [*facts.addresses, *(facts.footprint.www if facts.footprint else ())]
    out: list[JsonDict] = []
    seen: set[tuple[str, str]] = set()
    for lookup in lookups:
        if lookup.name == facts.domain:
            role = "apex"
        elif lookup.name == f"www.{facts.domain}":
            role = "www"
        elif lookup.name in mx_hosts:
            role = "mx"
        else:
            continue
        for address in lookup.answers:
            if (lookup.name, address) in seen:
                continue
            seen.add((lookup.name, address))
            about = info.get(address)
            out.append({"role": role, "host": lookup.name, "address": address,
                        "country": about.country if about else None, "asn": about.asn if about else None,
                        "as_name": about.as_name if about else None,
                        "network": about.network if about else None})
    return out


def whitespace_json(result: Assessment) -> JsonDict | None:
    """``{rows: [{key, label_en, label_tr, state, evidence, play}], competitors: [...]}``; ``play`` is
    ``{key, label_en, label_tr, reason_en, reason_tr, confidence}`` or null."""
    grid = result.whitespace
    if grid is None:
        return None
    rows = []
    for row in grid.rows:
        play = row.play
        rows.append({
            "key": row.key, "label_en": row.label_en, "label_tr": row.label_tr, "state": row.state.value,
            "evidence": list(row.evidence),
            "play": None if play is None else {
                "key": play.key, "label_en": play.label_en, "label_tr": play.label_tr,
                "reason_en": play.reason_en, "reason_tr": play.reason_tr, "confidence": play.confidence},
        })
    return {"rows": rows, "competitors": list(grid.competitors)}


def footprint_report(result: Assessment) -> JsonDict:
    """The three keys together, for :func:`leadhunter.domain.report.assessment_report`."""
    return {"footprint": footprint_json(result), "network": network_json(result),
            "whitespace": whitespace_json(result)}


def empty_footprint_report() -> JsonDict:
    """The three keys for a line without a scan (invalid or failed input)."""
    return {"footprint": None, "network": [], "whitespace": None}
