"""Bearer tokens from Microsoft Entra ID through MSAL (shared/specs/entra-auth.md §2, §5).

``TokenProvider`` is the small interface the HTTP policy needs: ``token()`` returns a current access
token (cached; a network call only when needed) and ``invalidate(token)`` forgets it after a 401 so the
next ``token()`` fetches a fresh one. Two implementations:

* ``ClientCredentialsTokenProvider`` — app-only (Dataverse): one ``ConfidentialClientApplication`` per
  authority/client/scope, shared by the whole process through ``client_credentials_provider()``; a lock
  serialises acquisition so concurrent callers never stampede the token endpoint.
* ``DelegatedTokenProvider`` — app+user (Partner Center Referrals): a ``PublicClientApplication`` with a
  ``SerializableTokenCache`` persisted to a file created with mode 0600 (``token_cache.TokenCacheFile``),
  silent acquisition (refresh token) for every call, and ``login()`` running the device-code flow. It
  raises ``SignInRequired`` whenever a person has to sign in again.

MSAL is pointed at a non-Microsoft host (the tests' fake) through ``Authority`` — an https URL, a CA
bundle for ``verify`` and ``instance_discovery=False`` — never by patching.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import msal
import requests

from .errors import AuthError, ConfigurationError, CredentialsRejected, SignInRequired, TransientError
from .token_cache import TokenCacheFile

__all__ = [
    "Authority",
    "ClientCredentialsTokenProvider",
    "DelegatedTokenProvider",
    "DeviceCodePrompt",
    "StaticTokenProvider",
    "TokenProvider",
    "client_credentials_provider",
]

log = logging.getLogger("leadhunter.integrations.tokens")

DEFAULT_LOGIN_HOST = "https://login.microsoftonline.com"
# Entra error codes that mean "a person must sign in again", as opposed to a broken app registration.
_SIGN_IN_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required", "login_required"})
_APP_ERRORS = frozenset({"invalid_client", "unauthorized_client", "invalid_scope", "invalid_request"})
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error"})


class TokenProvider(Protocol):
    """Hands out bearer tokens for one resource."""

    def token(self) -> str:
        """A current access token (no ``Bearer `` prefix). Raises ``AuthError`` / ``TransientError``."""
        ...

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token`` when given), e.g. after an HTTP 401."""
        ...


class StaticTokenProvider:
    """A fixed token; for tests and for callers that obtained a token elsewhere. ``invalidate`` is a no-op."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.invalidations = 0

    def token(self) -> str:
        """Return the fixed token."""
        return self.value

    def invalidate(self, token: str | None = None) -> None:
        """Count the call; the token cannot change."""
        self.invalidations += 1


@dataclass(frozen=True)
class Authority:
    """Where MSAL gets tokens.

    ``url`` is ``https://login.microsoftonline.com/<tenant id | domain | organizations>`` in production
    or ``https://127.0.0.1:<port>/<tenant>`` for the fake (MSAL refuses plain http). ``verify`` is True
    or a CA bundle path. ``instance_discovery`` must be False for hosts Microsoft does not know (the
    fake), otherwise MSAL asks login.microsoftonline.com about them. ``timeout`` in seconds per request.
    """

    url: str
    verify: bool | str = True
    instance_discovery: bool = True
    timeout: float = 10.0

    @classmethod
    def for_tenant(cls, tenant: str, *, host: str = DEFAULT_LOGIN_HOST, verify: bool | str = True) -> Authority:
        """The authority of ``tenant`` on ``host``; discovery is skipped for any non-Microsoft host."""
        host = host.rstrip("/")
        return cls(f"{host}/{tenant}", verify=verify, instance_discovery=host == DEFAULT_LOGIN_HOST)

    def http_session(self) -> requests.Session:
        """A ``requests`` session for MSAL honouring ``verify`` and ``timeout``.

        ``trust_env`` is off when a CA bundle is given because ``REQUESTS_CA_BUNDLE`` in the environment
        would otherwise silently replace it (entra-auth.md §5).
        """
        return _TimeoutSession(self.timeout, self.verify)

    def msal_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by both MSAL application types."""
        if not self.url.startswith("https://"):
            raise ConfigurationError(f"the authority must be an https URL, not {self.url!r}")
        return {"authority": self.url, "http_client": self.http_session(),
                "instance_discovery": self.instance_discovery}  # fmt: skip


class _TimeoutSession(requests.Session):
    def __init__(self, timeout: float, verify: bool | str) -> None:
        super().__init__()
        self.verify = verify
        self.trust_env = verify is True
        self._timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


