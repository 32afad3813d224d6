"""Push one lead: the upsert rules of d365-lead-mapping.md, one conditional PATCH at a time.

With an alternate key on the domain column the lead is addressed as `/leads(hnt_domain='x')`; without
one, by the stored lead id, else the lead found by `hnt_domain`, then by `emailaddress1`, else the
deterministic id of a new lead (see `writes.py`). A 412 on create switches to update, a 404 on update
switches to create (the lead was deleted in D365); at most `MAX_SWITCHES` switches, then the push fails
as a conflict. Failures are returned as outcomes, never raised.
"""

from __future__ import annotations

from dataclasses import replace

from leadhunter.integrations.common.errors import IntegrationError, ThrottledError
from leadhunter.integrations.common.http_policy import parse_retry_after
from leadhunter.integrations.common.redaction import scrub
from leadhunter.integrations.common.send_gate import Attempt

from .connection import CallResult, Connection
from .errors import Category, LeadMappingError, category_of_error, category_of_status
from .mapping import LeadPayload, LeadSnapshot, map_lead
from .payloads import entity_id_from_header, parse_error
from .writes import Mode, PushOutcome, deterministic_lead_id, plan_write

__all__ = ["MAX_SWITCHES", "failure_outcome", "map_or_fail", "success_outcome", "upsert_lead"]

MAX_SWITCHES = 4  # create ⇄ update flips for one push; more means someone keeps deleting/creating the lead


def _total_ms(attempts: tuple[Attempt, ...]) -> float:
    return round(sum(a.duration_ms for a in attempts), 3)


def failure_outcome(domain: str, result: CallResult, trail: tuple[Attempt, ...]) -> PushOutcome:
    """The outcome of a push that ended with `result` (an error answer or a raised error)."""
    retry_after = None
    if result.error is not None:
        category, code, message = category_of_error(result.error), result.error.code, str(result.error)
        if isinstance(result.error, ThrottledError):
            retry_after = result.error.retry_after
    else:
        error = parse_error(result.response.content if result.response is not None else b"")
        category, code, message = category_of_status(result.status), error.code or None, error.message
        if result.response is not None and result.status == 429:
            retry_after = parse_retry_after(result.response.headers.get("Retry-After"))
    return PushOutcome(domain, False, status=result.status, request_id=result.request_id, duration_ms=_total_ms(trail),
                       category=category, error_code=code, message=scrub(message) if message else None,
                       attempts=trail, retry_after=retry_after)  # fmt: skip


def error_outcome(domain: str, error: IntegrationError, trail: tuple[Attempt, ...]) -> PushOutcome:
    """The outcome of a push stopped by `error` before or between writes (lookup or metadata failed)."""
    return failure_outcome(domain, CallResult(None, error, ()), trail)


def success_outcome(domain: str, mode: Mode, result: CallResult, trail: tuple[Attempt, ...]) -> PushOutcome:
    """The outcome of a successful conditional write: the lead id from the body or `OData-EntityId`."""
    lead_id = None
    if result.response is not None:
        body = result.json() if result.response.content else {}
        lead_id = str(body["leadid"]).lower() if isinstance(body, dict) and body.get("leadid") else None
        lead_id = lead_id or entity_id_from_header(result.response.headers.get("OData-EntityId"))
    return PushOutcome(domain, True, lead_id=lead_id, created=mode == "create", status=result.status,
                       request_id=result.request_id, duration_ms=_total_ms(trail), attempts=trail)  # fmt: skip


def map_or_fail(conn: Connection, lead: LeadSnapshot) -> LeadPayload | PushOutcome:
    """The lead's payload, or a `validation` outcome (no HTTP sent) when the snapshot cannot be mapped."""
    try:
        return map_lead(lead, conn.config.mapping, synced_at=conn.now())
    except LeadMappingError as exc:
        return PushOutcome(lead.domain, False, category=Category.VALIDATION, error_code=exc.code,
                           message="; ".join(exc.reasons))  # fmt: skip


def _find_existing(
    conn: Connection, payload: LeadPayload, email: str | None, exclude: str | None, trail: list[Attempt]
) -> str | None:
    """Fallback lookup: the lead with this domain, else an unclaimed lead with this e-mail (may raise)."""
    domain_column = conn.config.mapping.domain_column
    found = conn.find_lead_ids(domain_column, [payload.domain], trail=trail).get(payload.domain)
    if found is None and email and "emailaddress1" in payload.on_create:
        found = conn.find_lead_ids("emailaddress1", [email], only_unclaimed=True, trail=trail).get(email.lower())
    return None if found == exclude else found


def upsert_lead(conn: Connection, lead: LeadSnapshot, *, known_lead_id: str | None = None) -> PushOutcome:
    """Create or update `lead` in the org; see the module docstring. Never raises for D365 failures."""
    mapped = map_or_fail(conn, lead)
    if isinstance(mapped, PushOutcome):
        return mapped
    payload = mapped
    trail: list[Attempt] = []
    try:
        by_key = conn.uses_alternate_key(trail)
        key_column = conn.config.mapping.domain_column if by_key else None
        lead_id = known_lead_id.lower() if known_lead_id else None
        if not by_key and lead_id is None:
            lead_id = _find_existing(conn, payload, lead.contact_email, None, trail)
    except IntegrationError as exc:
        return error_outcome(lead.domain, exc, tuple(trail))
    mode: Mode = "update" if lead_id else "create"  # a known lead most likely still exists
    if not by_key and lead_id is None:
        lead_id = deterministic_lead_id(lead.domain)
    for _ in range(MAX_SWITCHES + 1):
        op = plan_write(payload, mode, key_column=key_column, lead_id=lead_id)
        result = conn.call("PATCH", op.path, headers=op.headers, json=op.body)
        trail.extend(result.attempts)
        if result.ok:
            return success_outcome(lead.domain, mode, result, tuple(trail))
        if mode == "create" and result.status == 412:
            mode = "update"  # it exists (a redelivery, a race, or our deterministic id): update it instead
        elif mode == "update" and result.status == 404:
            mode = "create"  # deleted in D365 (or a stale stored id): create again
            if not by_key:
                try:
                    lead_id = _find_existing(conn, payload, lead.contact_email, lead_id, trail)
                except IntegrationError as exc:
                    return error_outcome(lead.domain, exc, tuple(trail))
                mode = "update" if lead_id else "create"
                lead_id = lead_id or deterministic_lead_id(lead.domain)
        else:
            return failure_outcome(lead.domain, result, tuple(trail))
    message = f"gave up after {MAX_SWITCHES} create/update switches (the lead keeps appearing and disappearing)"
    return replace(failure_outcome(lead.domain, result, tuple(trail)), category=Category.CONFLICT, message=message)
