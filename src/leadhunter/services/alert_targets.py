"""Alert targets: create, change, delete and show them, with their secrets encrypted and never shown back.

Per kind (``teams``, ``slack``, ``webhook``, ``email``) a target needs:

- ``teams`` / ``slack``: secret ``url`` (the Workflows / incoming-webhook URL: whoever has it can post).
- ``webhook``: secret ``url`` and secret ``signing_secret`` (the HMAC-SHA256 key of the signature header).
- ``email``: config ``smtp_host``, ``smtp_port`` (587), ``sender``, ``recipients`` (1–50 addresses) and
  optionally ``username`` with secret ``password``.

A URL or SMTP host is checked by the SSRF guard when saved (a name that resolves to a private address is
refused; one that does not resolve yet is accepted) and again at every connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db import alerts_repo
from leadhunter.db.alert_models import DIGEST, IMMEDIATE, TARGET_KINDS, AlertTarget
from leadhunter.db.models import utcnow
from leadhunter.domain.alert_schedule import valid_timezone
from leadhunter.integrations.alerts.errors import AlertSendError, UnsafeTargetError
from leadhunter.integrations.alerts.guard import check_host
from leadhunter.integrations.alerts.senders import SendOptions, check_url
from leadhunter.services.alert_secrets import SecretBox, SecretError, describe

SECRETS: dict[str, frozenset[str]] = {"teams": frozenset({"url"}), "slack": frozenset({"url"}),
                                      "webhook": frozenset({"url", "signing_secret"}),
                                      "email": frozenset({"password"})}
"""Secret names each kind takes."""
REQUIRED_SECRETS: dict[str, frozenset[str]] = {**SECRETS, "email": frozenset()}
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_HOST = re.compile(r"[A-Za-z0-9.\-:\[\]]{1,253}")
MAX_RECIPIENTS = 50


class TargetError(ValueError):
    """A target's settings are refused; ``field`` names the part at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass
class TargetInput:
    """A target as the API received it. ``secrets``: name → ``{"value": ...}`` or ``{"env": ...}``; on an
    update, secrets left out are kept. ``lead_filter``: the LeadFilter as JSON (see
    :mod:`leadhunter.db.lead_filter_json`), ``filter_params``: the same in the API's words."""

    name: str
    kind: str
    enabled: bool = True
    language: str = "en"
    kinds: list[str] = field(default_factory=list)
    lead_filter: dict[str, Any] = field(default_factory=dict)
    filter_params: dict[str, Any] = field(default_factory=dict)
    mode: str = IMMEDIATE
    digest_hour: int = 8
    timezone: str = "UTC"
    config: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)


def _email_config(config: dict[str, Any], options: SendOptions) -> dict[str, Any]:
    host = str(config.get("smtp_host") or "")
    if not _HOST.fullmatch(host):
        raise TargetError("config.smtp_host", "give the SMTP server's host name")
    port = config.get("smtp_port", 587)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise TargetError("config.smtp_port", "the SMTP port must be 1-65535 (587 for STARTTLS)")
    sender = str(config.get("sender") or "")
    if not _ADDRESS.fullmatch(sender):
        raise TargetError("config.sender", "give the From address, e.g. hunter@example.com")
    recipients = config.get("recipients")
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS or not all(
            isinstance(r, str) and _ADDRESS.fullmatch(r) for r in recipients):
        raise TargetError("config.recipients", f"give 1-{MAX_RECIPIENTS} e-mail addresses")
    username = config.get("username") or None
    if username is not None and (not isinstance(username, str) or len(username) > 200):
        raise TargetError("config.username", "the SMTP user name must be text of at most 200 characters")
    _check_safe(lambda: check_host(host, port, allow_private=options.allow_private), "config.smtp_host")
    return {"smtp_host": host, "smtp_port": port, "sender": sender, "recipients": list(recipients),
            "username": username}


def _check_safe(check: Callable[[], None], field_name: str) -> None:
    """Run an SSRF check: an unsafe address is refused, a name that does not resolve (yet) is accepted."""
    try:
        check()
    except UnsafeTargetError as exc:
        raise TargetError(field_name, str(exc)) from None
    except AlertSendError as exc:
        if not exc.retryable:
            raise TargetError(field_name, str(exc)) from None


