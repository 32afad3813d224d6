"""Use cases of the Dynamics 365 push: queue leads (a bulk job), push a chunk or one lead, retry.

A push *run* (:func:`run_push`) is one unit of work on a set of leads:

1. claim the leads that are due under a fresh lease token (one transaction, committed: other workers
   see them ``in_progress``), each claim counting one attempt;
2. build their snapshots and call the adapter — ``upsert`` for one lead, ``push_many`` (``$batch`` change
   sets) for several — while a heartbeat thread renews the lease;
3. store every outcome, one audit row per attempt, the metric counters and the jobs' progress (one
   transaction), only for leads still held under the token.

Outcome rules: success → ``synced``; a transient failure (5xx, network, 429) with attempts left →
``queued`` again after a backoff (``backoff``·2ⁿ seconds, at least the ``Retry-After`` D365 named);
anything else — validation (400), auth, conflict, or the third failure — → ``error`` with its category,
never retried automatically. A new request or a manual retry resets the attempts.

Redelivery is safe: a run only pushes leads it claimed, a lead held by a live worker is left to it, and a
lead whose worker died (lease expired) is claimed again and pushed again — the adapter's upsert (alternate
key, else a deterministic lead id) turns the second push into an update, never a second lead.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

import sentry_sdk
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db import d365_repo as repo
from leadhunter.db.d365_models import ERROR, IN_PROGRESS, QUEUED, SYNCED, D365BulkJob
from leadhunter.db.models import utcnow
from leadhunter.integrations.d365 import Attempt, Category, LeadSnapshot, PushOutcome, push_error_category
from leadhunter.integrations.d365.errors import category_of_status
from leadhunter.services.d365_snapshots import Unpushable, build_snapshots
from leadhunter.services.lead_brief import BriefSettings

log = logging.getLogger(__name__)

ENABLE_HINT = ("Dynamics 365 push is off. To turn it on set HUNTER_D365_ENABLED=true together with "
               "HUNTER_D365_ORG_URL, HUNTER_D365_TENANT_ID, HUNTER_D365_CLIENT_ID and HUNTER_D365_CLIENT_SECRET "
               "(an Entra app that is an application user of the org), restart Hunter, then run `hunter d365 check`.")
RETRYABLE = frozenset({Category.TRANSIENT, Category.THROTTLED})
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds (seconds) of the push duration histogram; ``+Inf`` is implied."""


class D365Port(Protocol):
    """What the push needs of the adapter (``integrations.d365.DataverseClient``)."""

    def upsert(self, lead: LeadSnapshot, *, known_lead_id: str | None = None) -> PushOutcome: ...

    def push_many(self, leads: Sequence[LeadSnapshot], *,
                  known_ids: Mapping[str, str] | None = None) -> list[PushOutcome]: ...

    def lead_url(self, lead_id: str) -> str: ...


@dataclass(frozen=True)
class PushOptions:
    """``max_attempts`` per lead per request (3); ``backoff`` seconds before the second attempt (30),
    doubled for each further one, capped at ``max_backoff`` (3600); ``lease`` seconds a claimed lead stays
    reserved without a heartbeat (120; renewed every third of it); ``chunk_size`` leads per bulk task (500);
    ``public_url`` Hunter's address as users open it (None: leads carry no link back)."""

    max_attempts: int = 3
    backoff: float = 30.0
    max_backoff: float = 3600.0
    lease: float = 120.0
    chunk_size: int = 500
    public_url: str | None = None
    brief_lang: str | None = None  # en / tr: the short sales brief in the description on create (None: none)
    brief: BriefSettings = field(default_factory=BriefSettings)  # partner name, seller signature, currency


@dataclass(frozen=True)
class PushRequest:
    """A queued request: its job, how many leads, the chunks to dispatch and the leads themselves."""

    job_id: int
    count: int
    chunks: list[int]
    company_ids: list[int]


@dataclass(frozen=True)
class RunResult:
    """What one run did: leads ``claimed``, now ``synced`` / ``failed`` (error) / ``requeued`` (will be
    tried again), ``pending`` leads of the run's scope not settled yet, and ``retry_in`` — seconds until
    the first of those can be tried (None when nothing is pending)."""

    claimed: int = 0
    synced: int = 0
    failed: int = 0
    requeued: int = 0
    pending: int = 0
    retry_in: float | None = None


