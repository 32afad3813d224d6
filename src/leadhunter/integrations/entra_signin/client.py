"""The HTTP side of sign-in with Entra ID: OIDC discovery, the authorize URL (code + PKCE S256,
``response_mode=query`` so the callback is a same-site GET that carries SameSite=Lax cookies), the code
redemption at the token endpoint (client secret, or a certificate's ``private_key_jwt`` assertion), the JWKS
(cached; fetched again when a key id is unknown), and Microsoft Graph's ``checkMemberGroups`` for tokens that
name their groups by reference (group overage).

Single tenant: everything goes through ``<authority>/<tenant>``. Several tenants: through
``<authority>/organizations``, whose issuer is a template filled with the token's tenant.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from leadhunter.integrations.entra_signin.errors import SigninError
from leadhunter.integrations.entra_signin.id_token import validate_id_token

TIMEOUT_SECONDS = 10.0
DISCOVERY_TTL_SECONDS = 3600.0
SCOPES = "openid profile email"
GRAPH_SCOPE = "https://graph.microsoft.com/GroupMember.Read.All"


def pkce_pair() -> tuple[str, str]:
    """(code verifier, S256 code challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class SigninConfig:
    """What the app registration is: ``authority`` (host, no tenant), allowed ``tenants`` (ids), ``client_id``,
    ``client_secret`` or ``certificate`` (PEM with key and certificate), ``ca_file`` (tests), ``graph_url``,
    and whether to ask Graph for group membership (``want_groups``: group roles are mapped)."""

    authority: str
    tenants: list[str]
    client_id: str
    client_secret: str | None = None
    certificate: Path | None = None
    ca_file: str | None = None
    graph_url: str = "https://graph.microsoft.com"
    want_groups: bool = False
    timeout: float = TIMEOUT_SECONDS

    @property
    def segment(self) -> str:
        """The authority path segment: the tenant, or ``organizations`` when several are allowed."""
        return self.tenants[0] if len(self.tenants) == 1 else "organizations"


@dataclass
class _Cache:
    discovery: dict[str, Any] | None = None
    discovery_at: float = 0.0
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys_at: float = 0.0


class EntraSignin:
    """One per app (thread-safe caches of the discovery document and the keys)."""

    def __init__(self, config: SigninConfig) -> None:
        if not config.client_id or not config.tenants:
            raise SigninError("configuration", "HUNTER_ENTRA_CLIENT_ID and HUNTER_ENTRA_TENANTS must be set")
        if not config.client_secret and config.certificate is None:
            raise SigninError("configuration", "set HUNTER_ENTRA_CLIENT_SECRET or HUNTER_ENTRA_CLIENT_CERTIFICATE")
        self.config = config
        self._lock = threading.Lock()
        self._cache = _Cache()

    def _client(self) -> httpx.Client:
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=self.config.ca_file) \
            if self.config.ca_file else True
        return httpx.Client(timeout=self.config.timeout, verify=verify, trust_env=False)

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._client() as client:
                response = client.get(url, headers={"Accept": "application/json"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SigninError(what, f"{what} could not be read from Entra: {type(exc).__name__}") from None
        if response.status_code != 200 or not isinstance(body, dict):
            raise SigninError(what, f"{what}: Entra answered HTTP {response.status_code}")
        return body

    def discovery(self) -> dict[str, Any]:
        """The OIDC discovery document of the authority (cached :data:`DISCOVERY_TTL_SECONDS`)."""
        with self._lock:
            cached = self._cache.discovery
            if cached is not None and time.monotonic() - self._cache.discovery_at < DISCOVERY_TTL_SECONDS:
                return cached
        url = f"{self.config.authority.rstrip('/')}/{self.config.segment}/v2.0/.well-known/openid-configuration"
        doc = self._get_json(url, "discovery")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "issuer"):
            if not isinstance(doc.get(name), str):
                raise SigninError("discovery", f"the discovery document has no {name}")
        with self._lock:
            self._cache.discovery, self._cache.discovery_at = doc, time.monotonic()
        return doc

    def authorize_url(self, *, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str:
        """Where to send the browser to sign in."""
        params = {"client_id": self.config.client_id, "response_type": "code", "redirect_uri": redirect_uri,
                  "response_mode": "query", "scope": self._scopes(), "state": state, "nonce": nonce,
                  "code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{self.discovery()['authorization_endpoint']}?{urlencode(params)}"

    def _scopes(self) -> str:
        return f"{SCOPES} {GRAPH_SCOPE}" if self.config.want_groups else SCOPES

    def redeem(self, *, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer for the authorization ``code`` (``id_token``, maybe ``access_token``)."""
        endpoint = str(self.discovery()["token_endpoint"])
        form = {"client_id": self.config.client_id, "grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": code_verifier, "scope": self._scopes()}
        form.update(self._client_auth(endpoint))
        try:
            with self._client() as client:
                response = client.post(endpoint, data=form, headers={"Accept": "application/json"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SigninError("token_endpoint", f"the token endpoint did not answer: {type(exc).__name__}") from None
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            raise SigninError("token_endpoint", f"the code was not redeemed (HTTP {response.status_code}, {error})")
        return body

    def _client_auth(self, audience: str) -> dict[str, str]:
        """The client credential: the secret, or a signed assertion for the certificate (``x5t`` = SHA-1
        thumbprint, as Entra expects)."""
        if self.config.client_secret:
            return {"client_secret": self.config.client_secret}
        assert self.config.certificate is not None
        pem = self.config.certificate.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        cert = x509.load_pem_x509_certificate(pem)
        thumb = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).rstrip(b"=").decode()  # noqa: S303
        now = int(time.time())
        claims = {"aud": audience, "iss": self.config.client_id, "sub": self.config.client_id,
                  "jti": str(uuid.uuid4()), "nbf": now, "iat": now, "exp": now + 600}
        assertion = jwt.encode(claims, key, algorithm="RS256", headers={"x5t": thumb})  # type: ignore[arg-type]
        return {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion}

    def signing_key(self, kid: str, refresh: bool) -> Mapping[str, Any] | None:
        """The JWK with id ``kid`` (``refresh``: read the JWKS again first, at most once a minute)."""
        with self._lock:
            stale = not self._cache.keys or (refresh and time.monotonic() - self._cache.keys_at > 60)
        if stale:
            body = self._get_json(str(self.discovery()["jwks_uri"]), "jwks")
            keys = {str(k.get("kid")): k for k in body.get("keys", []) if isinstance(k, dict)}
            with self._lock:
                self._cache.keys, self._cache.keys_at = keys, time.monotonic()
        with self._lock:
            return self._cache.keys.get(kid)

    def validate(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The verified claims of ``id_token`` (see :mod:`.id_token`)."""
        return validate_id_token(id_token, keys=self.signing_key, issuer_template=str(self.discovery()["issuer"]),
                                 client_id=self.config.client_id, nonce=nonce,
                                 tenants={t.lower() for t in self.config.tenants})

    def member_of(self, access_token: str, group_ids: list[str]) -> list[str]:
        """Which of ``group_ids`` the signed-in person is in, asked of Graph (``checkMemberGroups``, with the
        delegated token of this sign-in): the answer to a token whose ``groups`` claim overflowed."""
        if not group_ids:
            return []
        url = f"{self.config.graph_url.rstrip('/')}/v1.0/me/checkMemberGroups"
        found: list[str] = []
        with self._client() as client:
            for start in range(0, len(group_ids), 20):  # Graph takes at most 20 ids per call
                try:
                    response = client.post(url, json={"groupIds": group_ids[start:start + 20]},
                                           headers={"Authorization": f"Bearer {access_token}"})
                    body = response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise SigninError("graph", f"Graph did not answer the group check: {type(exc).__name__}") from None
                if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("value"), list):
                    raise SigninError("graph", f"Graph refused the group check (HTTP {response.status_code})")
                found += [str(g).lower() for g in body["value"]]
        return found
