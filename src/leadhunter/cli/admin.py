"""``hunter keys`` and ``hunter import``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.domain.access import ROLES
from leadhunter.runtime import session_factory
from leadhunter.services import activity, api_keys
from leadhunter.services.ingest import import_file
from leadhunter.services.tabular_import import ImportFileError

keys_app = typer.Typer(help="API keys for the HTTP API and webhooks.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Argument(help="Who or what the key is for")],
                rate: Annotated[int, typer.Option(help="Requests per minute over every /api call")] = 600,
                role: Annotated[str, typer.Option(help="viewer, seller or admin")] = "seller",
                owner: Annotated[str, typer.Option(help="Who answers for the key (default: cli)")] = "cli") -> None:
    """Create a key with a role and an owner and print it once (only its hash is stored)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    settings = Settings()
    upgrade(settings.database())
    with session_factory(settings.database()).begin() as session:
        key, row = api_keys.create_key(session, name, rate_per_minute=rate, role=role, owner=owner)
        activity.record(session, actor="cli", action="key.create", target=row.prefix,
                        details={"role": role, "owner": owner})
        typer.echo(f"created {role} key {row.prefix} for {name!r}; copy it now, it is not shown again:\n{key}")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (prefix, name, created, revoked)."""
    settings = Settings()
    upgrade(settings.database())
    with session_factory(settings.database())() as session:
        for row in api_keys.list_keys(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            typer.echo(f"{row.id:>4} {row.prefix:<14} {row.name:<30} {row.role:<7} {row.owner or '-':<24} "
                       f"{row.created_at:%Y-%m-%d %H:%M} {state}")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="Key id or prefix (hk_xxxxxxxx)")]) -> None:
    """Revoke a key at once."""
    settings = Settings()
    upgrade(settings.database())
    with session_factory(settings.database()).begin() as session:
        if not api_keys.revoke_key(session, key):
            raise typer.BadParameter(f"no active key {key}")
    typer.echo(f"revoked {key}")


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX lead list")],
    scan: Annotated[bool, typer.Option("--scan/--no-scan", help="Queue the scan job for a worker")] = True,
) -> None:
    """Import a lead list into the database; bad rows are listed with their line number. Rows are committed
    in batches; if an import is stopped part-way, importing the same file again carries on where it stopped."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database())
    factory = session_factory(settings.database())
    try:
        with factory() as session, file.open("rb") as stream:  # import_file commits batch by batch
            record, result = import_file(session, stream, file.name, max_bytes=settings.max_upload_mb * 2**20,
                                         requested_by="cli", chunk_size=settings.scan_chunk_size)
            session.commit()
            summary = (record.id, record.rows, record.accepted, record.duplicates, list(record.errors))
    except ImportFileError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(2) from None
    import_id, rows, accepted, duplicates, errors = summary
    for error in errors[:50]:
        typer.echo(f"line {error.get('line')}: {error.get('reason')}", err=True)
    if len(errors) > 50:
        typer.echo(f"… and {len(errors) - 50} more row errors (GET /api/imports/{import_id})", err=True)
    typer.echo(f"import {import_id}: {rows} rows, {accepted} accepted, {duplicates} duplicates, "
               f"{len(errors)} errors; scan job {result.job_id}")
    if scan and result.job_id is not None:
        from leadhunter.jobs.tasks import dispatch_chunk

        for chunk in result.chunks:
            dispatch_chunk(result.job_id, chunk)
