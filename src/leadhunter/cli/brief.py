"""``hunter brief DOMAIN [--lang tr] [--json]``: print a lead's sales brief (the same text as the UI and PDF)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from leadhunter.config import Settings
from leadhunter.runtime import session_factory
from leadhunter.services.lead_brief import (
    BriefSettings,
    LeadNotFoundError,
    LeadNotScannedError,
    find_company,
    lead_brief,
)


def brief_command(
    domain: Annotated[str, typer.Argument(help="The lead's domain (as stored or as typed)")],
    lang: Annotated[str, typer.Option("--lang", help="Language: en or tr")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the brief as JSON, with each sentence's evidence")]
    = False,
    evidence: Annotated[bool, typer.Option("--evidence", help="Print each sentence's evidence under it")] = False,
) -> None:
    """Print the sales brief of one lead: why, angle, security, white space, size, call script, questions,
    offer and next step. Exit 1 when there is no such lead or it has not been scanned yet."""
    if lang not in ("en", "tr"):
        raise typer.BadParameter("must be en or tr", param_hint="--lang")
    settings = Settings()
    wanted = BriefSettings(settings.brief_partner_name, settings.brief_seller_signature, settings.brief_currency)
    with session_factory(settings.database())() as session:
        try:
            made = lead_brief(session, find_company(session, domain), lang, wanted, today=datetime.now(UTC).date())
        except (LeadNotFoundError, LeadNotScannedError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    result = made.brief
    if as_json:
        typer.echo(json.dumps({**result.as_json(), "size": made.size.as_json()}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result.title}: {result.domain}")
    typer.echo(result.summary.text)
    for section in result.sections:
        typer.echo(f"\n{section.title}")
        for sentence in section.sentences:
            typer.echo(f"  - {sentence.text}")
            if evidence:
                typer.echo(f"      ({'; '.join(sentence.evidence)})")