def _validate(spec: TargetInput, options: SendOptions) -> None:
    if spec.kind not in TARGET_KINDS:
        raise TargetError("kind", f"kind must be one of {', '.join(TARGET_KINDS)}")
    if not spec.name.strip() or len(spec.name) > 100:
        raise TargetError("name", "give a name of 1-100 characters")
    if spec.language not in ("en", "tr"):
        raise TargetError("language", "language must be en or tr")
    if spec.mode not in (IMMEDIATE, DIGEST):
        raise TargetError("mode", "mode must be immediate or digest")
    if not 0 <= spec.digest_hour <= 23:
        raise TargetError("digest_hour", "the digest hour must be 0-23")
    if not valid_timezone(spec.timezone):
        raise TargetError("timezone", f"unknown time zone {spec.timezone!r} (an IANA name, e.g. Europe/Istanbul)")
    unknown = set(spec.secrets) - SECRETS[spec.kind]
    if unknown:
        raise TargetError("secrets", f"a {spec.kind} target takes no secret {sorted(unknown)[0]!r}")


def save_target(session: Session, spec: TargetInput, box: SecretBox, options: SendOptions,
                target: AlertTarget | None = None) -> AlertTarget:
    """Create a target (``target`` None) or replace the settings of ``target``; secrets given are encrypted
    (or kept as references), secrets left out of an update are kept. Raises :class:`TargetError`."""
    _validate(spec, options)
    if target is not None and target.kind != spec.kind:
        raise TargetError("kind", "a target's kind cannot change; create a new target")
    try:
        stored = dict(target.secrets) if target is not None else {}
        stored.update({name: box.store(given) for name, given in spec.secrets.items()})
    except SecretError as exc:
        raise TargetError("secrets", str(exc)) from None
    missing = REQUIRED_SECRETS[spec.kind] - set(stored)
    if missing:
        raise TargetError("secrets", f"a {spec.kind} target needs the secret {sorted(missing)[0]!r}")
    config: dict[str, Any] = {}
    if spec.kind == "email":
        config = _email_config(spec.config, options)
        if config["username"] and "password" not in stored:
            raise TargetError("secrets", "an SMTP user name needs the secret 'password'")
    if "url" in spec.secrets:
        try:
            url = box.reveal(stored["url"])
        except SecretError:
            url = None  # an environment reference not set here yet: checked at every send
        if url is not None:
            _check_safe(lambda: check_url(url, options), "secrets.url")
    if target is None:
        target = AlertTarget(kind=spec.kind, created_at=utcnow())
        session.add(target)
    target.name, target.enabled, target.language = spec.name.strip(), spec.enabled, spec.language
    target.kinds, target.lead_filter, target.filter_params = list(spec.kinds), spec.lead_filter, spec.filter_params
    target.mode, target.digest_hour, target.timezone = spec.mode, spec.digest_hour, spec.timezone
    target.config, target.secrets, target.updated_at = config, stored, utcnow()
    session.flush()
    return target


def target_json(target: AlertTarget, box: SecretBox | None, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """A target as the API shows it: settings, the delivery counts per state, and of each secret only where it
    comes from (a URL's scheme and host at most)."""
    return {"id": target.id, "name": target.name, "kind": target.kind, "enabled": target.enabled,
            "language": target.language, "kinds": target.kinds, "filter": target.filter_params,
            "mode": target.mode, "digest_hour": target.digest_hour, "timezone": target.timezone,
            "config": target.config,
            "secrets": {name: describe(name, stored, box) for name, stored in sorted(target.secrets.items())},
            "deliveries": counts or {}, "created_at": target.created_at.isoformat(),
            "updated_at": target.updated_at.isoformat()}


def list_targets(session: Session, box: SecretBox | None) -> list[dict[str, Any]]:
    """Every target with its delivery counts, in creation order."""
    targets = list(session.scalars(select(AlertTarget).order_by(AlertTarget.id)))
    counts = alerts_repo.counts_by_state(session, [t.id for t in targets])
    return [target_json(t, box, counts.get(t.id)) for t in targets]
