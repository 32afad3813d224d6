"""The FastAPI application factory."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from kombu.connection import Connection
from kombu.exceptions import OperationalError as BrokerError

from leadhunter.api.deps import RateLimiter
from leadhunter.api.errors import install_error_handlers
from leadhunter.api.metrics import HTTP_LATENCY
from leadhunter.api.routers import alerts, d365, ingest, jobs, leads, ops, referrals, web
from leadhunter.config import Settings
from leadhunter.runtime import session_factory

Dispatch = Callable[[int, int], None]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def broker_probe_for(url: str) -> Callable[[], str]:
    """A readiness probe that connects to the broker with a one-second budget."""

    def probe() -> str:
        try:
            with Connection(url, connect_timeout=1, transport_options={"max_retries": 0}) as conn:  # type: ignore[no-untyped-call]
                conn.ensure_connection(max_retries=1, timeout=1)
        except (BrokerError, OSError) as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    return probe


def _default_dispatch(job_id: int, chunk: int) -> None:
    from leadhunter.jobs.tasks import dispatch_chunk  # imported lazily: builds the Celery app from settings

    dispatch_chunk(job_id, chunk)


def create_app(settings: Settings | None = None, *, dispatch: Dispatch | None = None,
               broker_probe: Callable[[], str] | None = None) -> FastAPI:
    """Build the app. ``dispatch`` enqueues one (job, chunk) (default: the Celery task)."""
    settings = settings or Settings()
    app = FastAPI(title="Hunter", version="0.1.0",
                  description="Lead intelligence: domains in, scored and explained leads out.")
    app.state.settings = settings
    app.state.session_factory = session_factory(settings.database(), lock_wait_seconds=settings.db_lock_wait_seconds)
    app.state.dispatch = dispatch or _default_dispatch
    app.state.broker_probe = broker_probe or broker_probe_for(settings.broker())
    app.state.rate_limiter = RateLimiter()
    install_error_handlers(app)
    for router in (leads.router, jobs.router, ingest.router, alerts.router, ops.router, referrals.router, d365.router,
                   web.router):
        app.include_router(router)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        HTTP_LATENCY.labels(request.method, route, str(response.status_code)).observe(time.perf_counter() - start)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
