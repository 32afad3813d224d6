"""``hunter partner-center login|sync|status``: sign in once, sync by hand, see how the last sync went."""

from __future__ import annotations

from typing import Annotated

import typer

from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.integrations.common.tokens import DeviceCodePrompt
from leadhunter.integrations.partner_center.errors import IntegrationError
from leadhunter.jobs import referral_runtime
from leadhunter.runtime import session_factory
from leadhunter.services import referrals
from leadhunter.services.referral_links import ENABLE_HINT, sync_status

partner_center_app = typer.Typer(help="Partner Center referrals: sign-in, sync, status.", no_args_is_help=True)


def _show_prompt(prompt: DeviceCodePrompt) -> None:
    typer.echo(f"To sign in, open {prompt.verification_uri} and enter the code {prompt.user_code}")
    typer.echo(f"(the code expires in {prompt.expires_in // 60} min; waiting for you to finish…)")


@partner_center_app.command("login")
def login(timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds")] = None) -> None:
    """Sign in with a device code (prints the URL and code, waits); the token cache is saved owner-only."""
    settings = Settings()
    if not settings.partner_center_client_id:
        typer.echo("HUNTER_PARTNER_CENTER_CLIENT_ID is not set: register a public-client app in Entra with the "
                   "Partner Center delegated permission and set its id.", err=True)
        raise typer.Exit(2)
    provider = referral_runtime.token_provider(settings)
    try:
        user = provider.login(prompt=_show_prompt, timeout=timeout)
    except IntegrationError as exc:
        typer.echo(f"sign-in failed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"signed in{' as ' + user if user else ''}; token cache {settings.partner_center_cache_path()} "
               "(readable by this user only)")
    if not settings.partner_center_enabled:
        typer.echo("note: syncing is still off (HUNTER_PARTNER_CENTER_ENABLED=true turns it on)")


@partner_center_app.command("sync")
def sync(scan: Annotated[bool, typer.Option("--scan/--no-scan", help="Queue scans for a worker")] = True) -> None:
    """Sync referrals now and print the counts ("busy" when another sync is running)."""
    settings = Settings()
    if not settings.partner_center_enabled:
        typer.echo(ENABLE_HINT, err=True)
        raise typer.Exit(2)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database())
    factory = session_factory(settings.database())
    options = referral_runtime.sync_options(settings)
    with factory.begin() as session:
        run, _ = referrals.request_sync(session, trigger="cli", requested_by="cli", options=options)
        run_id = run.id
    outcome = referrals.run_sync(factory, client_factory=referral_runtime.client_factory(settings), run_id=run_id,
                                 trigger="cli", options=options)
    c = outcome.counts
    typer.echo(f"run {outcome.run_id}: {outcome.status}; {c.seen} seen, {c.new} new, {c.updated} updated, "
               f"{c.skipped} unchanged, {c.unlinked} unlinked; scan job {outcome.scan_job_id}")
    if outcome.error:
        typer.echo(outcome.error, err=True)
    if scan and outcome.scan_job_id is not None:
        from leadhunter.jobs.tasks import dispatch_chunk

        for chunk in outcome.chunks:
            dispatch_chunk(outcome.scan_job_id, chunk)
    if outcome.status not in ("ok", "busy"):
        raise typer.Exit(1)


@partner_center_app.command("status")
def status() -> None:
    """Show whether syncing is on, whether a sign-in is cached, and how the last sync went."""
    settings = Settings()
    upgrade(settings.database())
    with session_factory(settings.database())() as session:
        state = sync_status(session, enabled=settings.partner_center_enabled)
    typer.echo(f"sync: {state['outcome'] or 'never synced'}" + ("" if state["enabled"] else f" — {ENABLE_HINT}"))
    cache = settings.partner_center_cache_path()  # looked at, not opened: MSAL would ask Entra for metadata
    typer.echo(f"token cache: {cache}" if cache.exists() else "not signed in: run `hunter partner-center login`")
    last = state["last_run"]
    if last:
        c = last["counts"]
        typer.echo(f"last run {last['id']} ({last['trigger']}) {last['outcome']} at {last['finished_at']}: "
                   f"{c['seen']} seen, {c['new']} new, {c['updated']} updated, {c['skipped']} unchanged")
        if last["last_error"]:
            typer.echo(f"last error: {last['last_error']}")
    if state["active_run"]:
        typer.echo(f"run {state['active_run']['id']} is {state['active_run']['status']}")
