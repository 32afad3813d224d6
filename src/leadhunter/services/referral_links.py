"""Use cases on stored referrals: link one to a lead by hand, create a lead from one, and the sync status.

Linking by hand is for referrals the sync could not place (no usable domain) or placed wrongly; a later
sync keeps a hand-made link. Either way the lead is queued for a scan when its score cannot yet count
the referral (never scanned, stale, or scanned before the link), unless a scan of it is already waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db import companies_repo, referrals_repo
from leadhunter.db import referral_runs_repo as runs
from leadhunter.db.models import Company, utcnow
from leadhunter.db.referral_models import RUN_OK, PartnerCenterReferral, PartnerCenterSyncRun
from leadhunter.domain.normalize import normalize_domain
from leadhunter.services import scan_jobs

OUTCOME_LABELS = {"queued": "queued", "running": "running", "ok": "OK", "failed": "FAIL",
                  "sign_in_required": "sign-in required"}
"""Run status → the label the UI shows ("Last sync: 3 min ago (OK)")."""

ENABLE_HINT = ("Partner Center sync is off. To turn it on set HUNTER_PARTNER_CENTER_ENABLED=true and "
               "HUNTER_PARTNER_CENTER_CLIENT_ID (an Entra public-client app with the Partner Center delegated "
               "permission), restart Hunter, then sign in once with `hunter partner-center login`.")


class ReferralNotFoundError(LookupError):
    """No stored referral with that Partner Center id."""


class LeadNotFoundError(LookupError):
    """No lead (company) for that domain."""


class ReferralDomainError(ValueError):
    """The domain given (or the referral's own) is not a usable company domain."""


@dataclass
class LinkResult:
    """The referral after the change, its company, whether the company was created, and the scan job
    queued for it (None when its score is current or a scan already waits) with the chunks to dispatch."""

    referral: PartnerCenterReferral
    company: Company
    created: bool = False
    job_id: int | None = None
    chunks: list[int] = field(default_factory=list)


def get_referral(session: Session, referral_id: str) -> PartnerCenterReferral:
    """The stored referral; raises :class:`ReferralNotFoundError`."""
    referral = referrals_repo.get(session, referral_id)
    if referral is None:
        raise ReferralNotFoundError(f"no referral {referral_id}")
    return referral


def link_to_lead(session: Session, referral_id: str, domain: str, *, by: str,
                 fresh_scan: timedelta = timedelta(days=14)) -> LinkResult:
    """Link the referral to the existing lead for ``domain`` (as typed: domain, URL or e-mail). Raises
    :class:`ReferralNotFoundError`, :class:`ReferralDomainError` or :class:`LeadNotFoundError`."""
    referral = get_referral(session, referral_id)
    ascii_domain, _ = _normalize(domain)
    company = session.scalar(select(Company).where(Company.domain == ascii_domain))
    if company is None:
        raise LeadNotFoundError(f"no lead for {ascii_domain}: create it from the referral instead")
    previous = referral.company_id
    referrals_repo.link(referral, company, utcnow(), by=by, reason=f"linked by hand to {ascii_domain}")
    return _with_scan(session, LinkResult(referral, company), fresh_scan, previous=previous)


def create_lead(session: Session, referral_id: str, *, domain: str | None = None, name: str | None = None,
                by: str, fresh_scan: timedelta = timedelta(days=14)) -> LinkResult:
    """Create (or reuse) the lead for ``domain`` — default: the referral's own domain — named ``name`` or
    the referral's customer name, link the referral to it and queue its scan."""
    referral = get_referral(session, referral_id)
    text = domain or referral.domain
    if not text:
        raise ReferralDomainError(f"referral {referral_id} has no usable domain ({referral.domain_reason or 'none'}); "
                                  "give one")
    ascii_domain, shown = _normalize(text)
    known = companies_repo.get_by_domains(session, [ascii_domain])
    company = companies_repo.upsert_companies(session, [(ascii_domain, shown, name or referral.customer_name)])[
        ascii_domain]
    previous = referral.company_id
    referrals_repo.link(referral, company, utcnow(), by=by, reason=f"lead created by hand for {ascii_domain}")
    return _with_scan(session, LinkResult(referral, company, created=ascii_domain not in known), fresh_scan,
                      previous=previous)


def _normalize(text: str) -> tuple[str, str]:
    norm = normalize_domain(text)
    if not norm.ok or norm.domain is None:
        raise ReferralDomainError(f"{text!r} is not a company domain: {norm.message or 'invalid'}")
    return norm.domain, norm.unicode or norm.domain


def _with_scan(session: Session, result: LinkResult, fresh_scan: timedelta, *,
               previous: int | None = None) -> LinkResult:
    """Queue the linked company's scan when due, after its tenant follows the link: the referral's tenant id
    becomes the lead's when no scan found one, and the company the referral left (``previous``) drops it."""
    session.flush()
    referrals_repo.adopt_referral_tenants(session, [result.company.id, *([previous] if previous else [])])
    due = referrals_repo.needing_scan(session, [result.company.id], fresh_after=utcnow() - fresh_scan)
    if due:
        job, chunks = scan_jobs.create_scan_job(session, due, "referral", requested_by="referral-link")
        result.job_id, result.chunks = job.id, chunks
    return result


def run_json(run: PartnerCenterSyncRun) -> dict[str, Any]:
    """One sync run as JSON (times ISO 8601 UTC)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": run.id, "trigger": run.trigger, "requested_by": run.requested_by, "status": run.status,
        "outcome": OUTCOME_LABELS.get(run.status, run.status), "created_at": iso(run.created_at),
        "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
        "heartbeat_at": iso(run.heartbeat_at),
        "counts": {"batches": run.batches, "seen": run.seen_count, "new": run.new_count,
                   "updated": run.updated_count, "skipped": run.skipped_count, "unlinked": run.unlinked_count},
        "scans_queued": run.scans_queued, "scan_job_id": run.scan_job_id, "error_code": run.error_code,
        "last_error": run.last_error, "watermark_from": iso(run.watermark_from), "watermark": iso(run.watermark),
    }


def sync_status(session: Session, *, enabled: bool) -> dict[str, Any]:
    """The sync state for the header badge: ``outcome`` is ``disabled`` when the feature is off, else the
    active run's (queued / running) or the last finished run's (OK / FAIL / sign-in required), or None
    before the first sync; with the runs, counts, last error and last sync time."""
    active, last = runs.active(session), runs.last_finished(session)
    ok = last if last is not None and last.status == RUN_OK else runs.last_ok(session)
    shown = active or last
    outcome: str | None
    message: str | None
    if not enabled:
        outcome, message = "disabled", ENABLE_HINT
    elif shown is None:
        outcome, message = None, "never synced"
    else:
        outcome = OUTCOME_LABELS.get(shown.status, shown.status)
        message = shown.last_error if shown is last and last.last_error else outcome
    return {
        "enabled": enabled,
        "outcome": outcome,
        "status": "disabled" if not enabled else (shown.status if shown else None),
        "message": message,
        "running": active is not None,
        "active_run": run_json(active) if active else None,
        "last_run": run_json(last) if last else None,
        "last_sync_at": last.finished_at.isoformat() if last and last.finished_at else None,
        "last_success_at": ok.finished_at.isoformat() if ok and ok.finished_at else None,
        "counts": run_json(last)["counts"] if last else None,
        "last_error": last.last_error if last else None,
    }
