"""Leads: list (filter, sort, page), KPIs, detail, add one, rescan, export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadhunter.api.deps import CallerDep, PageDep, SessionDep, Text
from leadhunter.api.dispatch import dispatch_all
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.serialize import (
    EXPORT_COLUMNS,
    REGISTRATION_EXPORT_COLUMNS,
    export_row,
    lead_json,
    registration_detail,
    segment_rule_json,
)
from leadhunter.db import companies_repo, d365_repo, leads_repo, referrals_repo, registration_repo
from leadhunter.db.models import Company, Tag
from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.whitespace_rules import PLAY_KEYS, default_whitespace_rules
from leadhunter.services import scan_jobs
from leadhunter.services.export_writer import csv_chunks, xlsx_chunks
from leadhunter.services.ingest import LeadInput, ingest_leads
from leadhunter.services.lead_footprint import company_infrastructure
from leadhunter.services.lead_verdict import inconclusive_reason, verdict_scans

Country = Annotated[str, Field(pattern="^[A-Za-z]{2}$")]
router = APIRouter(prefix="/api/leads", tags=["leads"], responses=error_responses(401, 422, 429))
UNSCANNED = "unscanned"
"""KPI key of leads without a segment or category yet (not scanned, or every scan failed)."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_EXPORT_BATCH = 500  # companies whose tags and registration records are read in one query while exporting


class LeadFilterParams(BaseModel):
    """Filters shared by the list and the export (repeat a parameter for several values)."""

    segment: list[Text] = Field(default_factory=list)
    provider: list[Text] = Field(default_factory=list)
    gateway: list[Text] = Field(default_factory=list)
    category: list[Text] = Field(default_factory=list)
    tag: list[Text] = Field(default_factory=list)
    score_min: int | None = Field(None, ge=0, le=100)
    score_max: int | None = Field(None, ge=0, le=100)
    q: Text | None = Field(None, max_length=200, description="Search in domain and company name")
    sort: str = Field("default", description="default (category, score desc, domain) or a column name")
    order: Literal["asc", "desc"] = "asc"
    referral_type: list[Literal["co-sell", "marketplace", "solution-provider", "any", "none"]] = Field(
        default_factory=list, description="Partner Center referral type; any / none: with / without a referral")
    d365_status: list[Literal["not_synced", "queued", "in_progress", "synced", "error"]] = Field(
        default_factory=list, description="Dynamics 365 push state (not_synced includes leads never pushed)")
    expires_within_days: int | None = Field(
        None, ge=0, le=3650, description="Domain registration expires within this many days from now")
    registered_after: date | None = Field(None, description="Domain registered on or after this date (UTC)")
    play: list[Text] = Field(default_factory=list, description=(
        "White-space play key: " + ", ".join(PLAY_KEYS) + " (e.g. intune: a tenant without Intune enrolment)"))
    saas: list[Text] = Field(default_factory=list, description="SaaS product tag from the apex TXT, e.g. atlassian")
    web_host: list[Text] = Field(default_factory=list, description="Where the website runs, e.g. AWS, Azure")
    dns_host: list[Text] = Field(default_factory=list, description="Who hosts the DNS zone, e.g. Azure DNS")
    mail_country: list[Country] = Field(default_factory=list, description="Country of the mail servers (ISO 2)")
    web_country: list[Country] = Field(default_factory=list, description="Country of the website (ISO 2)")

    def to_filter(self) -> leads_repo.LeadFilter:
        if self.sort != "default" and self.sort not in leads_repo.SORTABLE:
            raise ApiError(422, "validation_error", f"sort: must be 'default' or one of {sorted(leads_repo.SORTABLE)}",
                           [{"field": "sort", "reason": "unknown column"}])
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ApiError(422, "validation_error", "score_min: must not be above score_max",
                           [{"field": "score_min", "reason": "above score_max"}])
        unknown = [p for p in self.play if p not in PLAY_KEYS]
        if unknown:
            raise ApiError(422, "validation_error", f"play: unknown play {unknown[0]!r}; known: {', '.join(PLAY_KEYS)}",
                           [{"field": "play", "reason": "unknown play"}])
        return leads_repo.LeadFilter(
            segments=tuple(self.segment), providers=tuple(self.provider), gateways=tuple(self.gateway),
            categories=tuple(self.category), tags=tuple(self.tag), score_min=self.score_min,
            score_max=self.score_max, search=self.q or None, referral_types=tuple(self.referral_type),
            d365_statuses=tuple(self.d365_status), expires_within_days=self.expires_within_days,
            registered_after=datetime.combine(self.registered_after, time.min, UTC) if self.registered_after else None,
            plays=tuple(self.play), saas=tuple(self.saas),
            web_hosts=tuple(self.web_host), dns_hosts=tuple(self.dns_host),
            mail_countries=tuple(c.upper() for c in self.mail_country),
            web_countries=tuple(c.upper() for c in self.web_country),
        )


