"""The team's marks on leads: manual tags (one lead, or in bulk on ids, domains or the list's filter) and the
watchlist star. Automatic tags are read-only here: they belong to the scans.

The caller (``local`` with keys off, ``key:<prefix>`` with an API key; a signed-in user later) is recorded as
who added a tag and who watches a lead.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.api.deps import MAX_DB_ID, CallerDep, SessionDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.lead_marks_json import marks_json
from leadhunter.api.routers.leads import LeadFilterParams
from leadhunter.db import team_repo
from leadhunter.db.models import Company, Tag
from leadhunter.domain.manual_tags import MAX_TAG_CHARS, MAX_TAGS_PER_REQUEST, TagNameError, clean_tag
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services import d365_status, lead_marks

router = APIRouter(tags=["lead marks"], responses=error_responses(401, 422, 429))
MAX_BULK = 100_000
"""Most ids or domains one bulk tag request may list (a filter has no limit)."""

TagName = Annotated[Text, Field(min_length=1, max_length=MAX_TAG_CHARS * 2)]  # cleaned (and re-measured) later
TagList = Annotated[list[TagName], Field(max_length=MAX_TAGS_PER_REQUEST)]


class LeadTagsBody(BaseModel):
    """Manual tags to add to and remove from one lead (either list may be empty, not both)."""

    add: TagList = Field(default_factory=list)
    remove: TagList = Field(default_factory=list)


class BulkTagsBody(LeadTagsBody):
    """Manual tags to add and remove on many leads — exactly one of ``ids`` (company ids), ``domains`` (as stored
    or typed) or ``filter`` (the lead list's filter, as for ``POST /api/d365/push``). ``dry_run`` only counts."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_DB_ID)]] | None = Field(None, max_length=MAX_BULK)
    domains: list[Annotated[Text, Field(min_length=1, max_length=2048)]] | None = Field(None, max_length=MAX_BULK)
    filter: LeadFilterParams | None = None
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> BulkTagsBody:
        if sum(getattr(self, name) is not None for name in ("ids", "domains", "filter")) != 1:
            raise ValueError("give exactly one of ids, domains or filter")
        return self


def company_for(session: Session, domain: str) -> Company:
    """The lead of ``domain`` (as stored or as typed), else 404 ``lead_not_found``."""
    norm = normalize_domain(domain)
    company = session.scalar(select(Company).where(Company.domain == (norm.domain or domain.lower())))
    if company is None:
        raise ApiError(404, "lead_not_found", f"no lead for {domain}")
    return company


def _tag_error(exc: TagNameError) -> ApiError:
    return ApiError(422, "invalid_tag", str(exc), [{"field": "tags", "reason": str(exc)}])


def _lead_marks(session: Session, caller: str, company: Company) -> dict[str, Any]:
    return {"domain": company.domain, **marks_json(session, caller, [company.id])[company.id]}


@router.post("/api/leads/{domain}/tags", responses=error_responses(404))
def change_lead_tags(session: SessionDep, caller: CallerDep, domain: Text, body: LeadTagsBody) -> dict[str, Any]:
    """Add and remove manual tags on one lead; answers its tags afterwards (``manual_tags``, ``auto_tags``)."""
    company = company_for(session, domain)
    try:
        change = lead_marks.change_tags(session, team_repo.id_scopes([company.id]), add=body.add,
                                        remove=body.remove, actor=caller)
    except TagNameError as exc:
        raise _tag_error(exc) from None
    session.commit()
    return {**_lead_marks(session, caller, company), "added": change.added, "removed": change.removed}


@router.delete("/api/leads/{domain}/tags/{tag}", responses=error_responses(404, 409))
def remove_lead_tag(session: SessionDep, caller: CallerDep, domain: Text,
                    tag: Annotated[Text, Path(min_length=1, max_length=MAX_TAG_CHARS * 2)]) -> dict[str, Any]:
    """Take one manual tag off a lead: 404 ``tag_not_found`` when it has no such tag, 409 ``auto_tag_read_only``
    when the tag is automatic (a scan set it and the next scan decides)."""
    company = company_for(session, domain)
    try:
        name = clean_tag(tag)
    except TagNameError as exc:
        raise _tag_error(exc) from None
    autos = session.scalars(select(Tag.auto).where(Tag.company_id == company.id, Tag.tag == name)).all()
    if False not in autos:
        if autos:
            raise ApiError(409, "auto_tag_read_only", f"{name!r} is an automatic tag: scans set and clear it")
        raise ApiError(404, "tag_not_found", f"{company.domain} has no tag {name!r}")
    team_repo.remove_manual_tags(session, team_repo.id_scopes([company.id])[0], [name])
    session.commit()
    return _lead_marks(session, caller, company)


@router.post("/api/tags/bulk")
def change_tags_in_bulk(session: SessionDep, caller: CallerDep, body: BulkTagsBody) -> dict[str, Any]:
    """Add and remove manual tags on a selection (ids or domains) or on every lead of a filter. Answers ``leads``
    (how many matched), ``added`` and ``removed`` (tag rows), ``unknown`` (ids or domains matching no lead)."""
    unknown: list[Any] = []
    if body.ids is not None:
        ids, unknown = d365_status.leads_by_ids(session, body.ids)
        scopes = lead_marks.scopes_for(session, ids=ids)
    elif body.domains is not None:
        ids, missing = d365_status.leads_by_domains(session, body.domains)
        unknown = list(missing)
        scopes = lead_marks.scopes_for(session, ids=ids)
    else:
        assert body.filter is not None
        scopes = lead_marks.scopes_for(session, flt=body.filter.to_filter(caller))
    try:
        change = lead_marks.change_tags(session, scopes, add=body.add, remove=body.remove, actor=caller,
                                        dry_run=body.dry_run)
    except TagNameError as exc:
        raise _tag_error(exc) from None
    session.commit()
    return {"leads": change.leads, "added": change.added, "removed": change.removed, "unknown": unknown,
            "dry_run": body.dry_run}


@router.put("/api/leads/{domain}/watch", responses=error_responses(404))
def watch_lead(session: SessionDep, caller: CallerDep, domain: Text) -> dict[str, Any]:
    """Star a lead for the caller (idempotent): its changes always reach the caller's alerts."""
    return _set_watch(session, caller, domain, True)


@router.delete("/api/leads/{domain}/watch", responses=error_responses(404))
def unwatch_lead(session: SessionDep, caller: CallerDep, domain: Text) -> dict[str, Any]:
    """Take the caller's star off a lead (idempotent)."""
    return _set_watch(session, caller, domain, False)


def _set_watch(session: Session, caller: str, domain: str, on: bool) -> dict[str, Any]:
    company = company_for(session, domain)
    changed = lead_marks.set_watch(session, company.id, caller, on)
    session.commit()
    return {"domain": company.domain, "watched": on, "changed": changed,
            "watchers": len(lead_marks.watchers_for_company(session, company.id))}