def request_push(session: Session, company_ids: Sequence[int], *, requested_by: str | None, kind: str = "push",
                 options: PushOptions | None = None) -> PushRequest:
    """Queue ``company_ids`` as one job (attempts reset, errors cleared). The caller commits, then dispatches
    one task per chunk — or ``push_lead`` when the job holds one lead."""
    options = options or PushOptions()
    job = repo.create_job(session, company_ids, kind=kind, requested_by=requested_by, chunk_size=options.chunk_size)
    unique = list(dict.fromkeys(company_ids))
    return PushRequest(job.id, job.total, list(range(job.chunks)), unique)


class _Heartbeat:
    """Renews the lease of ``token`` every third of ``lease`` seconds in a thread while a push runs."""

    def __init__(self, factory: sessionmaker[Session], token: str, lease: float,
                 clock: Callable[[], datetime]) -> None:
        self.factory, self.token, self.lease, self.clock = factory, token, lease, clock
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="d365-lease", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.lease / 3):
            try:
                with self.factory.begin() as session:
                    repo.renew(session, self.token, self.clock() + timedelta(seconds=self.lease))
            except SQLAlchemyError as exc:  # the database is briefly away: the next beat tries again
                log.warning("could not renew D365 push lease: %s", exc)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop.set()
        self.thread.join()


def _call(client: D365Port, leads: list[tuple[repo.Claimed, LeadSnapshot]], single: bool) -> list[PushOutcome]:
    if single:
        return [client.upsert(snap, known_lead_id=c.d365_lead_id) for c, snap in leads]
    known = {snap.domain: c.d365_lead_id for c, snap in leads if c.d365_lead_id}
    return client.push_many([snap for _, snap in leads], known_ids=known)


def run_push(factory: sessionmaker[Session], client: D365Port, company_ids: Sequence[int], *,
             single: bool = False, options: PushOptions | None = None, job_id: int | None = None,
             clock: Callable[[], datetime] = utcnow) -> RunResult:
    """Push the due leads among ``company_ids`` (see the module docstring) and settle what can be settled.
    ``single`` pushes each lead with its own upsert instead of ``$batch``; ``job_id`` is the bulk job the run
    works for, if any. Never raises for D365 trouble."""
    options = options or PushOptions()
    token, started = str(uuid.uuid4()), clock()
    with factory.begin() as session:
        claimed = repo.claim(session, company_ids, token=token, now=started,
                             expires=started + timedelta(seconds=options.lease))
        if claimed:  # the jobs start now, when a worker takes up their leads, not when the first outcome lands
            jobs = {c.job_id for c in claimed if c.job_id is not None} | ({job_id} if job_id is not None else set())
            repo.start_jobs(session, jobs, now=started)
    settled: list[tuple[repo.Claimed, str, PushOutcome]] = []
    if claimed:
        with factory() as session:
            snapshots = build_snapshots(session, [c.company_id for c in claimed], public_url=options.public_url,
                                        brief_lang=options.brief_lang, brief_settings=options.brief)
        pushable: list[tuple[repo.Claimed, LeadSnapshot]] = []
        for c in claimed:
            found = snapshots.get(c.company_id)
            if isinstance(found, LeadSnapshot) and c.attempts <= options.max_attempts:
                pushable.append((c, found))
            elif isinstance(found, Unpushable):
                outcome = PushOutcome(found.domain, False, category=Category.VALIDATION, message=found.reason)
                settled.append((c, ERROR, outcome))
            elif found is not None:  # claimed back from a worker that died during the last attempt
                reason = f"gave up after {options.max_attempts} attempts: the worker pushing it stopped"
                settled.append((c, ERROR, PushOutcome(found.domain, False, category=Category.TRANSIENT,
                                                      message=reason)))
        if pushable:
            with _Heartbeat(factory, token, options.lease, clock):
                outcomes = _call(client, pushable, single)
            for (c, _), outcome in zip(pushable, outcomes, strict=True):
                settled.append((c, _decide(c, outcome, options), outcome))
        _record(factory, client, token, settled, options, clock())
    return _leftovers(factory, company_ids, {c.company_id for c, _, _ in settled}, settled, clock())


def _decide(c: repo.Claimed, outcome: PushOutcome, options: PushOptions) -> str:
    if outcome.ok:
        return SYNCED
    if outcome.category in RETRYABLE and c.attempts < options.max_attempts:
        return QUEUED
    return ERROR