def _raise_for_result(result: dict[str, Any] | None, *, what: str, delegated: bool) -> str:
    """The access token in an MSAL result dict, or the matching error from the tree."""
    if result and "access_token" in result:
        return str(result["access_token"])
    if not result:
        raise SignInRequired(f"{what}: not signed in; run the device-code login first")
    code = str(result.get("error", "unknown_error"))
    codes = result.get("error_codes") or []
    detail = f"{what}: Entra refused the token request ({code}{f' AADSTS{codes[0]}' if codes else ''})"
    if code in _TRANSIENT_ERRORS:
        raise TransientError(detail, code=code)
    if delegated and code in _SIGN_IN_ERRORS:
        raise SignInRequired(detail + "; sign in again", code=code)
    if code in _APP_ERRORS or code in _SIGN_IN_ERRORS:
        raise CredentialsRejected(detail, code=code)
    raise AuthError(detail, code=code)


class ClientCredentialsTokenProvider:
    """App-only tokens (client credentials) for ``scope`` (``https://<org>.crm.dynamics.com/.default``).

    Prefer ``client_credentials_provider()``, which shares one instance per process. The MSAL app is
    built on first use (MSAL fetches discovery eagerly; constructing this object does no I/O).
    """

    def __init__(self, *, client_id: str, client_secret: str, authority: Authority, scope: str) -> None:
        if not client_id or not client_secret:
            raise ConfigurationError("client credentials need a client id and a client secret")
        if not scope.endswith("/.default"):
            raise ConfigurationError(f"an app-only scope must end in /.default, not {scope!r}")
        self.client_id = client_id
        self.scope = scope
        self.authority = authority
        self._secret = client_secret
        self._lock = threading.Lock()
        self._app: msal.ConfidentialClientApplication | None = None
        self._current: str | None = None
        self.acquisitions = 0  # tokens fetched from the identity provider (not the cache)

    def token(self) -> str:
        """A current app-only token; MSAL's cache answers until five minutes before expiry."""
        with self._lock:
            try:
                app = self._application()
                result = app.acquire_token_for_client(scopes=[self.scope])
            except requests.RequestException as exc:
                raise TransientError(f"token endpoint unreachable ({type(exc).__name__})") from exc
            if result and result.get("token_source") == "identity_provider":
                self.acquisitions += 1
            self._current = _raise_for_result(result, what="client credentials", delegated=False)
            return self._current

    def invalidate(self, token: str | None = None) -> None:
        """Drop the cached app token so the next ``token()`` asks Entra (skipped if ``token`` is stale)."""
        with self._lock:
            if self._app is None or (token is not None and token != self._current):
                return  # another caller already replaced it
            self._app.remove_tokens_for_client()
            self._current = None

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self._secret, **self.authority.msal_kwargs()
                )
            except ValueError as exc:  # unknown tenant or malformed authority: discovery refused it
                raise ConfigurationError(f"unusable authority {self.authority.url}: {exc}") from exc
        return self._app


_SHARED: dict[tuple[str, str, str, str], ClientCredentialsTokenProvider] = {}
_SHARED_LOCK = threading.Lock()


