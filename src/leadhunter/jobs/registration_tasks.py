"""Celery tasks of the registration stage, on their own queue (``registration``) so a 1-query-per-second
WHOIS server never holds a worker that DNS scans need. Run one worker on that queue per installation
(``hunter serve`` starts it; distributed: ``hunter worker --queues registration``): the per-server rate
limits live in that worker's process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError

from leadhunter.config import Settings
from leadhunter.jobs.celery_app import app
from leadhunter.runtime import registration_setup, session_factory
from leadhunter.scanners.registration.cache import MemoryCache
from leadhunter.scanners.registration.stage import RegistrationStage
from leadhunter.services import registration

log = logging.getLogger(__name__)
REGISTRATION_QUEUE = "registration"
_BATCH = 200  # companies per registration task


def policy_of(settings: Settings) -> registration.RegistrationPolicy:
    """The refresh policy from settings."""
    return registration.RegistrationPolicy(ttl=timedelta(days=settings.registration_ttl_days),
                                           expire_soon_days=settings.registration_expire_soon_days,
                                           new_domain_days=settings.registration_new_domain_days)


def dispatch_registration(company_ids: Sequence[int]) -> bool:
    """Queue registration lookups for ``company_ids`` in batches; False (logged) when the broker refused.
    A refused dispatch loses nothing: the hourly sweep finds companies without a fresh record."""
    try:
        for start in range(0, len(company_ids), _BATCH):
            registration_lookup.apply_async((list(company_ids[start:start + _BATCH]),), queue=REGISTRATION_QUEUE)
    except (BrokerError, OSError) as exc:
        log.warning("registration lookups not queued (the sweep will catch up): %s", exc)
        return False
    return True


@app.task(name="hunter.registration_lookup", bind=True, max_retries=3, acks_late=True,
          autoretry_for=(OperationalError,), retry_backoff=5, retry_jitter=True)
def registration_lookup(self: Any, company_ids: list[int]) -> int:
    """Look up and store the registration of ``company_ids`` (idempotent: fresh records are skipped)."""
    settings = Settings()
    if not settings.registration:
        return 0
    setup = registration_setup(settings)

    async def run() -> int:
        # The database is the durable cache (fresh records are skipped); this one only spans the task.
        async with RegistrationStage(setup.directory, options=setup.options, cache=MemoryCache(setup.ttl)) as stage:
            return await registration.refresh_registrations(session_factory(settings.database()), stage, company_ids,
                                                            policy=policy_of(settings))

    done = asyncio.run(run())
    log.info("registration: %s of %s companies looked up", done, len(company_ids))
    return done


@app.task(name="hunter.registration_sweep", max_retries=0)
def registration_sweep() -> int:
    """Queue lookups for scanned companies without a registration record or with one older than the TTL."""
    settings = Settings()
    if not settings.registration:
        return 0
    with session_factory(settings.database())() as session:
        ids = registration.due_for_refresh(session, older_than=timedelta(days=settings.registration_ttl_days),
                                           now=datetime.now(UTC))
    dispatch_registration(ids)
    return len(ids)