def _backoff(c: repo.Claimed, outcome: PushOutcome, options: PushOptions) -> float:
    wait: float = options.backoff * 2.0 ** max(c.attempts - 1, 0)
    return min(max(wait, outcome.retry_after or 0.0), options.max_backoff)


def _record(factory: sessionmaker[Session], client: D365Port, token: str,
            settled: list[tuple[repo.Claimed, str, PushOutcome]], options: PushOptions, now: datetime) -> None:
    """Store outcomes, audit rows, counters, item states and job progress in one transaction."""
    rows: list[repo.Settled] = []
    audit: list[dict[str, Any]] = []
    finals: dict[int, str] = {}
    for c, status, outcome in settled:
        category = None if outcome.ok else push_error_category(outcome.category)
        message = outcome.message or (f"HTTP {outcome.status}" if outcome.status else outcome.category)
        if status == ERROR and outcome.category in RETRYABLE and c.attempts <= options.max_attempts:
            message = f"failed {c.attempts} times, last: {message}"
        lead_id = outcome.lead_id if outcome.ok else None
        rows.append(repo.Settled(
            c.company_id, status, lead_id=lead_id, url=client.lead_url(lead_id) if lead_id else None,
            error=None if outcome.ok else str(message)[:2000], category=category, code=outcome.error_code,
            http_status=outcome.status, request_id=outcome.request_id,
            next_attempt_at=now + timedelta(seconds=_backoff(c, outcome, options)) if status == QUEUED else None))
        audit += _audit_rows(c, status, outcome, now)
        if status in (SYNCED, ERROR):
            finals[c.company_id] = status
        _breadcrumb(c, outcome.domain, status, category, outcome.status)
    with factory.begin() as session:
        still_mine = {h.company_id for h in repo.held(session, token)}
        repo.settle(session, token, sorted(rows, key=lambda r: r.company_id), now=now)  # one lock order everywhere
        repo.add_audit(session, audit)
        jobs = repo.settle_items(session, {cid: st for cid, st in finals.items() if cid in still_mine})
        jobs.update(c.job_id for c, _, _ in settled if c.job_id is not None)
        repo.refresh_jobs(session, jobs, now=now)
        _count(session, [outcome for _, _, outcome in settled])
    failed = [(c, o) for c, st, o in settled if st == ERROR]
    if failed and sentry_sdk.is_initialized():  # one event per run carries the breadcrumbs of every lead
        categories = sorted({push_error_category(o.category) for _, o in failed})
        sentry_sdk.capture_message(f"D365 push: {len(failed)} lead(s) failed ({', '.join(categories)})",
                                   level="warning")


def _attempt_outcome(a: Attempt) -> str:
    if a.status == 424:
        return "rolled_back"
    return "ok" if a.status is not None and a.status < 400 else "retried"


def _audit_rows(c: repo.Claimed, status: str, outcome: PushOutcome, now: datetime) -> list[dict[str, Any]]:
    """One row per HTTP exchange of the lead's push (one row when none was made)."""
    final = ("created" if outcome.created else "updated") if outcome.ok else (
        "will_retry" if status == QUEUED else "error")
    base = {"company_id": c.company_id, "domain": outcome.domain, "job_id": c.job_id, "requested_by": c.requested_by,
            "requested_at": c.queued_at, "attempt": c.attempts}
    last = {"outcome": final, "created": outcome.created if outcome.ok else None,
            "error_category": None if outcome.ok else push_error_category(outcome.category),
            "error_code": outcome.error_code, "message": (outcome.message or None) and str(outcome.message)[:2000],
            "d365_lead_id": outcome.lead_id}
    if not outcome.attempts:
        return [{**base, **last, "attempted_at": now, "method": None, "path": None, "http_status": outcome.status,
                 "request_id": outcome.request_id, "duration_ms": outcome.duration_ms}]
    out = []
    for n, a in enumerate(outcome.attempts, start=1):
        row = {**base, "attempted_at": a.started_at, "method": a.method[:8], "path": a.path[:300],
               "http_status": a.status, "request_id": a.service_request_id or a.client_request_id,
               "duration_ms": a.duration_ms}
        if n == len(outcome.attempts):
            row.update(last)
        else:
            failed = _attempt_outcome(a) != "ok"
            row.update(outcome=_attempt_outcome(a), created=None, error_code=None, d365_lead_id=None,
                       error_category=push_error_category(category_of_status(a.status)) if failed else None,
                       message=a.error)
        out.append(row)
    return out


