"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, FastAPI
from kombu.connection import Connection
from kombu.exceptions import OperationalError as BrokerError

from leadhunter.api.access import enforce_route_role
from leadhunter.api.activity_log import ActivityLog
from leadhunter.api.body_limit import BodyLimit
from leadhunter.api.dispatch import Dispatch, Redispatcher
from leadhunter.api.errors import install_error_handlers
from leadhunter.api.host_guard import HostOriginGuard, allowed_hosts, trusted_origins
from leadhunter.api.key_gate import KeyGate, RateLimiter
from leadhunter.api.observe import ObserveMiddleware
from leadhunter.api.query_params import reject_repeated_query
from leadhunter.api.routers import admin as admin_routes
from leadhunter.api.routers import (
    alert_targets,
    alerts,
    brief,
    d365,
    dashboard,
    ingest,
    integrations,  # issue 16
    jobs,
    lead_marks,
    leads,
    notes,
    ops,
    referrals,
    web,
)
from leadhunter.api.routers import auth as auth_routes
from leadhunter.api.session_gate import SessionGate
from leadhunter.config import Settings
from leadhunter.jobs.d365_runtime import init_sentry
from leadhunter.runtime import session_factory


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
    """Build the app. ``dispatch`` enqueues one (job, chunk) (default: the Celery task).

    The request path, outermost first: :class:`ObserveMiddleware` (request id, security headers, metrics,
    access log, 500s in the error shape) → :class:`HostOriginGuard` (Host names, cross-site writes) →
    :class:`SessionGate` (signed-in session and CSRF token, ``HUNTER_AUTH_MODE=entra``) → :class:`KeyGate` (API
    key and rate limit) → :class:`ActivityLog` (who did what) → :class:`BodyLimit` → the routes, where
    :func:`enforce_route_role` checks the caller's role against ``api/route_roles.py``. Each refuses before the body
    is read. There is no ``/docs`` page (Swagger UI would load from a CDN that the CSP blocks): the schema is
    at ``/openapi.json``.
    """
    settings = settings or Settings()
    init_sentry(settings)
    app = FastAPI(title="Hunter", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Lead intelligence: domains in, scored and explained leads out.",
                  dependencies=[Depends(reject_repeated_query), Depends(enforce_route_role)])
    app.state.settings = settings
    app.state.session_factory = session_factory(settings.database(), lock_wait_seconds=settings.db_lock_wait_seconds)
    app.state.dispatch = dispatch or _default_dispatch
    app.state.redispatch = Redispatcher(app.state.dispatch)  # chunks a broker outage refused, sent again
    app.state.broker_probe = broker_probe or broker_probe_for(settings.broker())
    app.state.rate_limiter = RateLimiter()
    install_error_handlers(app)
    app.include_router(lead_marks.router)
    app.include_router(notes.router)
    for router in (leads.router, jobs.router, ingest.router, alerts.router, ops.router, referrals.router, d365.router,
                   brief.router, web.router):
        app.include_router(router)
    app.include_router(alert_targets.router)  # admin only (api/route_roles.py)
    app.include_router(admin_routes.router)
    app.include_router(auth_routes.router)
    app.include_router(dashboard.router)
    app.include_router(integrations.router)  # issue 16: the Integrations page's own facts
    # add_middleware puts each new one outside the previous: listed innermost first
    app.add_middleware(BodyLimit, json_limit=settings.max_json_kb * 1024,
                       upload_limit=settings.max_upload_mb * 1024 * 1024)
    app.add_middleware(ActivityLog, factory=app.state.session_factory)
    app.add_middleware(KeyGate, settings=settings, factory=app.state.session_factory, limiter=app.state.rate_limiter)
    app.add_middleware(SessionGate, settings=settings, factory=app.state.session_factory)
    app.add_middleware(HostOriginGuard, hosts=allowed_hosts(settings), origins=trusted_origins(settings))
    app.add_middleware(ObserveMiddleware)
    return app
