"""``hunter registration``: maintain the registration stage's data (the IANA RDAP bootstrap file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

from leadhunter.config import Settings
from leadhunter.runtime import bootstrap_path
from leadhunter.scanners.registration.bootstrap import BootstrapError, validate_bootstrap_document

registration_app = typer.Typer(help="Registration data (RDAP / WHOIS) maintenance.", no_args_is_help=True)

IANA_BOOTSTRAP_URL = "https://data.iana.org/rdap/dns.json"
_FROM_HELP = f"A local dns.json, or an http(s) URL to download it from (e.g. {IANA_BOOTSTRAP_URL})"


def _read(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        try:
            response = httpx.get(source, timeout=30.0, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise typer.BadParameter(f"could not download {source}: {exc}", param_hint="--from") from exc
        return response.content
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source}", param_hint="--from")
    return path.read_bytes()


@registration_app.command("refresh-bootstrap")
def refresh_bootstrap(
    source: Annotated[str, typer.Option("--from", help=_FROM_HELP)] = IANA_BOOTSTRAP_URL,
) -> None:
    """Replace the RDAP bootstrap (TLD → RDAP server) with a newer IANA dns.json, after validating it.

    Written to HUNTER_RDAP_BOOTSTRAP or HUNTER_DATA_DIR/rdap-dns.json; a malformed file is refused and the
    current one is kept.
    """
    raw = _read(source)
    try:
        text, count, publication = validate_bootstrap_document(raw)
    except BootstrapError as exc:
        raise typer.BadParameter(f"refused: {exc}", param_hint="--from") from exc
    target = bootstrap_path(Settings())
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)  # atomic: a reader sees the old file or the new one, never half of one
    typer.echo(f"RDAP bootstrap: {count} TLDs (published {publication or 'unknown'}) written to {target}")
