"""The HTTP side of the Dataverse adapter: configuration, one authenticated call, metadata and lookups.

Every request goes through the shared `HttpPolicy` (token, `client-request-id`, 429 / 5xx retries with
backoff and full jitter, one token refresh on 401) over a `GatedTransport` (the org's shared `SendGate`:
pause-all on 429 and the in-flight cap) that records each HTTP exchange as an `Attempt`. A call never
raises for an HTTP answer: it returns a `CallResult` holding the final answer or the error that stopped
it, plus every attempt, so the service can audit each one.
"""

from __future__ import annotations

import random as _random
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from leadhunter.integrations.common.errors import ConfigurationError, IntegrationError, ProtocolError
from leadhunter.integrations.common.http_policy import CLIENT_REQUEST_ID, HttpPolicy, RetryPolicy, make_http_client
from leadhunter.integrations.common.send_gate import Attempt, AttemptLog, GatedTransport, SendGate, gate_for
from leadhunter.integrations.common.tokens import Authority, TokenProvider, client_credentials_provider

from .errors import error_for
from .mapping import MappingConfig, OrgMetadata
from .payloads import API_PATH, ENTITY_SET, base_headers, filter_eq, lead_path, request_id_of

__all__ = ["CallResult", "Connection", "D365Config"]

LEAD_DEFINITION = "/EntityDefinitions(LogicalName='lead')"
KEYS_QUERY = LEAD_DEFINITION + "?$select=LogicalName&$expand=Keys($select=KeyAttributes,EntityKeyIndexStatus)"
COLUMNS_QUERY = LEAD_DEFINITION + "/Attributes?$select=LogicalName"
CHOICES_QUERY = (LEAD_DEFINITION + "/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
                 "?$select=LogicalName&$expand=OptionSet($select=Options)")  # fmt: skip


@dataclass(frozen=True)
class D365Config:
    """How to reach one Dataverse org. Times in seconds.

    `org_url`: the environment URL, e.g. `https://contoso.crm.dynamics.com` (token scope `<org_url>/.default`).
    `authority_host`: Entra host (the fake's base URL in tests); `verify` / `authority_verify`: True or a
    CA bundle path for Dataverse / Entra (`authority_verify` defaults to `verify`).
    `alternate_key`: True/False forces the upsert mode; None (default) asks the org whether an Active
    alternate key on the domain column exists. `changeset_size` (default 100) operations per `$batch`
    change set; `max_in_flight` (default 8, the service allows 52 per user) requests in flight per org
    in this process; `lookup_chunk` (50) domains per `$filter` lookup; `max_gate_wait` (300) longest
    pause-all wait before giving up with `ThrottledError`.
    """

    org_url: str
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    authority_host: str = "https://login.microsoftonline.com"
    verify: bool | str = True
    authority_verify: bool | str | None = None
    alternate_key: bool | None = None
    changeset_size: int = 100
    max_in_flight: int = 8
    lookup_chunk: int = 50
    max_gate_wait: float = 300.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    mapping: MappingConfig = field(default_factory=MappingConfig)

    def __post_init__(self) -> None:
        if not self.org_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"the D365 org URL must be an http(s) URL, not {self.org_url!r}")
        if not 1 <= self.changeset_size <= 1000:
            raise ConfigurationError("changeset_size must be 1–1000 (a $batch holds at most 1000 requests)")
        if self.max_in_flight < 1 or self.lookup_chunk < 1:
            raise ConfigurationError("max_in_flight and lookup_chunk must be >= 1")

    @property
    def org(self) -> str:
        """The org URL without a trailing slash."""
        return self.org_url.rstrip("/")

    @property
    def scope(self) -> str:
        """The app-only token scope: `<org>/.default`."""
        return f"{self.org}/.default"


