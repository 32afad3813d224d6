"""A fake Microsoft Entra ID that is a real HTTP(S) server on 127.0.0.1, for the test suite.

It speaks the contract in `shared/specs/entra-auth.md`: tenant discovery by domain (§6: OIDC metadata and
`getuserrealm.srf`), OIDC discovery for MSAL (§3), and the v2.0 token and device-code endpoints (§1)
for client credentials, device code and refresh token grants. MSAL is pointed at it through
configuration, never patched (§5 Option B)::

    with EntraServer(tls=True) as entra:
        entra.add_tenant(TID, ["contoso.com"], brand="Contoso")
        entra.add_app("app-id", "s3cret")
        session = requests.Session(); session.trust_env = False; session.verify = entra.ca_file
        app = msal.ConfidentialClientApplication("app-id", client_credential="s3cret",
            authority=f"{entra.base_url}/{TID}", instance_discovery=False, http_client=session)

Tenants, apps, fault switches and lifetimes can be changed while the server runs; every request is
logged in `requests`. Lifecycle and TLS live in `loopback_http.py`, token logic in `entra_tokens.py`,
response bodies in `entra_documents.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from . import entra_documents as docs
from .entra_documents import JsonDict, Tenant
from .entra_tokens import TokenIssuer
from .loopback_http import JSON_CONTENT_TYPE, LoopbackHTTPServer, RecordedRequest, Reply, json_reply

__all__ = ["EntraServer", "RecordedRequest"]

FAULT_KINDS = frozenset({"500", "503", "429", "bad_json", "drop"})  # + "slow:<seconds>", "429:<seconds>"
DEFAULT_RETRY_AFTER = 1  # seconds sent in `Retry-After` by a bare "429" fault
_DISCOVERY_HEADERS = {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"}
_TOKEN_HEADERS = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
_DocumentBuilder = Callable[[str, str, str, "str | None"], JsonDict]


@dataclass
class _Fault:
    target: str  # "/path/prefix" or a domain / tenant segment (lower case)
    kind: str
    remaining: int | None  # None: until clear_faults()


class EntraServer(LoopbackHTTPServer):
    """Fake Entra ID on an ephemeral 127.0.0.1 port; use as a context manager or call start()/stop().

    `tls=True` serves HTTPS with a fresh self-signed certificate (`ca_file`), or `certificate=(cert, key)`
    PEM paths to share one CA between fakes. `advertised_base` is the base URL written into discovery
    documents and id tokens (default: `base_url`); `https://login.microsoftonline.com` suits spec §5
    Option A (plain-HTTP fake behind a URL-rewriting session).
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        certificate: tuple[str, str] | None = None,
        advertised_base: str | None = None,
    ) -> None:
        super().__init__(tls=tls, certificate=certificate)
        self.advertised_base = advertised_base
        self.tokens = TokenIssuer()
        self._tenants: dict[str, Tenant] = {}  # by tenant id (lower case)
        self._domains: dict[str, str] = {}  # domain → tenant id
        self._faults: list[_Fault] = []
        self._auto_approve: tuple[str | None, int] | None = None  # (username, polls answered pending first)
        self.delay = 0.0  # seconds added to every answer (a far-away service), faults included

    # ---- registration and switches --------------------------------------------------------------

    def add_tenant(
        self,
        tenant_id: str,
        domains: list[str],
        namespace: str = "Managed",
        brand: str | None = None,
        region: str = "WW",
        auth_url: str | None = None,
    ) -> None:
        """Register (or replace) a tenant and its verified domains; `namespace` is Managed or Federated
        (`auth_url`: the federated IdP's sign-in URL; default an AD FS one on sts.<domain>)."""
        if namespace not in docs.NAMESPACE_TYPES:
            raise ValueError(f"namespace must be one of {sorted(docs.NAMESPACE_TYPES)}, not {namespace!r}")
        tenant = Tenant(tenant_id.lower(), tuple(d.lower().rstrip(".") for d in domains), namespace, brand, region,
                        auth_url)
        with self._lock:
            self._tenants[tenant.tenant_id] = tenant
            for stale in [d for d, tid in self._domains.items() if tid == tenant.tenant_id]:
                del self._domains[stale]  # a replaced tenant keeps only the domains given now
            for domain in tenant.domains:
                self._domains[domain] = tenant.tenant_id

    def add_app(self, client_id: str, secret: str | None = None) -> None:
        """Register an app; `secret=None` makes it a public client (device code and refresh only)."""
        self.tokens.add_app(client_id, secret)

    def fault(self, target: str, kind: str, *, times: int | None = None) -> None:
        """Break requests whose path starts with `target` ("/x/...") or that name a domain/tenant `target`.

        `kind`: "500", "503", "429" (Retry-After 1 s; "429:<s>" sets it), "slow:<seconds>" (answer late),
        "bad_json" (200 with a truncated JSON body), "drop" (close the connection without answering).
        The fault applies to the next `times` matching requests, or until clear_faults() when None.
        """
        name, _, arg = kind.partition(":")
        if not (kind in FAULT_KINDS or (name in ("slow", "429") and arg.replace(".", "", 1).isdigit())):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults.append(_Fault(target if target.startswith("/") else target.lower(), kind, times))

    def clear_faults(self) -> None:
        """Remove every fault switch."""
        with self._lock:
            self._faults.clear()

    @property
    def token_lifetime(self) -> int:
        """Seconds an access token (and id token) lives; 3599 by default."""
        return self.tokens.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.tokens.token_lifetime = seconds

    @property
    def device_poll_interval(self) -> int:
        """Seconds MSAL waits between device-code polls (`interval`); 5 by default, as the real service."""
        return self.tokens.device_poll_interval

    @device_poll_interval.setter
    def device_poll_interval(self, seconds: int) -> None:
        self.tokens.device_poll_interval = seconds

    def approve_device(self, user_code: str, *, username: str | None = None) -> None:
        """Complete a device code sign-in as `username` (default `user@<first domain of the tenant>`).

        A flow started on /common or /organizations signs in to the tenant owning the username's domain.
        """
        with self._lock:
            tenant_id = self.tokens.device_tenant(user_code)
            if tenant_id is None:
                tenant_id = self._domains.get((username or "").rpartition("@")[2].lower())
                if tenant_id is None:
                    raise ValueError(f"no registered tenant owns the domain of {username!r}")
            tenant = self._tenants[tenant_id]
            default = f"user@{tenant.domains[0] if tenant.domains else tenant_id}"
        self.tokens.set_device_status(user_code, "approved", tenant_id=tenant_id, username=username or default)

    def auto_approve_devices(self, *, username: str | None = None, after_polls: int = 1) -> None:
        """Approve every device sign-in by itself: the first ``after_polls`` polls get
        ``authorization_pending``, the next one the tokens (for CLI logins that only print the code)."""
        with self._lock:
            self._auto_approve = (username, after_polls)

    def stop_auto_approve(self) -> None:
        """Leave device sign-ins pending again until approve_device() or decline_device()."""
        with self._lock:
            self._auto_approve = None

    def pending_user_codes(self) -> list[str]:
        """User codes of device sign-ins waiting for approval, oldest first."""
        return self.tokens.pending_user_codes()

    def decline_device(self, user_code: str) -> None:
        """Make the next poll for `user_code` fail with `authorization_declined`."""
        self.tokens.set_device_status(user_code, "declined")

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token issued so far fail with 400 invalid_grant (AADSTS700082)."""
        self.tokens.revoke_refresh_tokens()

    def expire_all_tokens(self) -> None:
        """Make every access token issued so far fail `valid_token` (refresh tokens stay valid)."""
        self.tokens.expire_all_tokens()

    def valid_token(self, token: str, *, audience: str | None = None) -> bool:
        """True if this server minted `token` (`Bearer ` prefix allowed), unexpired, for `audience`."""
        return self.tokens.valid_token(token, audience=audience)

    def token_claims(self, token: str) -> JsonDict | None:
        """The claims of an access token minted here (`aud`, `tid`, `appid`, `scp`, `exp`, ...), or None."""
        return self.tokens.token_claims(token)

    # ---- request handling (handler threads) -----------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply | None:
        """Apply a matching fault, then route; None means drop the connection unanswered."""
        if self.delay > 0 and self.sleep(self.delay):
            return None
        with self._lock:
            fault = self._take_fault(request)
        if fault is not None:
            kind, _, arg = fault.kind.partition(":")
            if kind == "slow":
                if self.sleep(float(arg)):
                    return None
            elif kind == "drop":
                return None
            elif kind == "bad_json":
                return Reply(200, b'{"token_endpoint": "https://127.0.0.1/', {"Content-Type": JSON_CONTENT_TYPE})
            else:
                return self._fault_reply(int(kind), int(arg or DEFAULT_RETRY_AFTER), request)
        return self._route(request)

    def _take_fault(self, request: RecordedRequest) -> _Fault | None:
        segment = request.path.strip("/").split("/", 1)[0].lower()
        login_domain = request.query.get("login", "").rpartition("@")[2].lower()
        for fault in self._faults:
            if fault.target.startswith("/"):
                hit = request.path.startswith(fault.target)
            else:
                hit = fault.target in (segment, login_domain)
            if hit:
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def _fault_reply(self, status: int, retry_after: int, request: RecordedRequest) -> Reply:
        corr = request.headers.get("client-request-id")
        if status == 500:
            body = docs.aad_error("server_error", 50000, "There was an error issuing a token.", correlation_id=corr)
            return json_reply(500, body)
        message = "A transient error has occurred. Please try again."
        body = docs.aad_error("temporarily_unavailable", 90033, message, correlation_id=corr)
        return json_reply(status, body, {"Retry-After": str(retry_after)})

    def _route(self, request: RecordedRequest) -> Reply:
        segments = request.path.strip("/").split("/")
        corr = request.headers.get("client-request-id") or str(uuid.uuid4())
        base = self.advertised_base or self.base_url
        match request.method, segments:
            case "GET", ["getuserrealm.srf"]:
                login = request.query.get("login", "")
                with self._lock:
                    tenant = self._tenant_for(login.rpartition("@")[2])
                return json_reply(200, docs.user_realm(login, tenant), {"Cache-Control": "no-store, no-cache"})
            case "GET", ["common", "discovery", "instance"]:
                body = docs.instance_discovery(base, request.query.get("authorization_endpoint", ""))
                return json_reply(200, body, _DISCOVERY_HEADERS)
            case "GET", [segment, ".well-known", "openid-configuration"]:
                return self._discovery(docs.oidc_v1, base, segment, corr)
            case "GET", [segment, "v2.0", ".well-known", "openid-configuration"]:
                return self._discovery(docs.oidc_v2, base, segment, corr)
            case "POST", [segment, "oauth2", "v2.0", ("token" | "devicecode") as endpoint]:
                multi = segment.lower() in ("common", "organizations")
                with self._lock:
                    tenant = None if multi else self._tenant_for(segment)
                if tenant is None and not multi:
                    return json_reply(400, docs.tenant_not_found(segment, error="invalid_request", correlation_id=corr))
                tenant_id = tenant.tenant_id if tenant else None
                if endpoint == "token":
                    self._maybe_auto_approve(request.form)
                    status, body = self.tokens.token(tenant_id, request.form, corr, base)
                else:
                    status, body = self.tokens.device_code(tenant_id, request.form, corr)
                return json_reply(status, body, _TOKEN_HEADERS)
        return json_reply(404, {"error": "not_found", "error_description": f"no route for {request.path}"})

    def _maybe_auto_approve(self, form: dict[str, str]) -> None:
        with self._lock:
            auto = self._auto_approve
        if auto is None or form.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code":
            return
        polled = self.tokens.note_device_poll(form.get("device_code", ""))
        if polled is not None and polled[1] > auto[1]:
            self.approve_device(polled[0], username=auto[0])

    def _discovery(self, build: _DocumentBuilder, base: str, segment: str, corr: str) -> Reply:
        issuer_tenant = docs.MULTI_TENANT_ISSUERS.get(segment.lower())
        if issuer_tenant is not None:
            return json_reply(200, build(base, segment.lower(), issuer_tenant, None), _DISCOVERY_HEADERS)
        with self._lock:
            tenant = self._tenant_for(segment)
        if tenant is None:
            return json_reply(400, docs.tenant_not_found(segment, correlation_id=corr))
        body = build(base, tenant.tenant_id, tenant.tenant_id, tenant.region)
        return json_reply(200, body, _DISCOVERY_HEADERS)

    def _tenant_for(self, segment: str) -> Tenant | None:
        """The tenant named by a GUID or verified domain (call with the lock held)."""
        key = segment.lower().rstrip(".")
        return self._tenants.get(self._domains.get(key, key))
