"""``hunter serve``, ``worker``, ``beat`` and ``db upgrade``: run Hunter as a service.

Embedded default: ``hunter serve`` alone runs the API and UI, one worker and the scheduler, on SQLite
with a broker that needs no server. Distributed: point ``HUNTER_DATABASE_URL`` and ``HUNTER_BROKER_URL``
at PostgreSQL and Redis/RabbitMQ and run ``serve --no-worker``, ``worker`` and ``beat`` separately.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from leadhunter.api.deps import auth_required
from leadhunter.cli.supervise import Supervisor
from leadhunter.config import Settings
from leadhunter.db.migrate import upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def _public(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def _child(*args: str) -> subprocess.Popen[bytes]:
    # Our own interpreter and module with fixed arguments: no untrusted input reaches the command line.
    return subprocess.Popen([sys.executable, "-m", "leadhunter.cli.main", *args], env=os.environ.copy())  # noqa: S603


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default HUNTER_API_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default HUNTER_API_PORT, 8000)")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Also run a worker and the scheduler")] = True,
) -> None:
    """Run the API and UI (and, by default, a worker and the scheduler) — the embedded shape."""
    settings = Settings()
    if host:
        settings.api_host = host
    if port:
        settings.api_port = port
    os.environ["HUNTER_API_HOST"] = settings.api_host  # children and the app see the same address
    if _public(settings.api_host) and not auth_required(settings) and not settings.allow_public_without_auth:
        raise typer.BadParameter(
            f"{settings.api_host} is not loopback and API keys are off; create a key (hunter keys create) and "
            "leave HUNTER_AUTH_REQUIRED unset, or set HUNTER_ALLOW_PUBLIC_WITHOUT_AUTH=true to insist")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database())
    # uvicorn stops gracefully on SIGTERM, then raises the signal again; with the default action the process
    # would die right there, leaving the worker and scheduler below running. Exiting cleanly runs ``finally``.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    commands: list[tuple[str, ...]] = [("worker",), ("beat",)] if worker else []
    if worker and settings.registration:
        commands.append(("worker", "--queues", "registration"))
    children = Supervisor(_child, commands)  # a child that dies (kill -9, OOM) is started again
    try:
        from leadhunter.api.app import create_app
        from leadhunter.api.logs import LOG_CONFIG

        # JSON log lines with the request id; the access line is the app's own (route, status, duration)
        uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info",
                    log_config=LOG_CONFIG, access_log=False)
    finally:
        children.stop()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


_QUEUES_HELP = ("Comma-separated queues: celery (scans, syncs, pushes) and/or registration (RDAP/WHOIS lookups; "
                "run one such worker: the registries' rate limits live in its process)")


def worker_command(
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 1,
    queues: Annotated[str, typer.Option(help=_QUEUES_HELP)] = "celery",
) -> None:
    """Run a Celery worker (scan chunks, periodic rescans; with --queues registration: registration lookups)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database())
    from leadhunter.jobs.celery_app import app

    # One process: the solo pool (the scan inside a task is already concurrent, and a killed worker
    # leaves no orphaned pool children); more: prefork.
    pool = "solo" if concurrency == 1 else "prefork"
    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", f"--pool={pool}",
                     "--without-gossip", "--without-mingle", "-n", f"hunter-{os.getpid()}@%h", "-Q", queues])


def beat_command() -> None:
    """Run the scheduler (periodic rescans, stalled-job sweeper)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from leadhunter.jobs.celery_app import app

    schedule = settings.data_dir / "celerybeat-schedule"
    app.Beat(loglevel="INFO", schedule=str(schedule)).run()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database(), revision)
    typer.echo(f"database at {revision}")
