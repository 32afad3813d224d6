"""The ``hunter`` command."""

from __future__ import annotations

import typer

from leadhunter.cli.admin import import_command, keys_app
from leadhunter.cli.brief import brief_command
from leadhunter.cli.d365 import d365_app
from leadhunter.cli.demo import demo_command
from leadhunter.cli.partner_center import partner_center_app
from leadhunter.cli.registration import registration_app
from leadhunter.cli.scan import scan_command
from leadhunter.cli.service import beat_command, db_app, serve_command, worker_command

app = typer.Typer(
    name="hunter",
    help="Hunter: turn company domains into scored, explained sales leads.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("scan")(scan_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("beat")(beat_command)
app.command("import")(import_command)
app.command("demo")(demo_command)
app.command("brief")(brief_command)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.add_typer(partner_center_app, name="partner-center")
app.add_typer(d365_app, name="d365")
app.add_typer(registration_app, name="registration")


@app.callback()
def _root() -> None:
    """Hunter's commands."""


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