def client_credentials_provider(
    *, client_id: str, client_secret: str, authority: Authority, scope: str
) -> ClientCredentialsTokenProvider:
    """The process-wide provider for these credentials (created on first call, then reused)."""
    secret_hash = hashlib.sha256(client_secret.encode()).hexdigest()
    key = (authority.url, client_id, scope, secret_hash)
    with _SHARED_LOCK:
        provider = _SHARED.get(key)
        if provider is None or provider.authority != authority:
            provider = ClientCredentialsTokenProvider(
                client_id=client_id, client_secret=client_secret, authority=authority, scope=scope
            )
            _SHARED[key] = provider
        return provider


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What the person must do: open ``verification_uri`` and type ``user_code`` within ``expires_in`` s."""

    verification_uri: str
    user_code: str
    message: str
    expires_in: int


def print_prompt(prompt: DeviceCodePrompt) -> None:
    """Default prompt: print the URL and code to stdout (the CLI's device-code login)."""
    print(prompt.message, flush=True)  # the device-code flow is interactive by nature


class DelegatedTokenProvider:
    """App+user tokens from a persisted MSAL cache; ``login()`` runs the device-code flow.

    ``scopes`` e.g. ``["https://api.partner.microsoft.com/user_impersonation"]``. ``cache_path`` is
    written atomically with mode 0600 and re-read when another process (the CLI login) changed it.
    ``username`` picks one account when several signed in (default: the first).
    """

    def __init__(
        self,
        *,
        client_id: str,
        authority: Authority,
        scopes: Sequence[str],
        cache_path: Path,
        username: str | None = None,
    ) -> None:
        if not client_id:
            raise ConfigurationError("delegated sign-in needs a client id (a public client app registration)")
        self.client_id = client_id
        self.authority = authority
        self.scopes = list(scopes)
        self.username = username
        self._lock = threading.Lock()
        self._cache_file = TokenCacheFile(Path(cache_path))
        self._app: msal.PublicClientApplication | None = None
        self._force_refresh = False
        self._current: str | None = None

    @property
    def cache_path(self) -> Path:
        """The token cache file (JSON, mode 0600)."""
        return self._cache_file.path

    # ---- TokenProvider -------------------------------------------------------------------------

    def token(self) -> str:
        """A current token: from the cache, or redeemed with the refresh token. Raises ``SignInRequired``."""
        with self._lock:
            self._cache_file.reload_if_changed()
            app = self._application()
            accounts = app.get_accounts(username=self.username)
            if not accounts:
                raise SignInRequired("not signed in: run `hunter partner-center login` (device-code sign-in)")
            try:
                result = app.acquire_token_silent_with_error(
                    self.scopes, account=accounts[0], force_refresh=self._force_refresh
                )
            except requests.RequestException as exc:
                raise TransientError(f"token endpoint unreachable ({type(exc).__name__})") from exc
            finally:
                self._cache_file.persist()
            token = _raise_for_result(result, what="delegated sign-in", delegated=True)
            self._force_refresh = False
            self._current = token
            return token

    def invalidate(self, token: str | None = None) -> None:
        """Make the next ``token()`` redeem the refresh token instead of reusing the cached access token."""
        with self._lock:
            if token is None or token == self._current:
                self._force_refresh = True

    # ---- sign-in management --------------------------------------------------------------------

    def login(
        self,
        *,
        prompt: Callable[[DeviceCodePrompt], None] = print_prompt,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> str:
        """Run the device-code flow: show the URL and code through ``prompt``, wait for the person, save.

        Waits at most ``timeout`` seconds (default: the code's own lifetime, 15 min) or until ``cancel``
        is set. Returns the signed-in username. Raises ``SignInRequired`` when declined or expired.
        """
        with self._lock:
            self._cache_file.reload_if_changed()
            app = self._application()
        try:
            flow = app.initiate_device_flow(scopes=self.scopes)
        except requests.RequestException as exc:
            raise TransientError(f"device-code endpoint unreachable ({type(exc).__name__})") from exc
        if "user_code" not in flow:
            _raise_for_result(flow, what="device-code sign-in", delegated=False)
        if timeout is not None:
            flow["expires_at"] = min(float(flow["expires_at"]), time.time() + timeout)
        prompt(DeviceCodePrompt(str(flow["verification_uri"]), str(flow["user_code"]), str(flow["message"]),
                                int(flow.get("expires_in", 900))))  # fmt: skip

        def stop(current: dict[str, Any]) -> bool:
            return bool(cancel is not None and cancel.is_set()) or float(current.get("expires_at", 0)) < time.time()

        try:
            result = app.acquire_token_by_device_flow(flow, exit_condition=stop)
        except requests.RequestException as exc:
            raise TransientError(f"token endpoint unreachable ({type(exc).__name__})") from exc
        with self._lock:
            self._cache_file.persist()
            if result and "access_token" in result:
                self._force_refresh = False
                self._current = str(result["access_token"])
                claims = result.get("id_token_claims") or {}
                username = str(claims.get("preferred_username") or "")
                log.info("device-code sign-in completed")  # who signed in is personal data: not logged
                return username
        code = str((result or {}).get("error", "unknown_error"))
        raise SignInRequired(f"device-code sign-in did not complete ({code})", code=code)

    def signed_in_user(self) -> str | None:
        """The username of the cached account, or None when nobody is signed in (no network)."""
        with self._lock:
            self._cache_file.reload_if_changed()
            accounts = self._application().get_accounts(username=self.username)
        return str(accounts[0].get("username")) if accounts else None

    def logout(self) -> None:
        """Forget every cached account and delete the cache file."""
        with self._lock:
            self._cache_file.reload_if_changed()
            app = self._application()
            for account in app.get_accounts():
                app.remove_account(account)
            self._cache_file.delete()
            self._current = None

    # ---- internals (lock held) -----------------------------------------------------------------

    def _application(self) -> msal.PublicClientApplication:
        if self._app is None:
            try:
                self._app = msal.PublicClientApplication(
                    self.client_id, token_cache=self._cache_file.cache, **self.authority.msal_kwargs()
                )
            except ValueError as exc:
                raise ConfigurationError(f"unusable authority {self.authority.url}: {exc}") from exc
            except requests.RequestException as exc:
                raise TransientError(f"authority unreachable ({type(exc).__name__})") from exc
        return self._app
