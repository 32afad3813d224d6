"""The sales brief of one lead: JSON (``/brief``) and the one-page PDF (``/summary.pdf``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from leadhunter.api.deps import CallerDep, SessionDep, SettingsDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.config import Settings
from leadhunter.services import brief_pdf
from leadhunter.services.lead_brief import (
    PARTNER_PLACEHOLDER,
    BriefSettings,
    LeadBrief,
    LeadNotFoundError,
    LeadNotScannedError,
    find_company,
    lead_brief,
)

router = APIRouter(prefix="/api/leads", tags=["brief"], responses=error_responses(401, 404, 409, 422, 429))
Lang = Annotated[Literal["en", "tr"], Query(description="Language of the brief: en or tr")]


def brief_settings(settings: Settings) -> BriefSettings:
    """The brief's settings (partner name, seller signature, offer currency)."""
    return BriefSettings(settings.brief_partner_name, settings.brief_seller_signature, settings.brief_currency)


def load_brief(session: Session, settings: Settings, domain: str, lang: str) -> LeadBrief:
    """The brief of the lead ``domain``; 404 when there is no such lead, 409 when it has no finished scan."""
    try:
        company = find_company(session, domain)
        return lead_brief(session, company, lang, brief_settings(settings), today=datetime.now(UTC).date())
    except LeadNotFoundError as exc:
        raise ApiError(404, "lead_not_found", str(exc)) from exc
    except LeadNotScannedError as exc:
        raise ApiError(409, "lead_not_scanned", str(exc)) from exc


@router.get("/{domain}/brief")
def get_brief(session: SessionDep, _: CallerDep, settings: SettingsDep, domain: Text,
              lang: Lang = "en") -> dict[str, Any]:
    """The sales brief: summary, why, angle, e-mail security, white space, size, call script, discovery
    questions, offer and next step; every sentence with the evidence it rests on."""
    made = load_brief(session, settings, domain, lang)
    return {**made.brief.as_json(), "size": made.size.as_json()}


@router.get("/{domain}/summary.pdf", response_class=Response, responses={200: {
    "description": "The one-page PDF", "content": {"application/pdf": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}}})
def summary_pdf(session: SessionDep, _: CallerDep, settings: SettingsDep, domain: Text, lang: Lang = "en",
                audience: Annotated[Literal["internal", "customer"], Query(
                    description="internal: verdict, brief, breakdown, footprint, evidence; customer: an e-mail "
                                "security scorecard in plain language, no scores or sales text")] = "internal",
                ) -> Response:
    """The lead on one A4 page, for the seller (``internal``) or as a leave-behind (``customer``)."""
    made = load_brief(session, settings, domain, lang)
    partner = settings.brief_partner_name or PARTNER_PLACEHOLDER
    body = brief_pdf.summary_pdf(made, audience, partner=partner, today=datetime.now(UTC).date())
    name = f"hunter-{made.company.domain}-{audience}-{lang}.pdf"
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
