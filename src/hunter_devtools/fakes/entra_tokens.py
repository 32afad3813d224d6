"""Token half of the fake Entra ID: registered apps, device codes, access and refresh tokens.

`TokenIssuer` answers the v2.0 `/token` and `/devicecode` endpoints (spec §1) as `(status, body)` pairs and
remembers every access token it minted, so other fakes (Partner Center, Dataverse) can check bearer
tokens with `valid_token`. Tokens are JWT-shaped (header.claims.signature, base64url) so client code
that decodes claims keeps working, but nothing is signed: the registry is the only source of truth.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .entra_documents import JsonDict, aad_error

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
VERIFICATION_URI = "https://microsoft.com/devicelogin"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
Reply = tuple[int, JsonDict]
_MISSING_PARAMETER = "The request body must contain the following parameter: {}."


@dataclass
class _App:
    client_id: str
    secret: str | None


@dataclass
class _DeviceGrant:
    user_code: str
    device_code: str
    client_id: str
    tenant_id: str | None  # None when started on /common or /organizations: decided at approval
    scopes: list[str]
    expires_at: float  # epoch seconds
    status: str = "pending"  # pending | approved | declined | redeemed
    username: str = ""
    polls: int = 0  # token-endpoint polls seen for this code


@dataclass
class _RefreshGrant:
    client_id: str
    tenant_id: str
    username: str
    scopes: list[str]
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False


@dataclass
class _AccessToken:
    claims: JsonDict
    expires_at: float  # epoch seconds


def b64url(data: bytes) -> str:
    """Return `data` base64url-encoded without padding (JWT segments, `client_info`)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64json(value: JsonDict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def user_oid(tenant_id: str, username: str) -> str:
    """Return the stable object id the fake gives `username` in `tenant_id` (same user, same oid)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/{username.lower()}"))


def _audience(scope: str) -> str:
    """Return the resource a scope belongs to: `https://x/.default` and `https://x/name` → `https://x`."""
    return scope.rsplit("/", 1)[0] if "://" in scope else "https://graph.microsoft.com"


class TokenIssuer:
    """Mints and checks tokens; thread-safe. Lifetimes are in seconds and may be changed at any time."""

    def __init__(self) -> None:
        self.token_lifetime = 3599  # seconds, `expires_in` of every access and id token
        self.device_code_lifetime = 900  # seconds, `expires_in` of a device code
        self.device_poll_interval = 5  # seconds, `interval` MSAL waits between polls
        self._lock = threading.Lock()
        self._apps: dict[str, _App] = {}
        self._devices: dict[str, _DeviceGrant] = {}  # by user code
        self._refresh: dict[str, _RefreshGrant] = {}  # by refresh token
        self._access: dict[str, _AccessToken] = {}  # by access token

    # ---- registration and switches -------------------------------------------------------------

    def add_app(self, client_id: str, secret: str | None = None) -> None:
        """Register an app; `secret=None` makes it a public client (device code and refresh only)."""
        with self._lock:
            self._apps[client_id] = _App(client_id, secret)

    def device_tenant(self, user_code: str) -> str | None:
        """Return the tenant a pending device code was started in (None for /common); KeyError if unknown."""
        with self._lock:
            return self._devices[user_code].tenant_id

    def set_device_status(self, user_code: str, status: str, *, tenant_id: str = "", username: str = "") -> None:
        """Approve or decline a pending device code as the user would in the browser."""
        with self._lock:
            grant = self._devices[user_code]
            if grant.status != "pending":
                raise ValueError(f"device code {user_code} is already {grant.status}")
            grant.status, grant.username = status, username
            grant.tenant_id = tenant_id or grant.tenant_id

    def pending_user_codes(self) -> list[str]:
        """User codes of device sign-ins still waiting for the person, oldest first."""
        with self._lock:
            return [g.user_code for g in self._devices.values() if g.status == "pending"]

    def note_device_poll(self, device_code: str) -> tuple[str, int] | None:
        """Count one poll for ``device_code``; ``(user code, polls so far)`` while still pending, else None."""
        with self._lock:
            grant = next((g for g in self._devices.values() if g.device_code == device_code), None)
            if grant is None:
                return None
            grant.polls += 1
            return (grant.user_code, grant.polls) if grant.status == "pending" else None

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token issued so far fail with `invalid_grant` (AADSTS700082)."""
        with self._lock:
            for grant in self._refresh.values():
                grant.revoked = True

    def expire_all_tokens(self) -> None:
        """Make every access token issued so far invalid for `valid_token` (refresh tokens stay valid)."""
        now = time.time()
        with self._lock:
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)

    def token_claims(self, token: str) -> JsonDict | None:
        """Return the claims of an access token this issuer minted, or None (expired ones included)."""
        token = token.removeprefix("Bearer ").strip()
        with self._lock:
            found = self._access.get(token)
            return dict(found.claims) if found else None

    def valid_token(self, token: str, *, audience: str | None = None) -> bool:
        """True if `token` (`Bearer ` prefix allowed) was minted here, is unexpired, and is for `audience`."""
        token = token.removeprefix("Bearer ").strip()
        with self._lock:
            found = self._access.get(token)
            if found is None or found.expires_at <= time.time():
                return False
            aud = str(found.claims.get("aud", ""))
        return audience is None or aud.rstrip("/").lower() == audience.rstrip("/").lower()

    # ---- endpoints ------------------------------------------------------------------------------

    def device_code(self, tenant_id: str | None, form: dict[str, str], correlation_id: str) -> Reply:
        """Answer `POST /{tenant}/oauth2/v2.0/devicecode`."""
        client_id = form.get("client_id", "")
        with self._lock:
            if (problem := self._check_client(client_id, None, False, tenant_id, correlation_id)) is not None:
                return problem
            if not form.get("scope"):
                return _missing("scope", correlation_id)
            user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
            grant = _DeviceGrant(
                user_code=user_code,
                device_code="DAQABIQEAAAB" + secrets.token_urlsafe(96),
                client_id=client_id,
                tenant_id=tenant_id,
                scopes=form["scope"].split(),
                expires_at=time.time() + self.device_code_lifetime,
            )
            self._devices[user_code] = grant
        message = (
            f"To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code "
            f"{user_code} to authenticate."
        )
        return 200, {
            "user_code": user_code,
            "device_code": grant.device_code,
            "verification_uri": VERIFICATION_URI,
            "expires_in": self.device_code_lifetime,
            "interval": self.device_poll_interval,
            "message": message,
        }

    def token(self, tenant_id: str | None, form: dict[str, str], correlation_id: str, issuer_base: str) -> Reply:
        """Answer `POST /{tenant}/oauth2/v2.0/token`; `tenant_id` is None for /common and /organizations."""
        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        with self._lock:
            need_secret = grant_type == "client_credentials"
            problem = self._check_client(client_id, form.get("client_secret"), need_secret, tenant_id, correlation_id)
            if problem is not None:
                return problem
            if grant_type == "client_credentials":
                return self._client_credentials(client_id, tenant_id, form, correlation_id)
            if grant_type == DEVICE_CODE_GRANT:
                return self._redeem_device_code(client_id, form, correlation_id, issuer_base)
            if grant_type == "refresh_token":
                return self._redeem_refresh_token(client_id, form, correlation_id, issuer_base)
        if not grant_type:
            return _missing("grant_type", correlation_id)
        message = f"The provided value for the input parameter 'grant_type' is not valid: {grant_type}."
        return 400, aad_error("unsupported_grant_type", 70003, message, correlation_id=correlation_id)

    # ---- grants (called with the lock held) -----------------------------------------------------

    def _check_client(
        self, client_id: str, secret: str | None, need_secret: bool, tenant_id: str | None, corr: str
    ) -> Reply | None:
        if not client_id:
            return _missing("client_id", corr)
        app = self._apps.get(client_id)
        if app is None:
            message = (
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant_id or 'common'}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant."
            )
            return 400, aad_error("unauthorized_client", 700016, message, correlation_id=corr)
        if secret is not None and (app.secret is None or not hmac.compare_digest(secret, app.secret)):
            message = (
                "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                f"secret value, not the client secret ID, for a secret added to app '{client_id}'."
            )
            return 401, aad_error("invalid_client", 7000215, message, correlation_id=corr)
        if need_secret and secret is None:
            message = _MISSING_PARAMETER.format("'client_assertion' or 'client_secret'")
            return 401, aad_error("invalid_client", 7000218, message, correlation_id=corr)
        return None

    def _client_credentials(self, client_id: str, tenant_id: str | None, form: dict[str, str], corr: str) -> Reply:
        if tenant_id is None:
            message = (
                "No tenant-identifying information found in either the request or implied by any provided credentials."
            )
            return 400, aad_error("invalid_request", 50059, message, correlation_id=corr)
        scopes = form.get("scope", "").split()
        if not scopes:
            return _missing("scope", corr)
        if len(scopes) > 1 or not scopes[0].endswith("/.default"):
            message = (
                f"The provided value for scope {' '.join(scopes)} is not valid. Client credential flows must "
                "have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            )
            return 400, aad_error("invalid_scope", 1002012, message, correlation_id=corr)
        app_oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/app/{client_id}"))
        claims = {"aud": _audience(scopes[0]), "appid": client_id, "idtyp": "app", "oid": app_oid,
                  "sub": app_oid, "roles": []}  # fmt: skip
        access_token, lifetime = self._mint_access_token(tenant_id, claims)
        return 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                     "access_token": access_token}  # fmt: skip

    def _redeem_device_code(self, client_id: str, form: dict[str, str], corr: str, issuer_base: str) -> Reply:
        code = form.get("device_code", "")
        grant = next((g for g in self._devices.values() if g.device_code == code), None)
        if grant is None or grant.client_id != client_id or grant.status == "redeemed":
            message = "The provided value for the input parameter 'device_code' is not valid."
            return 400, aad_error("bad_verification_code", 70000, message, correlation_id=corr)
        if grant.status == "declined":
            message = "The user has declined the authorization request."
            return 400, aad_error("authorization_declined", 70000, message, correlation_id=corr)
        if grant.expires_at <= time.time():
            message = (
                "The provided value for the input parameter 'device_code' is not valid. This device code has expired."
            )
            return 400, aad_error("expired_token", 70020, message, correlation_id=corr)
        if grant.status == "pending":
            message = "OAuth 2.0 device flow error. Authorization is pending. Continue polling."
            return 400, aad_error("authorization_pending", 70016, message, correlation_id=corr)
        grant.status = "redeemed"
        assert grant.tenant_id is not None  # set_device_status fills it in on approval
        return 200, self._user_tokens(client_id, grant.tenant_id, grant.username, grant.scopes, issuer_base)

    def _redeem_refresh_token(self, client_id: str, form: dict[str, str], corr: str, issuer_base: str) -> Reply:
        grant = self._refresh.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id != client_id:
            message = "Invalid request. Request is malformed or invalid."
            return 400, aad_error("invalid_grant", 9002313, message, correlation_id=corr)
        if grant.revoked:
            issued = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(grant.issued_at))
            message = (
                f"The refresh token has expired due to inactivity. The token was issued on {issued} "
                "and was inactive for 90.00:00:00."
            )
            return 400, aad_error("invalid_grant", 700082, message, correlation_id=corr)
        scopes = form["scope"].split() if form.get("scope") else grant.scopes
        return 200, self._user_tokens(client_id, grant.tenant_id, grant.username, scopes, issuer_base)

    def _user_tokens(
        self, client_id: str, tenant_id: str, username: str, scopes: list[str], issuer_base: str
    ) -> JsonDict:
        oid = user_oid(tenant_id, username)
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        short_names = " ".join(s.rsplit("/", 1)[-1] for s in resource_scopes)
        audience = _audience(resource_scopes[0]) if resource_scopes else "https://graph.microsoft.com"
        claims = {"aud": audience, "appid": client_id, "idtyp": "user", "oid": oid, "sub": oid,
                  "upn": username, "unique_name": username, "name": username.partition("@")[0],
                  "scp": short_names}  # fmt: skip
        access_token, lifetime = self._mint_access_token(tenant_id, claims)
        now = int(time.time())
        id_claims = {"aud": client_id, "iss": f"{issuer_base}/{tenant_id}/v2.0", "iat": now, "nbf": now,
                     "exp": now + lifetime, "name": claims["name"], "oid": oid,
                     "preferred_username": username, "sub": oid, "tid": tenant_id, "ver": "2.0"}  # fmt: skip
        body: JsonDict = {
            "token_type": "Bearer",
            "scope": " ".join(resource_scopes) or "openid profile",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }
        if "offline_access" in scopes:
            refresh_token = "1.AQ" + secrets.token_urlsafe(96)
            self._refresh[refresh_token] = _RefreshGrant(client_id, tenant_id, username, list(scopes))
            body["refresh_token"] = refresh_token
        if "openid" in scopes:
            body["id_token"] = f"{_b64json({'typ': 'JWT', 'alg': 'none'})}.{_b64json(id_claims)}."
        body["client_info"] = _b64json({"uid": oid, "utid": tenant_id})
        return body

    def _mint_access_token(self, tenant_id: str, claims: dict[str, Any]) -> tuple[str, int]:
        lifetime = int(self.token_lifetime)
        now = int(time.time())
        full = {"iss": f"https://sts.windows.net/{tenant_id}/", "iat": now, "nbf": now, "exp": now + lifetime,
                "tid": tenant_id, "ver": "1.0", **claims}  # fmt: skip
        header = {"typ": "JWT", "alg": "RS256", "kid": "fake-entra"}
        token = f"{_b64json(header)}.{_b64json(full)}.{secrets.token_urlsafe(32)}"
        self._access[token] = _AccessToken(full, time.time() + lifetime)  # float: sub-second lifetimes work
        return token, lifetime


def _missing(parameter: str, corr: str) -> Reply:
    message = _MISSING_PARAMETER.format(f"'{parameter}'")
    return 400, aad_error("invalid_request", 900144, message, correlation_id=corr)