FilterDep = Annotated[LeadFilterParams, Query()]
_PLAY_PLACEHOLDER = {name: "…" for name in ("provider", "gateway", "idp", "web_host", "dns_host", "tenant")}


class NewLead(BaseModel):
    """A lead typed in: a domain, URL or e-mail, and optionally the company name."""

    domain: Text = Field(..., min_length=1, max_length=2048)
    name: Text | None = Field(None, max_length=300)


class RescanRequest(BaseModel):
    """Domains to rescan (as stored or as typed)."""

    domains: list[Text] = Field(..., min_length=1, max_length=100_000)


@router.get("")
def list_leads(session: SessionDep, _: CallerDep, params: FilterDep,
               page: PageDep = 1,
               page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """A filtered, sorted page of leads with the total count."""
    rows, total = leads_repo.list_leads(session, params.to_filter(), sort=params.sort,
                                        descending=params.order == "desc", offset=(page - 1) * page_size,
                                        limit=page_size)
    tags = companies_repo.tags_of(session, [r.id for r in rows])
    referrals = referrals_repo.summary_for_companies(session, [r.id for r in rows])
    d365 = d365_repo.summary_for_companies(session, [r.id for r in rows])  # the page's ids only
    return {"items": [lead_json(r, tags[r.id], referrals.get(r.id), d365.get(r.id)) for r in rows], "total": total,
            "page": page, "page_size": page_size}


@router.get("/kpis")
def kpis(session: SessionDep, _: CallerDep, params: FilterDep) -> dict[str, Any]:
    """Totals per segment and per category for the current filter; leads not scanned yet (no segment or
    category) are counted under ``unscanned``, so each map sums to the number of leads matching."""
    flt = params.to_filter()

    def counts(column: str) -> dict[str, int]:
        found = leads_repo.counts_by(session, flt, column)
        return {UNSCANNED if value is None else value: n for value, n in found.items()}

    return {"segments": counts("segment"), "categories": counts("category")}


@router.get("/facets")
def facets(session: SessionDep, _: CallerDep) -> dict[str, Any]:
    """Every value of the filterable columns with its number of leads, over all leads (filter options)."""
    everything = leads_repo.LeadFilter()

    def values(column: str) -> dict[str, int]:
        counts = leads_repo.counts_by(session, everything, column)
        return {value: counts[value] for value in sorted(v for v in counts if v is not None)}

    tags = session.execute(select(Tag.tag, func.count()).group_by(Tag.tag).order_by(Tag.tag)).all()
    plain = {tag: n for tag, n in tags if not tag.startswith((PLAY_TAG, SAAS_TAG))}
    plays = {tag[len(PLAY_TAG):]: n for tag, n in tags if tag.startswith(PLAY_TAG)}
    rules = default_whitespace_rules()
    return {"segments": values("segment"), "categories": values("category"), "providers": values("provider"),
            "gateways": values("gateway"), "tags": plain,
            "plays": {key: plays[key] for key in rules.plays if key in plays},
            "play_labels": {key: {"en": rule.label_en.format_map(_PLAY_PLACEHOLDER),
                                  "tr": rule.label_tr.format_map(_PLAY_PLACEHOLDER)}
                            for key, rule in rules.plays.items()},
            "saas": {tag[len(SAAS_TAG):]: n for tag, n in tags if tag.startswith(SAAS_TAG)},
            "web_hosts": values("web_host"), "dns_hosts": values("dns_host"),
            "mail_countries": values("mail_country"), "web_countries": values("web_country")}


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "The file, streamed (CSV: UTF-8 with BOM)",
    "content": {"text/csv": {"schema": {"type": "string"}}, XLSX_TYPE: {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}})