@dataclass(frozen=True)
class CallResult:
    """One logical call: the final `response` (any status), or the `error` that stopped it (retry budget
    spent, token refused, pause too long); `attempts` lists every HTTP exchange made for it."""

    response: httpx.Response | None
    error: IntegrationError | None
    attempts: tuple[Attempt, ...]

    @property
    def status(self) -> int | None:
        """HTTP status of the final answer (the error's status when there is none)."""
        if self.response is not None:
            return self.response.status_code
        return self.error.status if self.error is not None else None

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.response is not None and self.response.is_success

    @property
    def request_id(self) -> str | None:
        """Dataverse's request id of the final answer, else our `client-request-id`."""
        if self.response is not None:
            return request_id_of(self.response.headers, self.response.request.headers.get(CLIENT_REQUEST_ID))
        if self.error is not None and self.error.request_id:
            return self.error.request_id
        return self.attempts[-1].client_request_id if self.attempts else None

    @property
    def duration_ms(self) -> float:
        """Milliseconds spent in HTTP exchanges (waits between retries excluded)."""
        return round(sum(a.duration_ms for a in self.attempts), 3)

    def json(self) -> Any:
        """The decoded body; ProtocolError when absent or not JSON."""
        if self.response is None:
            raise ProtocolError("no answer to decode", request_id=self.request_id)
        try:
            return self.response.json()
        except ValueError as exc:
            raise ProtocolError("Dataverse answered with a body that is not JSON", status=self.status,
                                request_id=self.request_id) from exc  # fmt: skip


def _ssl(verify: bool | str) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def odata_query(**options: str) -> str:
    """`?$name=value&…` with values percent-encoded (spaces as %20, quotes and parentheses kept)."""
    return "?" + "&".join(f"${name}={quote(value, safe=chr(39) + '(),=')}" for name, value in options.items())


