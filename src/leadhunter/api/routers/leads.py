"""Leads: list (filter, sort, page), KPIs, detail, add one, rescan, export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from leadhunter.api.deps import CallerDep, PageDep, SessionDep, Text
from leadhunter.api.dispatch import dispatch_all
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.lead_marks_json import marks_json
from leadhunter.api.serialize import (
    lead_json,
    registration_detail,
    segment_rule_json,
)
from leadhunter.db import (
    companies_repo,
    d365_repo,
    lead_facets,
    lead_page,
    leads_repo,
    referrals_repo,
    registration_repo,
)
from leadhunter.db.models import Company
from leadhunter.domain.normalize import normalize_domain
from leadhunter.domain.whitespace_rules import PLAY_KEYS, default_whitespace_rules
from leadhunter.services import export_columns, lead_export, scan_jobs
from leadhunter.services.export_writer import csv_chunks, xlsx_chunks
from leadhunter.services.ingest import LeadInput, ingest_leads
from leadhunter.services.lead_footprint import company_infrastructure
from leadhunter.services.lead_verdict import inconclusive_reason, verdict_scans

Country = Annotated[str, Field(pattern="^[A-Za-z]{2}$")]
router = APIRouter(prefix="/api/leads", tags=["leads"], responses=error_responses(401, 422, 429))
UNSCANNED = "unscanned"
"""KPI key of leads without a segment or category yet (not scanned, or every scan failed)."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    watched: Literal["me", "any", "none"] | None = Field(
        None, description="Watchlist: me (starred by the caller), any (by someone), none (by no one)")
    scan_status: list[Literal["ok", "partial", "failed"]] = Field(
        default_factory=list, description="Status of the scan behind the current verdict")
    hosting: list[Text] = Field(default_factory=list, description="Hosting company the mail is at, e.g. Natro")
    size: list[Literal["small", "medium", "large"]] = Field(default_factory=list, description="Company size band")

    @field_validator("watched", mode="before")
    @classmethod
    def _one_watched(cls, value: object) -> object:
        """A JSON filter built from the list's query string may carry it as a one-element list."""
        return value[0] if isinstance(value, list) and len(value) == 1 else value

    def to_filter(self, caller: str | None = None) -> leads_repo.LeadFilter:
        """The repository filter; ``caller`` (the API caller) resolves ``watched=me`` and is required for it."""
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
            web_countries=tuple(c.upper() for c in self.web_country), sizes=tuple(self.size),
            **self._watch_fields(caller),
            scan_statuses=tuple(self.scan_status), hostings=tuple(self.hosting),
        )

    def _watch_fields(self, caller: str | None) -> dict[str, Any]:
        if self.watched == "me":
            if caller is None:  # a filter evaluated without a person (e.g. a stored alert target's)
                raise ApiError(422, "validation_error", "watched: 'me' needs a caller",
                               [{"field": "watched", "reason": "no caller"}])
            return {"watchers": (caller,)}
        return {"watched": {"any": True, "none": False}.get(self.watched or "")}


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
def list_leads(session: SessionDep, caller: CallerDep, params: FilterDep,
               page: PageDep = 1,
               page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """A filtered, sorted page of leads with the total count; ``total_is_estimate`` says the total is an
    estimate (PostgreSQL, over 10,000 matches that the materialised counts cannot answer exactly)."""
    found = lead_page.page_of_leads(session, params.to_filter(caller), sort=params.sort,
                                    descending=params.order == "desc", offset=(page - 1) * page_size,
                                    limit=page_size)
    rows = found.rows
    tags = companies_repo.tags_of(session, [r.id for r in rows])
    referrals = referrals_repo.summary_for_companies(session, [r.id for r in rows])
    d365 = d365_repo.summary_for_companies(session, [r.id for r in rows])  # the page's ids only
    marks = marks_json(session, caller, [r.id for r in rows])
    return {"items": [{**lead_json(r, tags[r.id], referrals.get(r.id), d365.get(r.id)), **marks[r.id]} for r in rows],
            "total": found.total, "total_is_estimate": found.total_is_estimate, "page": page, "page_size": page_size}


@router.get("/kpis")
def kpis(session: SessionDep, caller: CallerDep, params: FilterDep) -> dict[str, Any]:
    """Totals per segment and per category for the current filter; leads not scanned yet (no segment or
    category) are counted under ``unscanned``, so each map sums to the number of leads matching. ``estimate``
    says the figures come from a sample (PostgreSQL, over 50,000 matching leads)."""
    counts = lead_facets.facet_counts(session, params.to_filter(caller), ("segments", "categories"), cross=False)

    def keyed(key: str) -> dict[str, int]:
        return {UNSCANNED if value is None else value: n for value, n in counts.values[key].items()}

    return {"segments": keyed("segments"), "categories": keyed("categories"), "estimate": bool(counts.estimated)}


@router.get("/facets")
def facets(session: SessionDep, caller: CallerDep, params: FilterDep) -> dict[str, Any]:
    """Every value of the filterable columns (filter options) with its number of leads, cross-filtered: each
    facet counted under the current filter without that facet's own selection (no filter: over all leads).
    Every value any lead has is listed, with 0 where none matches; ``estimated`` names the facets whose counts
    come from a sample (PostgreSQL, over 50,000 matching leads)."""
    flt = params.to_filter(caller)
    counts = lead_facets.facet_counts(session, flt)
    known = counts if flt == leads_repo.LeadFilter() else lead_facets.facet_counts(session, leads_repo.LeadFilter())

    def values(key: str) -> dict[str, int]:
        found = counts.values.get(key, {})
        names = {v for v in (*found, *known.values.get(key, {})) if v is not None}
        return {name: found.get(name, 0) for name in sorted(names)}

    rules = default_whitespace_rules()
    plays = values("plays")
    return {**{key: values(key) for key in (*lead_facets.COLUMN_FACETS, "tags", "saas")},
            "plays": {key: plays[key] for key in rules.plays if key in plays},
            "play_labels": {key: {"en": rule.label_en.format_map(_PLAY_PLACEHOLDER),
                                  "tr": rule.label_tr.format_map(_PLAY_PLACEHOLDER)}
                            for key, rule in rules.plays.items()},
            "estimated": sorted(counts.estimated)}


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "The file, streamed (CSV: UTF-8 with BOM)",
    "content": {"text/csv": {"schema": {"type": "string"}}, XLSX_TYPE: {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}})
