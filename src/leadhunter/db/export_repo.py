"""Batch reads the lead export needs beside the company rows: the scan details of each company's current
verdict (read as a few JSON paths of the report, never the whole report), and each company's referral ids.
Takes a Session; never commits. Each call reads one batch of ids (the export reads 500 companies at a time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from leadhunter.db.leads_repo import LeadFilter, filter_conditions, order_by
from leadhunter.db.models import Company, Scan, Tag
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

_SCAN_PATHS: tuple[tuple[str, ...], ...] = (
    ("spf", "status"), ("spf", "record"), ("dkim", "status"), ("dkim", "selectors"), ("dmarc", "status"),
    ("dmarc", "record"), ("dmarc", "pct"), ("mx",), ("tenant", "namespace"), ("tenant", "region"),
    ("technical_heat",), ("commercial_heat",))
_FOOTPRINT_PATHS: tuple[tuple[str, ...], ...] = (
    ("footprint", "federation", "value"), ("footprint", "intune", "state"),
    ("footprint", "entra_registration", "state"), ("footprint", "teams", "state"))
_COMPANY_COLUMNS = ("id", "domain", "domain_unicode", "name", "category", "priority", "score", "segment", "provider",
                    "gateway", "hosting_label", "confidence", "dmarc_policy", "tenant_id", "tenant_source",
                    "scan_status", "scanned_at", "created_at", "web_host", "dns_host", "web_country", "mail_country",
                    "size")


def json_paths(column: Any, paths: Sequence[tuple[str, ...]], dialect: str) -> list[ColumnElement[Any]]:
    """Columns reading ``paths`` of a JSON ``column``; :func:`path_values` turns a row's share back into one value
    per path. SQLite re-parses the JSON text for every ``json_extract``, so it gets one call with every path
    (answering a JSON array); PostgreSQL reads each path of its binary JSONB cheaply."""
    if dialect == "sqlite":
        spelled = ["$" + "".join(f'."{part}"' for part in path) for path in paths]
        return [func.json_extract(column, *spelled)]
    return [column[path] for path in paths]


def path_values(values: Sequence[Any], count: int, dialect: str) -> list[Any]:
    """The ``count`` path values from the columns :func:`json_paths` made (None where the JSON is NULL)."""
    if dialect != "sqlite":
        return list(values)
    text = values[0]
    decoded = json.loads(text) if isinstance(text, str) else None
    return list(decoded) if isinstance(decoded, list) else [None] * count


@dataclass(frozen=True, slots=True)
class ExportCompany:
    """The company columns an export line reads (names as on :class:`Company`), plus four footprint signals:
    ``federation`` (the IdP or ``Managed``), and the states of ``intune``, ``entra_join`` and ``teams``."""

    id: int
    domain: str
    domain_unicode: str
    name: str | None
    category: str | None
    priority: int | None
    score: int | None
    segment: str | None
    provider: str | None
    gateway: str | None
    hosting_label: str | None
    confidence: str | None
    dmarc_policy: str | None
    tenant_id: str | None
    tenant_source: str | None
    scan_status: str | None
    scanned_at: datetime | None
    created_at: datetime | None
    web_host: str | None
    dns_host: str | None
    web_country: str | None
    mail_country: str | None
    size: str | None  # company size band: small / medium / large
    federation: str | None = None
    intune: str | None = None
    entra_join: str | None = None
    teams: str | None = None


def iter_companies(session: Session, flt: LeadFilter, *, sort: str = "default", descending: bool = False,
                   batch: int = 1000) -> Iterator[ExportCompany]:
    """Every company ``flt`` keeps, in the lead list's order, as plain rows (no ORM objects, no breakdown or
    evidence JSON read: the export needs neither), streamed ``batch`` rows at a time (memory stays flat)."""
    dialect = session.get_bind().dialect.name
    footprint = json_paths(Company.footprint, _FOOTPRINT_PATHS, dialect)
    stmt = (select(*(getattr(Company, name) for name in _COMPANY_COLUMNS), *footprint)
            .where(*filter_conditions(flt, dialect)).order_by(*order_by(sort, descending)))
    width = len(_COMPANY_COLUMNS)
    result = session.execute(stmt.execution_options(yield_per=batch))
    try:
        for row in result:
            signals = path_values(row[width:], len(_FOOTPRINT_PATHS), dialect)
            yield ExportCompany(*row[:width], *(str(v) if v is not None else None for v in signals))
    finally:
        result.close()


def _strings(value: Any, key: str | None = None) -> tuple[str, ...]:
    """Text items of a JSON array (``key``: of its objects' ``key``); anything else is skipped."""
    if not isinstance(value, list):
        return ()
    items = (item.get(key) if key and isinstance(item, dict) else item for item in value)
    return tuple(str(item) for item in items if isinstance(item, str | int) and str(item))


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int | float) and str(value) else None


def scan_details(session: Session, company_ids: Sequence[int]) -> dict[int, ScanDetails]:
    """The details of the newest ``ok``/``partial`` scan of each company in ``company_ids`` (companies
    without one are absent). Two queries: the scan ids, then the report paths (extracted in the database, so
    a 5 KB report costs a few short values, not a parse of the whole report)."""
    if not company_ids:
        return {}
    dialect = session.get_bind().dialect.name
    latest = (select(func.max(Scan.id)).where(Scan.company_id.in_(company_ids), Scan.status.in_(VERDICT_STATUSES))
              .group_by(Scan.company_id))
    stmt = select(Scan.company_id, *json_paths(Scan.report, _SCAN_PATHS, dialect)).where(Scan.id.in_(latest))
    out: dict[int, ScanDetails] = {}
    for row in session.execute(stmt):
        (spf, spf_record, dkim, selectors, dmarc, dmarc_record, pct, mx, namespace, region, technical,
         commercial) = path_values(row[1:], len(_SCAN_PATHS), dialect)
        out[int(row[0])] = ScanDetails(
            spf_status=_text(spf), spf_record=_text(spf_record), dkim_status=_text(dkim),
            dkim_selectors=_strings(selectors), dmarc_status=_text(dmarc), dmarc_record=_text(dmarc_record),
            dmarc_pct=int(pct) if isinstance(pct, int | float) else None, mx_hosts=_strings(mx, "host"),
            tenant_namespace=_text(namespace), tenant_region=_text(region), technical_heat=_text(technical),
            commercial_heat=_text(commercial))
    return out


def tags_of(session: Session, company_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every tag of each company in ``company_ids``, manual and automatic, sorted, each name once (a lead may
    carry a name as both kinds); companies without tags are absent."""
    out: dict[int, list[str]] = {}
    if company_ids:
        stmt = (select(Tag.company_id, Tag.tag).where(Tag.company_id.in_(company_ids)).distinct()
                .order_by(Tag.tag))
        for company_id, tag in session.execute(stmt):
            out.setdefault(int(company_id), []).append(tag)
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