def _count(session: Session, outcomes: Sequence[PushOutcome]) -> None:
    """Prometheus counters in ``metric_counters`` (the API turns them into ``d365_push_total``,
    ``d365_push_fail_total{category}`` and the duration histogram)."""
    fails: dict[str, int] = {}
    buckets: dict[str, int] = {}
    total_ms = 0
    for o in outcomes:
        if not o.ok:
            fails[push_error_category(o.category)] = fails.get(push_error_category(o.category), 0) + 1
        seconds = o.duration_ms / 1000
        le = next((f"{b:g}" for b in DURATION_BUCKETS if seconds <= b), "+Inf")
        buckets[le] = buckets.get(le, 0) + 1
        total_ms += round(o.duration_ms)
    companies_repo.add_counters(session, "d365_push", {"": len(outcomes)})
    companies_repo.add_counters(session, "d365_push_fail", fails)
    companies_repo.add_counters(session, "d365_push_duration", buckets)
    companies_repo.add_counters(session, "d365_push_duration_ms_sum", {"": total_ms})


def _breadcrumb(c: repo.Claimed, domain: str, status: str, category: str | None, http: int | None) -> None:
    """A Sentry breadcrumb per lead and outcome (kept in memory; sent only with an event, when Sentry is on)."""
    level = "info" if status == SYNCED else "warning" if status == QUEUED else "error"
    sentry_sdk.add_breadcrumb(category="d365", message=f"{domain}: {status}", level=level,
                              data={"company_id": c.company_id, "domain": domain, "status": status,
                                    "error_category": category, "http_status": http, "attempt": c.attempts})


def _leftovers(factory: sessionmaker[Session], scope: Sequence[int], pushed: set[int],
               settled: list[tuple[repo.Claimed, str, PushOutcome]], now: datetime) -> RunResult:
    """Settle items of leads in ``scope`` another run finished; report what is still pending and when."""
    with factory.begin() as session:
        rows = repo.sync_rows(session, [cid for cid in scope if cid not in pushed])
        finals = {cid: (r.status if r.status in (SYNCED, ERROR) else ERROR) for cid, r in rows.items()
                  if r.status not in (QUEUED, IN_PROGRESS)}
        repo.refresh_jobs(session, repo.settle_items(session, finals), now=now)
        rows.update(repo.sync_rows(session, [c.company_id for c, st, _ in settled if st == QUEUED]))
    waits = []
    for r in rows.values():
        if r.status == QUEUED:
            waits.append((r.next_attempt_at - now).total_seconds() if r.next_attempt_at else 0.0)
        elif r.status == IN_PROGRESS:
            waits.append((r.lease_expires_at - now).total_seconds() if r.lease_expires_at else 0.0)
    counts = {st: sum(1 for _, s, _ in settled if s == st) for st in (SYNCED, ERROR, QUEUED)}
    return RunResult(claimed=len(settled), synced=counts[SYNCED], failed=counts[ERROR], requeued=counts[QUEUED],
                     pending=len(waits), retry_in=max(min(waits), 0.0) if waits else None)


def push_chunk(factory: sessionmaker[Session], client: D365Port, job_id: int, chunk: int, *,
               options: PushOptions | None = None, clock: Callable[[], datetime] = utcnow) -> RunResult:
    """Push the pending leads of one chunk of a bulk job (``$batch``); safe to run twice."""
    with factory() as session:
        ids = repo.pending_in_chunk(session, job_id, chunk)
    if not ids:
        with factory.begin() as session:
            repo.refresh_jobs(session, [job_id], now=clock())
        return RunResult()
    return run_push(factory, client, ids, options=options, job_id=job_id, clock=clock)


def push_lead(factory: sessionmaker[Session], client: D365Port, company_id: int, *,
              options: PushOptions | None = None, clock: Callable[[], datetime] = utcnow) -> RunResult:
    """Push one lead with its own upsert (no ``$batch``); safe to run twice."""
    return run_push(factory, client, [company_id], single=True, options=options, clock=clock)


def job_of(session: Session, job_id: int) -> D365BulkJob | None:
    """The bulk job ``job_id`` (None when there is none)."""
    return session.get(D365BulkJob, job_id)
