"""Alert targets: where alerts are delivered (Teams, Slack, a signed webhook, e-mail), their outbox of
deliveries, and the "send test" button.

Admins only (``api/route_roles.py``): targets hold secrets and make Hunter connect out. Secrets
(webhook URLs, signing secrets, SMTP passwords) go in as ``{"value": "..."}`` or ``{"env": "HUNTER_ALERT_..."}``
and never come back: a target shows only where each secret comes from (a URL's scheme and host at most).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, model_validator

from leadhunter.api.deps import CallerDep, DbId, SessionDep, SettingsDep, Text
from leadhunter.api.errors import ApiError, error_responses
from leadhunter.api.routers.leads import LeadFilterParams
from leadhunter.db import alerts_repo
from leadhunter.db.alert_models import DELIVERY_STATES, AlertTarget
from leadhunter.db.lead_filter_json import filter_to_json
from leadhunter.db.models import utcnow
from leadhunter.domain.whitespace_rules import CHANGE_KINDS
from leadhunter.integrations.alerts.errors import AlertSendError
from leadhunter.integrations.alerts.messages import KIND_LABELS
from leadhunter.jobs.alert_runtime import secret_box, send_options
from leadhunter.services import alert_delivery, alert_targets
from leadhunter.services.alert_secrets import SecretError
from leadhunter.services.alert_targets import TargetError, TargetInput

router = APIRouter(prefix="/api/alert-targets", tags=["alert-targets"], responses=error_responses(401, 403, 422, 429))
KNOWN_KINDS = (*(k for k in KIND_LABELS if k != "test"), *CHANGE_KINDS)
"""Change kinds offered in the UI (a target may name others: registration kinds such as registrar_changed)."""


class SecretIn(BaseModel):
    """A secret: its ``value`` (stored encrypted) or ``env``, the name of a ``HUNTER_ALERT_*`` variable."""

    value: str | None = Field(None, min_length=1, max_length=4000)
    env: str | None = Field(None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _one(self) -> SecretIn:
        if (self.value is None) == (self.env is None):
            raise ValueError("give exactly one of value or env")
        return self


class TargetBody(BaseModel):
    """An alert target. ``kinds``: change kinds to deliver (empty: every change flagged as an alert);
    ``filter``: the lead list's filter (only leads matching it alert); ``mode``: ``immediate``, or ``digest``
    once a day at ``digest_hour`` (0-23) local time in ``timezone`` (IANA). ``config`` (e-mail): ``smtp_host``,
    ``smtp_port`` (587), ``sender``, ``recipients``, ``username``. ``secrets``: ``url`` (Teams, Slack, webhook),
    ``signing_secret`` (webhook), ``password`` (e-mail); on an update, secrets left out are kept."""

    name: Text = Field(..., min_length=1, max_length=100)
    kind: Literal["teams", "slack", "webhook", "email"]
    enabled: bool = True
    language: Literal["en", "tr"] = "en"
    kinds: list[Annotated[Text, Field(min_length=1, max_length=32)]] = Field(default_factory=list, max_length=64)
    filter: LeadFilterParams | None = None
    mode: Literal["immediate", "digest"] = "immediate"
    digest_hour: int = Field(8, ge=0, le=23)
    timezone: Text = Field("UTC", min_length=1, max_length=64)
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[Literal["url", "signing_secret", "password"], SecretIn] = Field(default_factory=dict)

    def to_input(self) -> TargetInput:
        params = self.filter or LeadFilterParams()
        flt = params.to_filter()  # validates (422) as the list does
        shown = params.model_dump(mode="json", exclude_defaults=True, exclude={"sort", "order"})
        return TargetInput(name=self.name, kind=self.kind, enabled=self.enabled, language=self.language,
                           kinds=list(dict.fromkeys(self.kinds)), lead_filter=filter_to_json(flt),
                           filter_params=shown, mode=self.mode, digest_hour=self.digest_hour,
                           timezone=self.timezone, config=self.config,
                           secrets={name: s.model_dump(exclude_none=True) for name, s in self.secrets.items()})


def _invalid(exc: TargetError) -> ApiError:
    return ApiError(422, "validation_error", f"{exc.field}: {exc}", [{"field": exc.field, "reason": str(exc)}])


def _target(session: SessionDep, target_id: int) -> AlertTarget:
    target = session.get(AlertTarget, target_id)
    if target is None:
        raise ApiError(404, "alert_target_not_found", f"no alert target {target_id}")
    return target


@router.get("")
def list_targets(session: SessionDep, settings: SettingsDep, _: CallerDep) -> dict[str, Any]:
    """Every target with its delivery counts per state, and the change kinds a target can choose from."""
    return {"items": alert_targets.list_targets(session, secret_box(settings)), "change_kinds": list(KNOWN_KINDS)}


@router.get("/deliveries")
def list_deliveries(session: SessionDep, _: CallerDep, target_id: Annotated[int | None, Query(ge=1)] = None,
                    state: Literal["pending", "sending", "sent", "failed"] | None = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The outbox, newest first: each delivery's state, attempts, next try (``due_at``) and last error."""
    rows = alerts_repo.deliveries(session, target_id=target_id, state=state, limit=limit)
    return {"items": [{"id": d.id, "target_id": d.target_id, "change_id": d.change_id, "domain": domain,
                       "kind": change.kind, "detail": change.detail, "state": d.state, "attempts": d.attempts,
                       "due_at": d.due_at.isoformat(), "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                       "last_error": d.last_error} for d, change, domain in rows], "states": list(DELIVERY_STATES)}


@router.post("/deliveries/{delivery_id}/retry", responses=error_responses(404, 409))
def retry_delivery(session: SessionDep, _: CallerDep, delivery_id: DbId) -> dict[str, Any]:
    """Send a ``failed`` delivery again at the next sweep, its attempts reset."""
    if not alerts_repo.retry_now(session, delivery_id, utcnow()):
        raise ApiError(409, "delivery_not_failed", f"delivery {delivery_id} does not exist or has not failed")
    session.commit()
    return {"id": delivery_id, "state": "pending"}


@router.post("", status_code=201)
def create_target(session: SessionDep, settings: SettingsDep, _: CallerDep, body: TargetBody) -> dict[str, Any]:
    """Create a target; its secrets are stored encrypted (or as environment references)."""
    box = secret_box(settings)
    try:
        target = alert_targets.save_target(session, body.to_input(), box, send_options(settings))
    except TargetError as exc:
        raise _invalid(exc) from None
    session.commit()
    return alert_targets.target_json(target, box)


@router.get("/{target_id}", responses=error_responses(404))
def get_target(session: SessionDep, settings: SettingsDep, _: CallerDep, target_id: DbId) -> dict[str, Any]:
    """One target (secrets described, never shown)."""
    target = _target(session, target_id)
    counts = alerts_repo.counts_by_state(session, [target.id])
    return alert_targets.target_json(target, secret_box(settings), counts.get(target.id))


@router.put("/{target_id}", responses=error_responses(404))
def update_target(session: SessionDep, settings: SettingsDep, _: CallerDep, target_id: DbId,
                  body: TargetBody) -> dict[str, Any]:
    """Replace a target's settings; secrets left out are kept."""
    box = secret_box(settings)
    try:
        target = alert_targets.save_target(session, body.to_input(), box, send_options(settings),
                                           _target(session, target_id))
    except TargetError as exc:
        raise _invalid(exc) from None
    session.commit()
    return alert_targets.target_json(target, box)


@router.delete("/{target_id}", status_code=204, responses=error_responses(404))
def delete_target(session: SessionDep, _: CallerDep, target_id: DbId) -> Response:
    """Delete a target with its outbox rows."""
    target = _target(session, target_id)
    session.delete(target)
    session.commit()
    return Response(status_code=204)


@router.post("/{target_id}/test", responses=error_responses(404, 502))
def send_test(session: SessionDep, settings: SettingsDep, _: CallerDep, target_id: DbId) -> dict[str, Any]:
    """Send a test message now (not through the outbox); 502 ``alert_test_failed`` says why it did not arrive."""
    target = _target(session, target_id)
    try:
        alert_delivery.send_test(target, secret_box(settings), send_options(settings), public_url=settings.public_url)
    except (AlertSendError, SecretError) as exc:
        raise ApiError(502, "alert_test_failed", str(exc)) from None
    return {"id": target_id, "sent": True}