class Connection:
    """Authenticated calls to one org. Thread-safe; share one per org per process and `close()` it.

    Injectables (keyword arguments): `token_provider` (default: the process-wide MSAL client-credentials
    provider for the org's scope), `gate` (default: the org's process-wide `SendGate`), `transport`
    (default: httpx over TLS with `verify`), and `sleep` / `random` / `now` for the retry policy.
    """

    def __init__(
        self,
        config: D365Config,
        *,
        token_provider: TokenProvider | None = None,
        gate: SendGate | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.now = now
        self.gate = gate or gate_for(config.org, max_in_flight=config.max_in_flight, max_wait=config.max_gate_wait)
        self.attempt_log = AttemptLog()
        if token_provider is None:
            verify = config.verify if config.authority_verify is None else config.authority_verify
            authority = Authority.for_tenant(config.tenant_id, host=config.authority_host, verify=verify)
            token_provider = client_credentials_provider(client_id=config.client_id, client_secret=config.client_secret,
                                                         authority=authority, scope=config.scope)  # fmt: skip
        self.token_provider = token_provider
        inner = transport or httpx.HTTPTransport(
            verify=_ssl(config.verify),
            limits=httpx.Limits(max_connections=config.max_in_flight, max_keepalive_connections=config.max_in_flight),
        )
        self.http = make_http_client(base_url=config.org, connect_timeout=config.connect_timeout,
                                     read_timeout=config.read_timeout, max_connections=config.max_in_flight,
                                     transport=GatedTransport(inner, self.gate, self.attempt_log))  # fmt: skip
        self.policy = HttpPolicy(self.http, name="d365", retry=config.retry, token_provider=token_provider,
                                 sleep=sleep, random=random, now=now)  # fmt: skip
        self._alternate_key: bool | None = config.alternate_key

    # ---- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- calls ----------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> CallResult:
        """Send `method` to `<org>/api/data/v9.2<path>` (`path` may carry a query) and return the result.

        Every call Hunter makes is safe to repeat (reads, conditional PATCHes, `$batch` of those,
        DELETE), so 5xx and network failures are retried for all of them.
        """
        outgoing = {**base_headers(), **(headers or {})}
        with self.attempt_log.collect() as attempts:
            try:
                response = self.policy.send(method, API_PATH + path, headers=outgoing, json=json, content=content,
                                            idempotent=True)  # fmt: skip
            except IntegrationError as exc:
                return CallResult(None, exc, tuple(attempts))
        return CallResult(response, None, tuple(attempts))

    def lead_url(self, lead_id: str) -> str:
        """The lead's page in Dynamics: `<org>/main.aspx?pagetype=entityrecord&etn=lead&id=<id>`."""
        return f"{self.config.org}/main.aspx?pagetype=entityrecord&etn=lead&id={lead_id}"

    def delete_lead(self, lead_id: str) -> CallResult:
        """Delete one lead (only `hunter d365 check` does this, for its own test lead)."""
        return self.call("DELETE", lead_path(lead_id))

    # ---- metadata -------------------------------------------------------------------------------

    def _get_json(self, path: str, trail: list[Attempt] | None = None) -> tuple[Any, CallResult]:
        result = self.call("GET", path)
        if trail is not None:
            trail.extend(result.attempts)
        if result.error is not None:
            raise result.error
        if not result.ok:
            raise error_for(result.status, f"GET {path.split('?')[0]} failed", request_id=result.request_id)
        return result.json(), result

    def active_keys(self, trail: list[Attempt] | None = None) -> tuple[tuple[str, ...], ...]:
        """The lead table's alternate keys whose index is Active, each as its column tuple."""
        document, _ = self._get_json(KEYS_QUERY, trail)
        keys = document.get("Keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise ProtocolError("EntityDefinitions answer without Keys")
        return tuple(tuple(k.get("KeyAttributes") or ()) for k in keys
                     if isinstance(k, dict) and k.get("EntityKeyIndexStatus") == "Active")  # fmt: skip

    def uses_alternate_key(self, trail: list[Attempt] | None = None) -> bool:
        """True when pushes upsert by the alternate key on the domain column (configured or discovered once).

        The discovery's HTTP exchanges (first call only) are appended to `trail`.
        """
        if self._alternate_key is None:
            self._alternate_key = (self.config.mapping.domain_column,) in self.active_keys(trail)
        return self._alternate_key

    def org_metadata(self) -> OrgMetadata:
        """Columns, choice values and active keys of the org's lead table (three metadata reads)."""
        columns_doc, _ = self._get_json(COLUMNS_QUERY)
        choices_doc, _ = self._get_json(CHOICES_QUERY)
        columns = frozenset(str(a.get("LogicalName")) for a in _values(columns_doc))
        choices = {
            str(a.get("LogicalName")): frozenset(int(o["Value"]) for o in (a.get("OptionSet") or {}).get("Options", []))
            for a in _values(choices_doc)
        }
        return OrgMetadata(columns, choices, self.active_keys())

    # ---- lookups --------------------------------------------------------------------------------

    def find_lead_ids(
        self, column: str, values: Iterable[str], *, only_unclaimed: bool = False, trail: list[Attempt] | None = None
    ) -> dict[str, str]:
        """Map each of `values` (lower-cased) found in `column` to a lead id (the oldest when several match).

        One GET per `lookup_chunk` values (`$filter=c eq 'a' or c eq 'b' …`). `only_unclaimed` keeps
        leads whose domain column is empty (for the e-mail fallback: never take another domain's lead).
        Raises the shared-tree error when a lookup fails. Each HTTP exchange is appended to `trail`.
        """
        wanted = sorted({v.lower() for v in values})
        domain_column = self.config.mapping.domain_column
        found: dict[str, str] = {}
        for start in range(0, len(wanted), self.config.lookup_chunk):
            chunk = wanted[start : start + self.config.lookup_chunk]
            condition = " or ".join(filter_eq(column, v) for v in chunk)
            if only_unclaimed:
                condition = f"({condition}) and {domain_column} eq null"
            query = odata_query(select=f"leadid,{column}", filter=condition, orderby="createdon asc")
            document, _ = self._get_json(f"/{ENTITY_SET}{query}", trail)
            for row in _values(document):
                value, lead_id = row.get(column), row.get("leadid")
                if isinstance(value, str) and isinstance(lead_id, str):
                    # Dataverse compares text case-insensitively; so do the keys of the answer.
                    found.setdefault(value.lower(), lead_id.lower())
        return found


def _values(document: Any) -> list[dict[str, Any]]:
    rows = document.get("value") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise ProtocolError("OData collection answer without a value array")
    return [row for row in rows if isinstance(row, dict)]
