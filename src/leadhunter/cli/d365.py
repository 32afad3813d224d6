"""``hunter d365 check|push|status``: is the Dynamics 365 push set up right, push leads by hand, how it stands.

``check`` answers, each with PASS/FAIL and the reason: token acquired? lead table metadata readable? upsert
mode (alternate key or fallback)? mapping valid against the org's columns and choice values? does a test
lead upsert (created, then updated by a second push) and clean up? Exit code 1 when anything fails, 2 when
the feature is off or not configured.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from sqlalchemy import select

from leadhunter.config import Settings
from leadhunter.db import d365_repo
from leadhunter.db.d365_models import ERROR, SYNCED
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company
from leadhunter.integrations.common.errors import ConfigurationError
from leadhunter.jobs import d365_runtime
from leadhunter.runtime import session_factory
from leadhunter.services import d365_push, d365_status
from leadhunter.services.d365_push import ENABLE_HINT

d365_app = typer.Typer(help="Dynamics 365 push: check the setup, push leads, status.", no_args_is_help=True)
TEST_DOMAIN = "hunter-check.invalid"


def _enabled_settings() -> Settings:
    settings = Settings()
    if not settings.d365_enabled:
        typer.echo(ENABLE_HINT, err=True)
        raise typer.Exit(2)
    return settings


@d365_app.command("check")
def check(
    test_domain: Annotated[str, typer.Option(help="Domain of the test lead (a .invalid name never collides)")]
    = TEST_DOMAIN,
    cleanup: Annotated[bool, typer.Option("--cleanup/--keep", help="Delete the test lead afterwards")] = True,
) -> None:
    """Check token, metadata, upsert mode, mapping and a test-lead upsert against the org: PASS/FAIL each."""
    settings = _enabled_settings()
    try:
        client = d365_runtime.client(settings)
    except ConfigurationError as exc:
        typer.echo(f"FAIL  configuration: {exc}")
        raise typer.Exit(2) from None
    results = client.check(test_domain=test_domain, cleanup=cleanup)
    for result in results:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'}  {result.name}: {result.reason}")
    failed = [r.name for r in results if not r.passed]
    typer.echo(f"{len(results) - len(failed)}/{len(results)} checks passed" + (f"; failed: {', '.join(failed)}"
                                                                               if failed else ""))
    if failed:
        raise typer.Exit(1)


@d365_app.command("push")
def push(
    domain: Annotated[list[str], typer.Option("--domain", "-d", help="A lead's domain (repeat for several)")],
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait out retry backoffs (else leave them to "
                                                                  "the workers)")] = True,
    queue: Annotated[bool, typer.Option("--queue", help="Hand the push to the workers instead")] = False,
) -> None:
    """Push leads now, in this process (a worker is not needed), and print each outcome; with ``--queue``
    queue them for the workers and print the job id."""
    settings = _enabled_settings()
    d365_runtime.init_sentry(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database())
    factory = session_factory(settings.database())
    try:
        client = d365_runtime.client(settings)
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    options = d365_runtime.push_options(settings)
    with factory.begin() as session:
        ids, unknown = d365_status.leads_by_domains(session, domain)
        request = d365_push.request_push(session, ids, requested_by="cli", options=options) if ids else None
    for text in unknown:
        typer.echo(f"unknown lead: {text}", err=True)
    if request is None:
        raise typer.Exit(1)
    if queue:
        from leadhunter.jobs.d365_tasks import dispatch_push  # builds the Celery app from settings

        dispatch_push(request)
        typer.echo(f"job {request.job_id}: {request.count} lead(s) queued")
        raise typer.Exit(1 if unknown else 0)
    for _ in range(options.max_attempts + 3):  # attempts plus waits for a lost worker's lease
        result = (d365_push.push_lead(factory, client, ids[0], options=options) if len(ids) == 1 else
                  d365_push.push_chunk(factory, client, request.job_id, 0, options=options))
        if result.retry_in is None or not wait:
            break
        typer.echo(f"{result.pending} lead(s) wait {result.retry_in:.0f} s before the next attempt")
        time.sleep(result.retry_in)
    with factory() as session:
        rows = d365_repo.sync_rows(session, ids)
        domains = {int(cid): d for cid, d in session.execute(select(Company.id, Company.domain)
                                                             .where(Company.id.in_(ids)))}
        failed = 0
        for cid in ids:
            row = rows[cid]
            name = domains.get(cid, str(cid))
            if row.status == SYNCED:
                typer.echo(f"synced   {name}: {row.record_url}")
            else:
                failed += row.status == ERROR
                typer.echo(f"{row.status:<8} {name}: {row.error_category or ''} {row.last_error or ''}".rstrip())
    if failed or unknown:
        raise typer.Exit(1)


@d365_app.command("status")
def status() -> None:
    """Whether pushing is on, leads per push state, the last attempt and the latest failures."""
    settings = Settings()
    upgrade(settings.database())
    with session_factory(settings.database())() as session:
        state = d365_status.push_status(session, enabled=settings.d365_enabled)
    typer.echo("push: on" if state["enabled"] else f"push: off — {ENABLE_HINT}")
    typer.echo("leads: " + ", ".join(f"{k} {v}" for k, v in state["counts"].items()))
    last = state["last_push"]
    if last:
        typer.echo(f"last attempt {last['at']}: {last['domain']} {last['outcome']} (HTTP {last['http_status']})")
    for failure in state["recent_failures"]:
        typer.echo(f"error {failure['domain']}: [{failure['error_category']}] {failure['error']}")
