"""Planning conditional lead writes and describing their outcomes. Pure: no I/O.

A push is a *create-only* or an *update-only* PATCH (d365-lead-mapping.md "Identity and upsert"):

- create: `If-None-Match: *` and the full payload. If the lead already exists the server answers 412
  and nothing changes, so the push switches to update. A create can therefore never make a second lead:
  with an alternate key the unique index refuses it; without one the lead id is derived from the domain
  (`deterministic_lead_id`), so two workers creating the same domain hit the same row.
- update: `If-Match: *` and Hunter's own columns only (salesperson-owned columns stay untouched). If the
  lead is gone (deleted in D365) the server answers 404 and the push switches to create.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from leadhunter.integrations.common.send_gate import Attempt

from .errors import Category
from .mapping import LeadPayload
from .payloads import PREFER_REPRESENTATION, JsonDict, key_path, lead_path

__all__ = ["Mode", "PushOutcome", "WriteOp", "deterministic_lead_id", "plan_write"]

Mode = Literal["create", "update"]
# Namespace of Hunter's lead ids: uuid5(namespace, "<domain>") is the same in every process and run.
HUNTER_LEAD_NAMESPACE = uuid.UUID("3b1e7a52-7d4f-5c0e-9a61-4f2d8c0b6e19")
SELECT_ID = "?$select=leadid"  # with return=representation the answer carries just the id


def deterministic_lead_id(domain: str) -> str:
    """The lead id Hunter gives `domain` when it creates the lead in an org without an alternate key."""
    return str(uuid.uuid5(HUNTER_LEAD_NAMESPACE, domain.lower()))


@dataclass(frozen=True)
class WriteOp:
    """One conditional PATCH: `path` is relative to the API root (query included), `mode` what it does."""

    domain: str
    mode: Mode
    path: str
    body: JsonDict
    headers: dict[str, str]


def plan_write(payload: LeadPayload, mode: Mode, *, key_column: str | None, lead_id: str | None) -> WriteOp:
    """The PATCH for `payload`: by alternate key `key_column` when given, else by `lead_id` (required then).

    The alternate-key column is left out of the body: the URL carries it (spec §7).
    """
    if key_column is not None:
        path, without = key_path(key_column, payload.domain), [key_column]
    elif lead_id is not None:
        path, without = lead_path(lead_id), []
    else:
        raise ValueError("plan_write needs an alternate-key column or a lead id")
    headers = {"Prefer": PREFER_REPRESENTATION, "Content-Type": "application/json; charset=utf-8"}
    if mode == "create":
        headers["If-None-Match"] = "*"
        body = payload.for_create(without=without)
    else:
        headers["If-Match"] = "*"
        body = payload.for_update(without=without)
    return WriteOp(payload.domain, mode, path + SELECT_ID, body, headers)


@dataclass(frozen=True)
class PushOutcome:
    """What happened to one lead. `ok` with `lead_id` and `created` (True: created, False: updated) on
    success; otherwise `category` says why. `status`, `request_id` (Dataverse `x-ms-service-request-id` or
    `REQ_ID`, else our `client-request-id`) belong to the deciding answer; `duration_ms` sums every HTTP
    exchange made for the lead, listed in `attempts` (for `$batch`, the exchanges it took part in, with the
    lead's own part status). `message` is scrubbed of personal data. `retry_after` (seconds) is set on
    throttled outcomes when the org named a wait: schedule the next try no earlier than that."""

    domain: str
    ok: bool
    lead_id: str | None = None
    created: bool | None = None
    status: int | None = None
    request_id: str | None = None
    duration_ms: float = 0.0
    category: Category | None = None
    error_code: str | None = None
    message: str | None = None
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)
    retry_after: float | None = None  # seconds D365 asked us to wait (THROTTLED outcomes), when it said
