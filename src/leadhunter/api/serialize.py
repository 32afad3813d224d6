"""Company rows as API JSON and as export rows (one place, so the list and the export agree)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadhunter.db.models import Company
from leadhunter.domain.scoring_rules import default_scoring_rules


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _category(company: Company) -> tuple[str | None, str | None, str | None]:
    row = default_scoring_rules().category_named(company.category) if company.category else None
    return (row.name, row.label, row.action) if row else (None, None, None)


def lead_json(company: Company, tags: list[str]) -> dict[str, Any]:
    """One lead in the list."""
    name, label, action = _category(company)
    return {
        "id": company.id,
        "domain": company.domain,
        "domain_unicode": company.domain_unicode,
        "name": company.name,
        "provider": company.provider,
        "gateway": company.gateway,
        "hosting_label": company.hosting_label,
        "confidence": company.confidence,
        "tenant_id": company.tenant_id,
        "dmarc_policy": company.dmarc_policy,
        "score": company.score,
        "segment": company.segment,
        "priority": company.priority,
        "category": company.category,
        "category_name": name,
        "category_label": label,
        "action": action,
        "scan_status": company.scan_status,
        "scanned_at": _iso(company.scanned_at),
        "created_at": _iso(company.created_at),
        "tags": tags,
    }


EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("domain", "domain_unicode"), ("ascii_domain", "domain"), ("company", "name"), ("category", "category"),
    ("priority", "priority"), ("score", "score"), ("segment", "segment"), ("provider", "provider"),
    ("gateway", "gateway"), ("hosting", "hosting_label"), ("confidence", "confidence"), ("tenant_id", "tenant_id"),
    ("dmarc", "dmarc_policy"), ("scan_status", "scan_status"), ("scanned_at", "scanned_at"),
]


def export_row(company: Company) -> list[object]:
    """One export line, in :data:`EXPORT_COLUMNS` order."""
    out: list[object] = []
    for _, attr in EXPORT_COLUMNS:
        value = getattr(company, attr)
        out.append(_iso(value) if isinstance(value, datetime) else value)
    return out
