"""``hunter demo``: the embedded server (API, UI, worker, scheduler) on a demo data set of its own.

The demo keeps everything in its own data directory (SQLite database and broker), so it never touches the
real ``hunter-data`` or a configured PostgreSQL. The data set is generated offline, scanned by the real
rules (see :mod:`leadhunter.services.demo_data`) and stored once; later starts reuse it.
"""

from __future__ import annotations

import os
import socket
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from hunter_devtools.demo_integrations import demo_companies, seed_integrations
from hunter_devtools.demo_standins import run_standins
from leadhunter.cli.service import serve_command
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade
from leadhunter.runtime import session_factory
from leadhunter.services.demo_data import DEFAULT_COMPANIES, DEFAULT_SEED, seed_demo

# Files the embedded shape creates in its data directory; --reset deletes these and nothing else.
_STATE_FILES = ("hunter.db", "hunter.db-wal", "hunter.db-shm", "broker.db", "broker.db-wal", "broker.db-shm",
                "celerybeat-schedule", "celerybeat-schedule.db", "celerybeat-schedule.dat",
                "celerybeat-schedule.dir", "celerybeat-schedule.bak")
DEMO_RESCAN_DAYS = "3650"  # the demo's scans are synthetic: the scheduler must not rescan them by itself


def _unused_udp_port() -> int:
    """A loopback UDP port nothing listens on right now (DNS questions sent there go unanswered)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _demo_environment(data_dir: Path, offline: bool) -> None:
    """Point this process and the worker and beat it starts at the demo's own files."""
    os.environ["HUNTER_DATA_DIR"] = str(data_dir)
    os.environ["HUNTER_DATABASE_URL"] = f"sqlite:///{data_dir / 'hunter.db'}"
    os.environ["HUNTER_BROKER_URL"] = f"sqla+sqlite:///{data_dir / 'broker.db'}"
    os.environ.setdefault("HUNTER_RESCAN_INTERVAL_DAYS", DEMO_RESCAN_DAYS)
    if offline:
        # The demo's companies are made up, and some names may belong to real companies: a rescan asks a
        # nameserver that does not answer, fails fast and is stored as a partial scan, as it would be offline.
        os.environ["HUNTER_DNS_NAMESERVERS"] = f"127.0.0.1:{_unused_udp_port()}"
        os.environ["HUNTER_TENANT_DISCOVERY"] = "false"
        os.environ["HUNTER_REGISTRATION"] = "false"  # offline: no registry is asked (the demo data has its own)
        os.environ.setdefault("HUNTER_DNS_TIMEOUT", "0.5")
        os.environ.setdefault("HUNTER_DNS_RETRIES", "0")


def demo_command(
    data_dir: Annotated[Path, typer.Option(help="The demo's own data directory")] = Path("hunter-demo-data"),
    companies: Annotated[int, typer.Option(min=1, max=1_000_000, help="Demo companies to generate")] = (
        DEFAULT_COMPANIES),
    reset: Annotated[bool, typer.Option("--reset", help="Delete the demo's database first and generate anew")] = False,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same companies")] = DEFAULT_SEED,
    offline: Annotated[bool, typer.Option("--offline/--online",
                                          help="Rescans fail fast without touching DNS (default), or use your "
                                               "DNS settings")] = True,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server after seeding")] = True,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default HUNTER_API_PORT, 8000)")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Also run a worker and the scheduler")] = True,
    integrations: Annotated[bool, typer.Option(
        "--integrations/--no-integrations",
        help="Partner Center and Dynamics 365 on, served by built-in stand-ins on 127.0.0.1")] = True,
) -> None:
    """Try Hunter without network: the embedded server on thousands of realistic, genuinely scored companies."""
    data_dir = data_dir.expanduser().resolve()
    if reset:
        for name in _STATE_FILES:
            (data_dir / name).unlink(missing_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    _demo_environment(data_dir, offline)
    settings = Settings()
    upgrade(settings.database())
    typer.echo(f"demo data in {data_dir}")
    summary = seed_demo(session_factory(settings.database()), companies=companies, seed=seed)
    if summary.seeded:
        typer.echo(f"generated {summary.companies} companies ({summary.scans} scans) in {summary.seconds:.1f} s")
    else:
        typer.echo(f"using the {summary.companies} companies already there (--reset to generate anew)")
    with ExitStack() as stack:
        if integrations:
            _start_integrations(stack, data_dir)
        if serve:
            serve_command(host=host, port=port, worker=worker)


def _start_integrations(stack: ExitStack, data_dir: Path) -> None:
    """Start the Partner Center / Entra / Dataverse stand-ins (until ``stack`` closes), point this process and
    the worker and scheduler it starts at them, and fill referrals and D365 states once."""
    factory = session_factory(Settings().database())
    standins = stack.enter_context(run_standins(data_dir, demo_companies(factory)))
    os.environ.update(standins.environment)
    done = seed_integrations(factory, Settings())
    if done.d365:
        typer.echo(f"Partner Center: {done.referrals} referrals synced; Dynamics 365 states: "
                   + ", ".join(f"{n} {state}" for state, n in done.d365.items()))
    typer.echo(f"Partner Center and Dynamics 365 stand-ins on {standins.partner_center.base_url} and "
               f"{standins.dataverse.org_url}")