def export(session: SessionDep, _: CallerDep, params: FilterDep,
           format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> StreamingResponse:
    """The filtered list as CSV (UTF-8 with BOM) or XLSX, streamed; formula-like cells defanged."""
    flt = params.to_filter()

    def rows() -> Iterator[list[object]]:
        batch: list[Company] = []
        for company in leads_repo.iter_leads(session, flt, sort=params.sort, descending=params.order == "desc"):
            batch.append(company)
            if len(batch) >= _EXPORT_BATCH:
                yield from _export_batch(session, batch)
                batch = []
        yield from _export_batch(session, batch)

    header = [c for c, _ in EXPORT_COLUMNS] + REGISTRATION_EXPORT_COLUMNS
    if format == "xlsx":
        return StreamingResponse(xlsx_chunks(header, rows()), media_type=XLSX_TYPE,
                                 headers={"Content-Disposition": 'attachment; filename="hunter-leads.xlsx"'})
    return StreamingResponse(csv_chunks(header, rows()), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="hunter-leads.csv"'})


def _export_batch(session: Session, companies: list[Company]) -> Iterator[list[object]]:
    """Export lines for a batch of companies with their tags (plays, SaaS) and registration records (one query
    each per batch)."""
    if not companies:
        return
    ids = [c.id for c in companies]
    tags, records = companies_repo.tags_of(session, ids), registration_repo.for_companies(session, ids)
    for company in companies:
        yield export_row(company, tags[company.id], records.get(company.id))


@router.post("", status_code=202)
def add_lead(request: Request, session: SessionDep, caller: CallerDep, body: NewLead) -> dict[str, Any]:
    """Add one lead and queue its scan; 422 says why when the input is not a company domain."""
    norm = normalize_domain(body.domain)
    if not norm.ok:
        raise ApiError(422, "invalid_domain", norm.message or "not a company domain",
                       [{"field": "domain", "reason": norm.reason.value if norm.reason else "invalid"}])
    result = ingest_leads(session, [LeadInput(body.domain, body.name)], source="manual", requested_by=caller)
    session.commit()
    queued = dispatch_all(request, result.job_id, result.chunks)
    return {"domain": norm.domain, "domain_unicode": norm.unicode, "job_id": result.job_id, "queued": queued}


@router.post("/rescan", status_code=202)
def rescan(request: Request, session: SessionDep, caller: CallerDep, body: RescanRequest) -> dict[str, Any]:
    """Rescan known leads; unknown or invalid domains are listed, not fatal."""
    wanted = {}
    unknown: list[str] = []
    for text in body.domains:
        norm = normalize_domain(text)
        if norm.domain:
            wanted[norm.domain] = text
        else:
            unknown.append(text)
    companies = companies_repo.get_by_domains(session, wanted)
    unknown += [text for domain, text in wanted.items() if domain not in companies]
    job, chunks = scan_jobs.create_scan_job(session, [c.id for c in companies.values()], "rescan",
                                            requested_by=caller, commit_every=scan_jobs.JOB_BATCH)
    session.commit()
    queued = dispatch_all(request, job.id, chunks)
    return {"job_id": job.id, "total": job.total, "unknown": unknown, "queued": queued}


@router.get("/{domain}", responses=error_responses(404))
def lead_detail(session: SessionDep, _: CallerDep, domain: Text) -> dict[str, Any]:
    """One lead with its breakdown, evidence, latest report, scan history, changes and tags."""
    norm = normalize_domain(domain)
    company = session.scalar(select(Company).where(Company.domain == (norm.domain or domain.lower())))
    if company is None:
        raise ApiError(404, "lead_not_found", f"no lead for {domain}")
    scans = companies_repo.latest_scans(session, company.id)
    # Report, rule and evidence all come from the scan the verdict comes from, never from a newer rescan
    # that could not judge the domain (that one is named apart, with its time and why).
    picked = verdict_scans(scans)
    shown = picked.verdict or (scans[0] if scans else None)
    failed = picked.inconclusive
    return {
        **lead_json(company, companies_repo.tags_of(session, [company.id])[company.id],
                    referrals_repo.summary_for_companies(session, [company.id]).get(company.id),
                    d365_repo.summary_for_companies(session, [company.id]).get(company.id)),
        "breakdown": company.breakdown or [],
        "evidence": company.evidence or [],
        "report": shown.report if shown else None,
        "verdict_scanned_at": shown.scanned_at.isoformat() if shown else None,
        "inconclusive_scan": {"scanned_at": failed.scanned_at.isoformat(), "status": failed.status,
                              "reason": inconclusive_reason(failed.report)} if failed else None,
        # The footprint of the current verdict (the last conclusive scan): {footprint, network, whitespace}.
        "footprint": company.footprint,
        "infrastructure": company_infrastructure(company),
        "segment_rule": segment_rule_json(shown.report.get("segment_rule")) if shown else None,
        "history": [{"scanned_at": s.scanned_at.isoformat(), "status": s.status, "provider": s.report.get("provider"),
                     "score": s.report.get("score"), "segment": s.report.get("segment")} for s in scans],
        "changes": [{"changed_at": c.changed_at.isoformat(), "kind": c.kind, "old": c.old, "new": c.new,
                     "detail": c.detail, "alert": c.alert} for c in companies_repo.changes_of(session, company.id)],
        "registration": registration_detail(registration_repo.for_companies(session, [company.id]).get(company.id),
                                            company.domain, datetime.now(UTC)),
    }


@router.post("/{domain}/rescan", status_code=202, responses=error_responses(404))
def rescan_one(request: Request, session: SessionDep, caller: CallerDep, domain: Text) -> dict[str, Any]:
    """Rescan one lead."""
    norm = normalize_domain(domain)
    company = session.scalar(select(Company).where(Company.domain == (norm.domain or domain.lower())))
    if company is None:
        raise ApiError(404, "lead_not_found", f"no lead for {domain}")
    job, chunks = scan_jobs.create_scan_job(session, [company.id], "rescan", requested_by=caller)
    session.commit()
    return {"job_id": job.id, "queued": dispatch_all(request, job.id, chunks)}
