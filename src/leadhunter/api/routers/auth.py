"""Sign-in pages (``HUNTER_AUTH_MODE=entra``): ``/auth/login`` starts an OIDC sign-in with Entra ID,
``/auth/callback`` finishes it (``response_mode=query``: a same-site GET, so the SameSite=Lax login cookie comes
along), ``POST /auth/logout`` ends the session (CSRF token required, like every state-changing request).

Cookies: ``hunter_session`` (HttpOnly, SameSite=Lax, Secure except on plain-HTTP loopback) holds the session;
``hunter_csrf`` (readable by the page, same flags otherwise) the token the UI echoes in ``X-CSRF-Token``;
``hunter_login`` (HttpOnly, 10 minutes) binds a sign-in attempt to the browser that started it. Each sign-in
gets a new session id (no fixation): a session cookie present before is revoked.
"""

from __future__ import annotations

import html
import logging
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leadhunter.api.deps import SessionDep, SettingsDep
from leadhunter.api.errors import ApiError
from leadhunter.api.host_guard import LOOPBACK_NAMES
from leadhunter.api.session_gate import CSRF_COOKIE, LOGIN_COOKIE, SESSION_COOKIE
from leadhunter.config import Settings
from leadhunter.domain.access import parse_group_roles
from leadhunter.integrations.entra_signin.client import EntraSignin, SigninConfig
from leadhunter.integrations.entra_signin.errors import SigninError
from leadhunter.services import activity, signin, user_sessions

log = logging.getLogger(__name__)
router = APIRouter(tags=["auth"], include_in_schema=False)
LOGIN_COOKIE_SECONDS = user_sessions.ATTEMPT_SECONDS


def signin_client(request: Request, settings: Settings) -> EntraSignin:
    """The app's Entra sign-in client (built once); 404 unless ``HUNTER_AUTH_MODE=entra``."""
    if settings.auth_mode != "entra":
        raise ApiError(404, "not_found", "sign-in with Entra ID is off (HUNTER_AUTH_MODE is not entra)")
    client: EntraSignin | None = getattr(request.app.state, "entra_signin", None)
    if client is None:
        secret = settings.entra_client_secret.get_secret_value() if settings.entra_client_secret else None
        client = EntraSignin(SigninConfig(
            authority=settings.entra_authority, tenants=[t.strip().lower() for t in settings.entra_tenants.split(",")
                                                         if t.strip()],
            client_id=settings.entra_client_id, client_secret=secret, certificate=settings.entra_client_certificate,
            ca_file=settings.entra_ca_file, graph_url=settings.entra_graph_url,
            want_groups=bool(settings.entra_group_roles.strip())))
        request.app.state.entra_signin = client
    return client


def redirect_uri(request: Request, settings: Settings) -> str:
    """The callback address: configured, else the public URL's, else this request's own origin."""
    if settings.entra_redirect_url:
        return settings.entra_redirect_url
    if settings.public_url:
        return f"{settings.public_url}/auth/callback"
    return str(request.url_for("auth_callback"))


def secure_cookies(request: Request) -> bool:
    """Secure cookies everywhere but plain HTTP on a loopback name (a browser would not send them back)."""
    return not (request.url.scheme == "http" and (request.url.hostname or "") in LOOPBACK_NAMES)


def _page(status: int, title: str, message: str) -> HTMLResponse:
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>Hunter — {html.escape(title)}</title>"
            f"<body><main data-testid=auth-page><h1>{html.escape(title)}</h1><p data-testid=auth-message>"
            f"{html.escape(message)}</p><p><a href=\"/auth/login\" data-testid=auth-retry>Sign in again</a></p>"
            "</main></body></html>")
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/auth/login")
def login(request: Request, session: SessionDep, settings: SettingsDep,
          next: Annotated[str | None, Query(max_length=512)] = None) -> Response:
    """Start a sign-in: 303 to Entra's authorize page; ``next`` (a path on this site) is where to return."""
    client = signin_client(request, settings)
    browser_secret = secrets.token_urlsafe(32)
    try:
        url = signin.begin(session, client, browser_secret=browser_secret, return_to=next,
                           redirect_uri=redirect_uri(request, settings))
    except SigninError as exc:
        log.warning("sign-in could not start: %s", exc)
        return _page(502, "Sign-in unavailable", str(exc))
    session.commit()
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(LOGIN_COOKIE, browser_secret, max_age=LOGIN_COOKIE_SECONDS, path="/auth/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.get("/auth/callback", name="auth_callback")
async def callback(request: Request, settings: SettingsDep,
                   state: Annotated[str, Query(max_length=200)] = "", code: Annotated[str, Query(max_length=4096)] = "",
                   error: Annotated[str, Query(max_length=200)] = "",
                   error_description: Annotated[str, Query(max_length=1000)] = "") -> Response:
    """Finish a sign-in: new session, cookies set, 303 to where the person was going."""
    client = signin_client(request, settings)
    if error:
        return _page(403, "Sign-in refused", f"Entra ID refused the sign-in: {error} {error_description[:300]}")
    policy = signin.RolePolicy(parse_group_roles(settings.entra_group_roles), settings.first_admin,
                               settings.entra_default_role)
    old = request.cookies.get(SESSION_COOKIE)
    try:
        done = await run_in_threadpool(_finish, request, settings, client, policy, state, code, old)
    except SigninError as exc:
        log.warning("sign-in refused (%s): %s", exc.reason, exc)
        return _page(403, "Sign-in refused", f"{exc} ({exc.reason})")
    response = RedirectResponse(done.return_to, status_code=303, headers={"Cache-Control": "no-store"})
    secure = secure_cookies(request)
    max_age = int(settings.session_absolute_hours * 3600)
    response.set_cookie(SESSION_COOKIE, done.token, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=secure)
    response.set_cookie(CSRF_COOKIE, done.csrf_token, max_age=max_age, path="/", httponly=False, samesite="lax",
                        secure=secure)
    response.delete_cookie(LOGIN_COOKIE, path="/auth/", httponly=True, samesite="lax", secure=secure)
    return response


def _finish(request: Request, settings: Settings, client: EntraSignin, policy: signin.RolePolicy, state: str,
            code: str, old_token: str | None) -> signin.Finished:
    factory = request.app.state.session_factory
    with factory() as session:
        try:
            if old_token:  # a cookie set before sign-in (perhaps planted) never becomes the signed-in session
                user_sessions.revoke_token(session, old_token)
            done = signin.finish(session, client, policy, state=state, code=code,
                                 browser_secret=request.cookies.get(LOGIN_COOKIE), redirect_uri=redirect_uri(
                                     request, settings), absolute=timedelta(hours=settings.session_absolute_hours))
        except SigninError as exc:
            session.rollback()
            signin.refuse(session, exc)
            session.commit()
            raise
        session.commit()
        return done


@router.post("/auth/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End this browser's session (the session gate has checked the CSRF token) and forget the cookies."""
    token = request.cookies.get(SESSION_COOKIE)
    actor = getattr(request.state, "actor", None)
    if token and user_sessions.revoke_token(session, token):
        activity.record(session, actor=getattr(actor, "name", "anonymous"), role=getattr(actor, "role", None),
                        action="signout")
        session.commit()
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    secure = secure_cookies(request)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(CSRF_COOKIE, path="/", httponly=False, samesite="lax", secure=secure)
    return response