def export(session: SessionDep, caller: CallerDep, params: FilterDep,
           format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
           columns: Annotated[list[str] | None, Query(description=(
               "Columns to export, in this order (repeat or comma-separate; default: all). Known: "
               + ", ".join(c.key for c in export_columns.COLUMNS)))] = None,
           lang: Annotated[Literal["en", "tr"], Query(description="Header language: en (column keys) or tr")] = "en",
           ) -> StreamingResponse:
    """The filtered list as CSV (UTF-8 with BOM) or XLSX, streamed, one line per lead; formula-like cells
    defanged. An unknown name in ``columns`` is a 422 naming it."""
    flt = params.to_filter(caller)
    try:
        chosen = export_columns.choose_columns(columns)
    except export_columns.UnknownColumnsError as exc:
        raise ApiError(422, "validation_error", f"columns: {exc}",
                       [{"field": "columns", "reason": f"unknown column {name!r}"} for name in exc.names]) from exc
    header = export_columns.header(chosen, lang)
    rows = lead_export.export_lines(session, flt, chosen, sort=params.sort, descending=params.order == "desc",
                                    lang=lang)
    if format == "xlsx":
        return StreamingResponse(xlsx_chunks(header, rows), media_type=XLSX_TYPE,
                                 headers={"Content-Disposition": 'attachment; filename="hunter-leads.xlsx"'})
    return StreamingResponse(csv_chunks(header, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="hunter-leads.csv"'})


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
def lead_detail(session: SessionDep, caller: CallerDep, domain: Text) -> dict[str, Any]:
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
        **marks_json(session, caller, [company.id])[company.id],
        "breakdown": company.breakdown or [],
        "evidence": company.evidence or [],
        "report": shown.report if shown else None,
        "verdict_scanned_at": shown.scanned_at.isoformat() if shown else None,
        "inconclusive_scan": {"scanned_at": failed.scanned_at.isoformat(), "status": failed.status,
                              "reason": inconclusive_reason(failed.report)} if failed else None,
        # The footprint of the current verdict (the last conclusive scan): {footprint, network, whitespace}.
        "footprint": company.footprint,
        "infrastructure": company_infrastructure(company),
        "size_detail": company.size_detail,  # {band, confidence, source, reasons: [{en, tr, evidence}]}
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
