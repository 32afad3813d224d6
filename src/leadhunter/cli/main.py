"""The ``hunter`` command."""

from __future__ import annotations

import typer

from leadhunter.cli.scan import scan_command

app = typer.Typer(
    name="hunter",
    help="Hunter: turn company domains into scored, explained sales leads.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("scan")(scan_command)


@app.callback()
def _root() -> None:
    """Hunter's commands."""


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
