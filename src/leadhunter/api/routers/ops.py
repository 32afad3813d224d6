"""Health checks and Prometheus metrics. Readiness asks the database and the broker only — never an
external API, so a Partner Center or Dynamics outage can never make Hunter look down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from leadhunter.api.metrics import REGISTRY, refresh_from_database

router = APIRouter(tags=["ops"])


@router.get("/healthz/live")
def live() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/healthz/ready", responses={503: {"description": "The database or the broker is unreachable",
                                               "content": {"application/json": {}}}})
def ready(request: Request) -> JSONResponse:
    """Database and broker reachable (each within its own short timeout)."""
    checks: dict[str, Any] = {}
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    probe = request.app.state.broker_probe
    checks["broker"] = probe()
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Prometheus text format: scans, lookups by outcome, job durations, HTTP latencies."""
    with request.app.state.session_factory() as session:
        refresh_from_database(session)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
