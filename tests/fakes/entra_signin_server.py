"""A fake Entra ID for web sign-in (OIDC authorization code + PKCE), a real HTTPS server on 127.0.0.1.

Serves the v2.0 discovery document (the same builder as the tenant-discovery fake, `entra_documents.oidc_v2`),
`/{tenant}/oauth2/v2.0/authorize` as a login form (GET shows it, POST signs the named user in and redirects
to the app's `redirect_uri` with `code` and `state` in the query), the token endpoint (authorization_code with
client secret and PKCE S256 checked, answering RS256-signed ID tokens carrying `roles` / `groups` or the
group-overage reference), the JWKS, and Graph's `POST /v1.0/me/checkMemberGroups` for overage users.

Switches for the security tests: `next_id_token` (claims to change or drop in the next ID token: an expired
one, another audience, issuer, tenant or nonce) and `sign_next_with_stranger` (a key not in the JWKS)::

    with EntraSigninServer() as entra:
        entra.add_tenant(TID); entra.add_app("client", "secret", ["http://127.0.0.1:8000/auth/callback"])
        entra.add_user("ana@contoso.com", TID, roles=["Hunter.Seller"])
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from .entra_documents import MULTI_TENANT_ISSUERS, oidc_v2
from .loopback_http import LoopbackHTTPServer, RecordedRequest, Reply, json_reply

DROP = object()
"""Value in `next_id_token` that removes the claim."""
GRAPH_SCOPE = "https://graph.microsoft.com/GroupMember.Read.All"


@dataclass
class FakeUser:
    """A person who can sign in."""

    username: str
    tenant_id: str
    name: str
    roles: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    overage: bool = False  # the token names its groups by reference; Graph holds the list
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    scope: str
    user: FakeUser
    tenant_segment: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    return {"kty": "RSA", "use": "sig", "kid": kid, "alg": "RS256", "e": _b64url(numbers.e.to_bytes(3, "big")),
            "n": _b64url(numbers.n.to_bytes(size, "big"))}


class EntraSigninServer(LoopbackHTTPServer):
    """See the module docstring. HTTPS by default (`ca_file` is the certificate to trust)."""

    def __init__(self, *, tls: bool = True, certificate: tuple[str, str] | None = None) -> None:
        super().__init__(tls=tls, certificate=certificate)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-signin-key"
        self.tenants: set[str] = set()
        self.apps: dict[str, tuple[str, list[str]]] = {}
        self.users: dict[str, FakeUser] = {}
        self._codes: dict[str, _Code] = {}
        self._graph_tokens: dict[str, FakeUser] = {}
        self._state_lock = threading.Lock()
        self.next_id_token: dict[str, Any] = {}
        self.sign_next_with_stranger = False
        self.token_lifetime = 3600
        self.issued_id_tokens: list[str] = []
        self.certificates: dict[str, tuple[str, Any]] = {}  # x5t → (client id, public key)

    # ---- registration ----------------------------------------------------------------------------------

    def add_tenant(self, tenant_id: str) -> None:
        """Allow sign-ins to `tenant_id` (a GUID)."""
        self.tenants.add(tenant_id.lower())

    def add_app(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        """Register a web app with its secret and exact redirect URIs."""
        self.apps[client_id] = (secret, redirect_uris)

    def add_certificate(self, client_id: str, cert_pem: bytes) -> None:
        """Let `client_id` authenticate with a `private_key_jwt` assertion signed by this certificate's key
        (found by its SHA-1 thumbprint in the assertion's `x5t` header, as Entra does)."""
        cert = x509.load_pem_x509_certificate(cert_pem)
        thumb = _b64url(cert.fingerprint(hashes.SHA1()))
        self.certificates[thumb] = (client_id, cert.public_key())

    def add_user(self, username: str, tenant_id: str, *, roles: list[str] | None = None,
                 groups: list[str] | None = None, overage: bool = False, name: str | None = None) -> FakeUser:
        """Add a person to a tenant (app `roles`, `groups` ids; `overage`: groups only through Graph)."""
        user = FakeUser(username, tenant_id.lower(), name or username.split("@")[0].title(), roles or [],
                        groups or [], overage)
        self.users[username.lower()] = user
        return user

    # ---- requests ------------------------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply | None:
        segments = request.path.strip("/").split("/")
        match request.method, segments:
            case "GET", [seg, "v2.0", ".well-known", "openid-configuration"]:
                issuer_tenant = MULTI_TENANT_ISSUERS.get(seg.lower(), seg.lower())
                if seg.lower() not in self.tenants and seg.lower() not in MULTI_TENANT_ISSUERS:
                    return json_reply(400, {"error": "invalid_tenant"})
                return json_reply(200, oidc_v2(self.base_url, seg.lower(), issuer_tenant, "WW"))
            case "GET", [_seg, "discovery", "v2.0", "keys"]:
                return json_reply(200, {"keys": [_public_jwk(self.key, self.kid)]})
            case "GET", [seg, "oauth2", "v2.0", "authorize"]:
                return self._authorize_form(seg, request.query)
            case "POST", [seg, "oauth2", "v2.0", "authorize"]:
                return self._authorize_submit(seg, request.form)
            case "POST", [seg, "oauth2", "v2.0", "token"]:
                return self._token(seg, request.form)
            case "POST", ["v1.0", "me", "checkMemberGroups"]:
                return self._check_member_groups(request)
        return json_reply(404, {"error": "not_found"})

    def _authorize_problem(self, params: dict[str, str]) -> str | None:
        app = self.apps.get(params.get("client_id", ""))
        if app is None:
            return "unauthorized_client: AADSTS700016 application not found"
        if params.get("redirect_uri") not in app[1]:
            return "invalid_request: AADSTS50011 the redirect URI does not match"
        if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256":
            return "invalid_request: code flow with PKCE S256 required"
        if not params.get("code_challenge") or not params.get("state") or not params.get("nonce"):
            return "invalid_request: code_challenge, state and nonce are required"
        return None

    def _authorize_form(self, seg: str, query: dict[str, str]) -> Reply:
        problem = self._authorize_problem(query)
        if problem:
            return Reply(400, f"<p>{html.escape(problem)}</p>".encode(), {"Content-Type": "text/html"})
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        page = ("<!doctype html><html><head><title>Sign in to your account</title></head><body>"
                f'<form method="post" action="/{html.escape(seg)}/oauth2/v2.0/authorize">{hidden}'
                '<label>Email <input name="login" data-testid="entra-login" autocomplete="off"></label>'
                '<button type="submit" data-testid="entra-submit">Sign in</button></form></body></html>')
        return Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})

    def _authorize_submit(self, seg: str, form: dict[str, str]) -> Reply:
        problem = self._authorize_problem(form)
        if problem:
            return Reply(400, problem.encode(), {"Content-Type": "text/plain"})
        user = self.users.get(form.get("login", "").strip().lower())
        if user is None or (seg.lower() not in MULTI_TENANT_ISSUERS and user.tenant_id != seg.lower()):
            back = {"error": "access_denied", "error_description": "AADSTS50034 user not found", "state": form["state"]}
            return Reply(302, b"", {"Location": f"{form['redirect_uri']}?{urlencode(back)}"})
        code = secrets.token_urlsafe(24)
        with self._state_lock:
            self._codes[code] = _Code(form["client_id"], form["redirect_uri"], form["code_challenge"], form["nonce"],
                                      form.get("scope", ""), user, seg.lower())
        query = urlencode({"code": code, "state": form["state"]})
        return Reply(302, b"", {"Location": f"{form['redirect_uri']}?{query}", "Cache-Control": "no-store"})

    def _token(self, seg: str, form: dict[str, str]) -> Reply:
        app = self.apps.get(form.get("client_id", ""))
        if app is None or not (form.get("client_secret") == app[0] or self._assertion_ok(seg, form)):
            return json_reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215 bad secret"})
        if form.get("grant_type") != "authorization_code":
            return json_reply(400, {"error": "unsupported_grant_type"})
        with self._state_lock:
            found = self._codes.pop(form.get("code", ""), None)  # a code is good once
        if found is None or found.client_id != form["client_id"] or found.redirect_uri != form.get("redirect_uri"):
            return json_reply(400, {"error": "invalid_grant", "error_description": "AADSTS70008 bad code"})
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != found.challenge:
            return json_reply(400, {"error": "invalid_grant", "error_description": "AADSTS501481 PKCE mismatch"})
        body: dict[str, Any] = {"token_type": "Bearer", "expires_in": self.token_lifetime,
                                "scope": found.scope, "id_token": self._id_token(found)}
        if GRAPH_SCOPE in found.scope.split():
            access = secrets.token_urlsafe(24)
            with self._state_lock:
                self._graph_tokens[access] = found.user
            body["access_token"] = access
        return json_reply(200, body, {"Cache-Control": "no-store"})

    def _assertion_ok(self, seg: str, form: dict[str, str]) -> bool:
        """A client assertion signed by a registered certificate, for this client and this token endpoint."""
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return False
        assertion = form.get("client_assertion", "")
        try:
            found = self.certificates.get(str(jwt.get_unverified_header(assertion).get("x5t")))
            if found is None or found[0] != form.get("client_id"):
                return False
            claims = jwt.decode(assertion, found[1], algorithms=["RS256"],
                                audience=f"{self.base_url}/{seg}/oauth2/v2.0/token")
        except jwt.PyJWTError:
            return False
        return bool(claims.get("iss") == claims.get("sub") == found[0])

    def _id_token(self, code: _Code) -> str:
        user, now = code.user, int(time.time())
        claims: dict[str, Any] = {
            "aud": code.client_id, "iss": f"{self.base_url}/{user.tenant_id}/v2.0", "iat": now, "nbf": now,
            "exp": now + self.token_lifetime, "tid": user.tenant_id, "oid": user.oid, "sub": user.oid,
            "preferred_username": user.username, "name": user.name, "nonce": code.nonce, "ver": "2.0"}
        if user.roles:
            claims["roles"] = user.roles
        if user.overage:
            claims["_claim_names"] = {"groups": "src1"}
            claims["_claim_sources"] = {"src1": {"endpoint": f"{self.base_url}/v1.0/users/{user.oid}/getMemberObjects"}}
        elif user.groups:
            claims["groups"] = user.groups
        for name, value in self.next_id_token.items():
            if value is DROP:
                claims.pop(name, None)
            else:
                claims[name] = value
        self.next_id_token = {}
        key = self.stranger_key if self.sign_next_with_stranger else self.key
        self.sign_next_with_stranger = False
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        self.issued_id_tokens.append(token)
        return token

    def _check_member_groups(self, request: RecordedRequest) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        with self._state_lock:
            user = self._graph_tokens.get(token)
        if user is None:
            return json_reply(401, {"error": {"code": "InvalidAuthenticationToken"}})
        asked = json.loads(request.body or b"{}").get("groupIds", [])
        return json_reply(200, {"value": [g for g in asked if g.lower() in {x.lower() for x in user.groups}]})
