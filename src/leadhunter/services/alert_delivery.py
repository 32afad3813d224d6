"""Delivering the alert outbox: claim what is due, send it, settle each send; and the "send test" message.

One sweep (:func:`deliver_due`, run by the ``hunter.deliver_alerts`` task every 30 s) claims due deliveries
under a lease in a short transaction, sends outside any transaction, and settles each message in its own
transaction right after it went out. So:

- a task retried or run twice at once sends nothing twice: a claimed row is not claimable until its lease
  runs out, and a sent one never again;
- a worker killed mid-send loses nothing: its rows stay ``sending`` until the lease (120 s) runs out, then
  the next sweep claims and sends them. The only repeat possible is a message that went out just before the
  kill and was not yet settled; the generic webhook carries each delivery's id so a receiver can drop it.

Immediate targets get one message per change, digest targets one message with all their changes due.
A failure that may pass (network, 5xx, 429) is retried after 30 s, doubling up to 1 h, with up to 20 %
jitter, :data:`~leadhunter.domain.alert_schedule.MAX_ATTEMPTS` attempts in all; other failures (4xx, a
refused address, a missing secret) make the delivery ``failed`` at once, with the reason in ``last_error``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import alerts_repo
from leadhunter.db.alert_models import DIGEST, AlertDelivery, AlertTarget
from leadhunter.db.models import Company, CompanyChange, utcnow
from leadhunter.db.write_lock import begin_write
from leadhunter.domain.alert_schedule import MAX_ATTEMPTS, retry_delay
from leadhunter.integrations.alerts import messages
from leadhunter.integrations.alerts.errors import AlertSendError
from leadhunter.integrations.alerts.messages import AlertItem
from leadhunter.integrations.alerts.senders import DELIVERY_HEADER, Mail, SendOptions, post_json, send_mail
from leadhunter.services.alert_secrets import SecretBox, SecretError

log = logging.getLogger(__name__)
LEASE_SECONDS = 120.0
"""How long a claim holds its deliveries (seconds): longer than a send may take (connect + read timeouts)."""
STUCK_ERROR = "given up: the worker stopped while sending this on every try"


@dataclass(frozen=True)
class TargetView:
    """What a send needs of a target, read inside the claim's transaction."""

    id: int
    name: str
    kind: str
    language: str
    mode: str
    config: dict[str, Any]
    secrets: dict[str, Any]

    @classmethod
    def of(cls, target: AlertTarget) -> TargetView:
        return cls(target.id, target.name, target.kind, target.language, target.mode, dict(target.config),
                   dict(target.secrets))


@dataclass
class SweepResult:
    """Messages and deliveries of one sweep: ``sent`` deliveries, ``retrying`` (back to pending) and ``failed``."""

    messages: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def lead_url(public_url: str, domain: str) -> str | None:
    """The lead's page in Hunter (``<public_url>/?lead=<domain>``), None without a public URL."""
    return f"{public_url.rstrip('/')}/?lead={quote(domain)}" if public_url else None


def _secret(target: TargetView, box: SecretBox, name: str) -> str:
    stored = target.secrets.get(name)
    if stored is None:
        raise SecretError(f"the target has no {name}; give it again")
    return box.reveal(stored)


def send(target: TargetView, items: list[AlertItem], box: SecretBox, options: SendOptions, *,
         test: bool = False, delivery_key: str = "test") -> None:
    """Send one message with ``items`` to ``target``; raises :class:`AlertSendError` or :class:`SecretError`."""
    if target.kind == "email":
        subject, text, html = messages.email_parts(items, target.language, target.name, test=test)
        config = target.config
        password = _secret(target, box, "password") if "password" in target.secrets else None
        send_mail(config["smtp_host"], int(config["smtp_port"]),
                  Mail(config["sender"], list(config["recipients"]), subject, text, html), options,
                  username=config.get("username"), password=password)
        return
    url = _secret(target, box, "url")
    if target.kind == "teams":
        post_json(url, messages.teams_payload(items, target.language, target.name, test=test), options)
    elif target.kind == "slack":
        post_json(url, messages.slack_payload(items, target.language, target.name, test=test), options)
    else:
        secret = _secret(target, box, "signing_secret")
        post_json(url, messages.webhook_payload(items, target.id, target.name, test=test), options,
                  headers={DELIVERY_HEADER: delivery_key}, signing_secret=secret, timestamp=int(time.time()))


