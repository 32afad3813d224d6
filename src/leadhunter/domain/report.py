"""The stable JSON shape of one scanned input (``hunter scan --json`` prints one per line).

Other tools read this shape: add keys, never rename or remove them.
"""

from __future__ import annotations

from typing import Any

from leadhunter.domain.assessment import Assessment
from leadhunter.domain.footprint_report import empty_footprint_report, footprint_report
from leadhunter.domain.normalize import NormalizedDomain
from leadhunter.domain.scoring import Score

JsonDict = dict[str, Any]


def score_json(score: Score) -> JsonDict:
    """Score fields and the breakdown as plain JSON."""
    return {
        "score": score.score,
        "segment": score.segment,
        "segment_rule": score.segment_rule,
        "priority": score.priority,
        "category": score.category,
        "category_name": score.category_name,
        "category_label": score.category_label,
        "action": score.action,
        "technical_heat": score.technical_heat,
        "commercial_heat": score.commercial_heat,
        "hard_fail": score.hard_fail,
        "breakdown": [
            {"kind": i.kind, "key": i.key, "points": i.points, "reason": i.reason} for i in score.items
        ],
    }


def _base(norm: NormalizedDomain, status: str) -> JsonDict:
    return {
        "input": norm.input,
        "domain": norm.domain,
        "domain_unicode": norm.unicode,
        "status": status,
        "reason": norm.reason.value if norm.reason else None,
        "message": norm.message,
    }


def invalid_report(norm: NormalizedDomain, score: Score) -> JsonDict:
    """The line for input that is not a usable company domain (status ``invalid``)."""
    return {**_base(norm, "invalid"), "provider": None, "gateway": None, "confidence": None,
            "evidence": [], "mx": [], "spf": None, "dmarc": None, "dkim": None, "tenant": None,
            **score_json(score), "lookups": [], **empty_footprint_report()}


def failed_report(norm: NormalizedDomain, error: str, score: Score) -> JsonDict:
    """The line for a domain whose scan could not run at all (status ``failed``)."""
    out = invalid_report(norm, score)
    out.update(status="failed", message=error)
    return out


def assessment_report(norm: NormalizedDomain, result: Assessment) -> JsonDict:
    """The full line for a scanned domain (status ``ok`` or ``partial``)."""
    facts, det = result.facts, result.detection
    addresses: dict[str, list[str]] = {}
    for lookup in facts.addresses:
        addresses.setdefault(lookup.name, []).extend(lookup.answers)
    tenant = facts.tenant
    return {
        **_base(norm, "partial" if result.partial else "ok"),
        "provider": det.provider,
        "gateway": det.gateway,
        "provider_display": det.display,
        "hosting_label": det.hosting_label,
        "secondary_providers": list(det.secondary),
        "confidence": det.confidence.value,
        "evidence": list(det.evidence),
        "mx": [{"preference": r.preference, "host": r.host, "addresses": addresses.get(r.host, [])}
               for r in det.mx_hosts],
        "mx_status": det.mx_status.value,
        "apex_addresses": addresses.get(facts.domain, []),
        "spf": {
            "status": result.spf.status.value,
            "record": result.spf.record.text if result.spf.record else None,
            "reason": result.spf.reason,
            "includes": list(result.spf.record.includes) if result.spf.record else [],
            "lookups_used": facts.spf.lookups_used,
            "void_lookups": facts.spf.void_lookups,
        },
        "dmarc": {
            "status": result.dmarc.status.value,
            "policy": result.dmarc.policy.value if result.dmarc.policy else None,
            "record": result.dmarc.record,
            "reason": result.dmarc.reason,
        },
        "dkim": {
            "status": result.dkim.status.value,
            "selectors": list(result.dkim.selectors),
            "revoked": list(result.dkim.revoked),
            "cnames": dict(result.dkim.cnames),
            "reason": result.dkim.reason,
        },
        "autodiscover": (list(facts.autodiscover.answers) if facts.autodiscover else []),
        "tenant": {
            "status": tenant.status.value,
            "tenant_id": tenant.tenant_id,
            "namespace": tenant.namespace,
            "brand": tenant.brand,
            "region": tenant.region,
            "tenant_name": det.tenant_name,
            "error": tenant.error,
            "auth_url": tenant.auth_url,
        },
        **score_json(result.score),
        "lookups": [{"name": lk.name, "type": lk.rtype, "outcome": lk.outcome.value}
                    for lk in facts.failed_lookups()],
        **footprint_report(result),
    }
