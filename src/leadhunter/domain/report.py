"""The stable JSON shape of one scanned input (``hunter scan --json`` prints one per line).

Other tools read this shape: add keys, never rename or remove them.
"""

from __future__ import annotations

from typing import Any

from leadhunter.domain.assessment import DOMAIN_MISSING, Assessment
from leadhunter.domain.footprint_report import empty_footprint_report, footprint_report
from leadhunter.domain.normalize import NormalizedDomain
from leadhunter.domain.scoring import Score

JsonDict = dict[str, Any]
NXDOMAIN_REASON = "nxdomain"  # the ``reason`` of a failed report whose domain does not exist


def has_verdict(report: JsonDict) -> bool:
    """True when the report judges the domain: every scan that ran, and a failed one whose domain does
    not exist (an answer, not a failure to get one: the lead drops to the hard-fail category). A scan
    that failed for any other reason says nothing about the domain."""
    return report.get("status") != "failed" or report.get("reason") == NXDOMAIN_REASON


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
    """The full line for a scanned domain: status ``ok`` or ``partial``, or ``failed`` with reason
    ``nxdomain`` and the message "the domain does not exist" when the domain itself does not exist."""
    facts, det = result.facts, result.detection
    addresses: dict[str, list[str]] = {}
    for lookup in facts.addresses:
        addresses.setdefault(lookup.name, []).extend(lookup.answers)
    tenant = facts.tenant
    base = _base(norm, result.status)
    if result.domain_missing:
        base.update(reason=NXDOMAIN_REASON, message=DOMAIN_MISSING)
    lookalike = result.lookalike
    return {
        **base,
        "provider": det.provider,
        "gateway": det.gateway,
        "provider_display": det.display,
        "hosting_label": det.hosting_label,
        "secondary_providers": list(det.secondary),
        "hybrid": det.hybrid,
        "lookalike": ({"warning": lookalike.warning, "scripts": list(lookalike.scripts),
                       "confusables": list(lookalike.confusables)} if lookalike else None),
        "confidence": det.confidence.value,
        "evidence": list(result.evidence),
        "mx": [{"preference": r.preference, "host": r.host, "addresses": addresses.get(r.host, []),
                "cnames": list(facts.cname_chain(r.host))} for r in det.mx_hosts],
        "mx_status": det.mx_status.value,
        "apex_addresses": addresses.get(facts.domain, []),
        "spf": {
            "status": result.spf.status.value,
            "record": result.spf.record.text if result.spf.record else None,
            "reason": result.spf.reason,
            "includes": list(result.spf.record.includes) if result.spf.record else [],
            "lookups_used": facts.spf.lookups_used,
            "void_lookups": facts.spf.void_lookups,
            "failed": [f"{lk.name}: {lk.outcome.value}" for lk in facts.spf.failed],
        },
        "dmarc": _dmarc_json(result),
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


def _dmarc_json(result: Assessment) -> JsonDict:
    dmarc = result.dmarc
    return {
        "status": dmarc.status.value,
        "policy": dmarc.policy.value if dmarc.policy else None,
        "record": dmarc.record,
        "reason": dmarc.reason,
        "pct": dmarc.pct,
        "sp": dmarc.sp.value if dmarc.sp else None,
        "rua": list(dmarc.rua),
        "ruf": list(dmarc.ruf),
        "vendors": list(dmarc.vendors),
        "partial_enforcement": dmarc.partial_enforcement,
    }