def send_test(target: AlertTarget, box: SecretBox, options: SendOptions, *, public_url: str = "") -> None:
    """The "send test" button: one test message with a sample change, sent now (not through the outbox)."""
    now = utcnow().isoformat(timespec="seconds")
    sample = AlertItem(None, None, "example.com", "Example", "test", None, None,
                       "Sample change sent from Hunter's alert settings", now, None, None, None,
                       lead_url(public_url, "example.com"))
    send(TargetView.of(target), [sample], box, options, test=True)


def _items(session: Session, rows: list[AlertDelivery], public_url: str) -> dict[int, AlertItem]:
    changes = {c.id: c for c in session.scalars(select(CompanyChange).where(
        CompanyChange.id.in_({row.change_id for row in rows})))}
    companies = {c.id: c for c in session.scalars(select(Company).where(
        Company.id.in_({c.company_id for c in changes.values()})))}
    out: dict[int, AlertItem] = {}
    for row in rows:
        change = changes[row.change_id]
        company = companies[change.company_id]
        out[row.id] = AlertItem(row.id, change.id, company.domain_unicode, company.name, change.kind, change.old,
                                change.new, change.detail, change.changed_at.isoformat(timespec="seconds"),
                                company.score, company.segment, company.category,
                                lead_url(public_url, company.domain_unicode))
    return out


def _batches(session: Session, claim: alerts_repo.Claim,
             public_url: str) -> list[tuple[TargetView, list[AlertDelivery], list[AlertItem]]]:
    """The claimed deliveries grouped into messages: one per delivery, or one per digest target."""
    if not claim.deliveries:
        return []
    items = _items(session, claim.deliveries, public_url)
    targets = {t.id: TargetView.of(t) for t in session.scalars(select(AlertTarget).where(
        AlertTarget.id.in_({row.target_id for row in claim.deliveries})))}
    grouped: dict[int, list[AlertDelivery]] = {}
    out: list[tuple[TargetView, list[AlertDelivery], list[AlertItem]]] = []
    for row in claim.deliveries:
        target = targets[row.target_id]
        if target.mode == DIGEST:
            grouped.setdefault(target.id, []).append(row)
        else:
            out.append((target, [row], [items[row.id]]))
    for target_id, rows in grouped.items():
        out.append((targets[target_id], rows, [items[row.id] for row in rows]))
    return out


def deliver_due(factory: sessionmaker[Session], box: SecretBox, options: SendOptions, *, public_url: str = "",
                now: Callable[[], datetime] = utcnow, limit: int = 500, lease_seconds: float = LEASE_SECONDS,
                jitter: Callable[[], float] = random.random) -> SweepResult:
    """One sweep of the outbox (see the module docstring); returns what it did."""
    result = SweepResult()
    with factory() as session:
        begin_write(session)
        claim = alerts_repo.claim_due(session, now(), limit=limit, lease_seconds=lease_seconds)
        # A delivery claimed again and again without ever being settled kills its worker each time (or the
        # workers keep dying for another reason): give up on it rather than claim it forever.
        stuck = [row.id for row in claim.deliveries if row.attempts > MAX_ATTEMPTS]
        if stuck:
            result.failed += alerts_repo.mark_failed(session, claim.token, stuck, STUCK_ERROR, retry_at=None)
            claim = alerts_repo.Claim(claim.token, claim.lease_until,
                                      [row for row in claim.deliveries if row.id not in stuck])
        batches = _batches(session, claim, public_url)
        attempts = {row.id: row.attempts for row in claim.deliveries}
        session.commit()
    for target, rows, items in batches:
        ids = [row.id for row in rows]
        error: AlertSendError | SecretError | None = None
        try:
            send(target, items, box, options, delivery_key=f"{target.id}-{ids[0]}" + ("" if len(ids) == 1 else
                                                                                       f"-{ids[-1]}"))
        except (AlertSendError, SecretError) as exc:
            error = exc
        result.messages += 1
        with factory() as session:
            begin_write(session)
            if error is None:
                result.sent += alerts_repo.mark_sent(session, claim.token, ids, now())
            else:
                tries = max(attempts[i] for i in ids)
                retry = isinstance(error, AlertSendError) and error.retryable and tries < MAX_ATTEMPTS
                when = now() + timedelta(seconds=retry_delay(tries) * (1 + 0.2 * jitter())) if retry else None
                settled = alerts_repo.mark_failed(session, claim.token, ids, str(error), retry_at=when)
                if retry:
                    result.retrying += settled
                else:
                    result.failed += settled
                result.errors.append(f"target {target.id}: {error}")
                log.warning("alert delivery to target %s (%s) failed, %s: %s", target.id, target.kind,
                            "retrying" if retry else "giving up", error)
            session.commit()
    return result
