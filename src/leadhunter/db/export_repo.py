"""Batch reads the lead export needs beside the company rows: the scan details of each company's current
verdict (read as a few JSON paths of the report, never the whole report), and each company's referral ids.
Takes a Session; never commits. Each call reads one batch of ids (the export reads 500 companies at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadhunter.db.models import Scan
from leadhunter.db.referral_models import PartnerCenterReferral

VERDICT_STATUSES = ("ok", "partial")
"""Scan statuses whose report carries DNS details (a failed scan's report has none)."""


@dataclass(frozen=True, slots=True)
class ScanDetails:
    """The mail-authentication and tenant details of one scan report, as the export prints them (None or
    empty: the report did not say). ``mx_hosts`` in preference order; ``dkim_selectors`` as found."""

    spf_status: str | None = None
    spf_record: str | None = None
    dkim_status: str | None = None
    dkim_selectors: tuple[str, ...] = ()
    dmarc_status: str | None = None
    dmarc_record: str | None = None
    dmarc_pct: int | None = None
    mx_hosts: tuple[str, ...] = ()
    tenant_namespace: str | None = None
    tenant_region: str | None = None
    technical_heat: str | None = None
    commercial_heat: str | None = None


NO_DETAILS = ScanDetails()

_PATHS: dict[str, tuple[str, ...]] = {
    "spf_status": ("spf", "status"), "spf_record": ("spf", "record"), "dkim_status": ("dkim", "status"),
    "dmarc_status": ("dmarc", "status"), "dmarc_record": ("dmarc", "record"),
    "tenant_namespace": ("tenant", "namespace"), "tenant_region": ("tenant", "region"),
    "technical_heat": ("technical_heat",), "commercial_heat": ("commercial_heat",),
}


def _strings(value: Any, key: str | None = None) -> tuple[str, ...]:
    """Text items of a JSON array (``key``: of its objects' ``key``); anything else is skipped."""
    if not isinstance(value, list):
        return ()
    items = (item.get(key) if key and isinstance(item, dict) else item for item in value)
    return tuple(str(item) for item in items if isinstance(item, str | int) and str(item))


def scan_details(session: Session, company_ids: Sequence[int]) -> dict[int, ScanDetails]:
    """The details of the newest ``ok``/``partial`` scan of each company in ``company_ids`` (companies
    without one are absent). Two queries: the scan ids, then the report paths (JSON path extraction in the
    database, so a 5 KB report costs a few short strings, not a parse)."""
    if not company_ids:
        return {}
    latest = (select(func.max(Scan.id)).where(Scan.company_id.in_(company_ids), Scan.status.in_(VERDICT_STATUSES))
              .group_by(Scan.company_id))
    report = Scan.report
    text = [report[path].as_string().label(name) for name, path in _PATHS.items()]
    stmt = select(Scan.company_id, *text, report[("dmarc", "pct")].label("dmarc_pct"),
                  report[("dkim", "selectors")].label("selectors"), report["mx"].label("mx")).where(Scan.id.in_(latest))
    out: dict[int, ScanDetails] = {}
    for row in session.execute(stmt):
        values = row._mapping
        pct = values["dmarc_pct"]
        out[int(row[0])] = ScanDetails(
            **{name: values[name] or None for name in _PATHS},
            dmarc_pct=int(pct) if isinstance(pct, int | float | str) and str(pct).isdigit() else None,
            dkim_selectors=_strings(values["selectors"]), mx_hosts=_strings(values["mx"], "host"))
    return out


@dataclass(slots=True)
class CompanyReferrals:
    """A company's Partner Center referrals: ids (oldest first) and lead types."""

    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def referrals_of(session: Session, company_ids: Sequence[int]) -> dict[int, CompanyReferrals]:
    """The referral ids and lead types linked to each company (companies without referrals are absent)."""
    r = PartnerCenterReferral
    out: dict[int, CompanyReferrals] = {}
    if not company_ids:
        return out
    stmt = select(r.company_id, r.referral_id, r.lead_type).where(r.company_id.in_(company_ids)).order_by(r.id)
    for company_id, referral_id, lead_type in session.execute(stmt):
        entry = out.setdefault(int(company_id or 0), CompanyReferrals())  # never None: filtered by IN
        entry.ids.append(referral_id)
        entry.types.append(lead_type)
    return out
