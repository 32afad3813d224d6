"""Partner Center Referrals client: ``GET /v1.0/engagements/referrals`` with paging and incremental reads.

Spec: shared/specs/partner-center-referrals.md. Delegated (app+user) tokens come from a ``TokenProvider``
(``DelegatedTokenProvider`` in production); the shared ``HttpPolicy`` adds the ``client-request-id``, the
client-side rate limit, the 429 / 5xx / network retries and the single silent refresh after a 401.

Incremental reads (§4: a date filter is undocumented) default to ``$orderby=updatedDateTime desc`` and stop
paging at the first referral last updated before ``since - overlap``; ``server_filter=True`` instead sends
``updatedDateTime ge <since - overlap>`` with ascending order (the fake supports both). Either way the
caller should move its watermark to the newest ``updatedDateTime`` seen **only after the iteration
finished**: with descending order the newest rows come first. Referrals are de-duplicated by id within
one iteration (rows that move between pages while paging), so each one is yielded at most once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self, cast
from urllib.parse import urljoin, urlsplit

import httpx

from leadhunter.integrations.common.http_policy import (
    HttpPolicy,
    RateLimiter,
    RetryPolicy,
    make_http_client,
    request_id_of,
)
from leadhunter.integrations.common.responses import read_json
from leadhunter.integrations.common.tokens import TokenProvider

from .errors import ProtocolError, ValidationError, error_for
from .payloads import ReferralPage, ReferralPayload, build_filter, parse_datetime, parse_page

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_OVERLAP",
    "PARTNER_CENTER_SCOPES",
    "REFERRALS_PATH",
    "PartnerCenterClient",
]

DEFAULT_BASE_URL = "https://api.partner.microsoft.com"
REFERRALS_PATH = "/v1.0/engagements/referrals"
# Delegated scope (spec §2); `https://api.partner.microsoft.com/.default` works as well.
PARTNER_CENTER_SCOPES = ("https://api.partner.microsoft.com/user_impersonation",)
DEFAULT_OVERLAP = timedelta(minutes=15)  # re-read this much before the watermark: clocks and late writes
DEFAULT_PAGE_SIZE = 100  # `$top`; the service's maximum is undocumented (spec §14)
MAX_PAGES = 100_000  # a runaway-paging guard: 10 million referrals at the default page size


class PartnerCenterClient:
    """Read referrals from Partner Center (or the fake) over HTTPS.

    ``base_url`` defaults to the real host; ``verify`` is True or a CA bundle path. ``rate_per_second``
    (default 5, None = unlimited) feeds a token bucket shared by every call of this client;
    ``retry`` bounds retries (``RetryPolicy`` defaults: 5 attempts, 120 s of waiting). ``sleep``,
    ``random`` and ``clock`` (monotonic seconds, for the rate limiter) are injectable for tests.
    ``http_client`` replaces the internal ``httpx.Client`` (then ``verify``/``timeout`` are ignored and
    the caller closes it). ``timeout`` in seconds per read.
    """

    def __init__(
        self,
        *,
        token_provider: TokenProvider,
        base_url: str = DEFAULT_BASE_URL,
        verify: bool | str = True,
        timeout: float = 30.0,
        rate_per_second: float | None = 5.0,
        retry: RetryPolicy | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        http_client: httpx.Client | None = None,
    ) -> None:
        if not 1 <= page_size <= 1000:
            raise ValidationError(f"page_size must be 1..1000, not {page_size}")
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValidationError(f"the Partner Center base URL must be https://host, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self._owns_client = http_client is None
        self._http = http_client or make_http_client(verify=verify, read_timeout=timeout)
        limiter = None
        if rate_per_second:
            limiter = RateLimiter(rate_per_second, burst=max(1, int(rate_per_second)), clock=clock, sleep=sleep)
        self.policy = HttpPolicy(
            self._http, name="partner_center", retry=retry, rate_limiter=limiter,
            token_provider=token_provider, sleep=sleep, random=random,
        )  # fmt: skip

    # ---- public API -----------------------------------------------------------------------------

    def iter_pages(
        self,
        *,
        since: datetime | None = None,
        statuses: Sequence[str] = (),
        direction: str | None = "Incoming",
        overlap: timedelta = DEFAULT_OVERLAP,
        server_filter: bool = False,
    ) -> Iterator[ReferralPage]:
        """Yield list pages as the service sends them, following ``@odata.nextLink`` verbatim.

        ``statuses`` limits ``status`` (e.g. ``("New", "Active")``; empty = all); ``direction`` None = both.
        With ``since``, paging stops after the first page that reaches referrals older than
        ``since - overlap`` (descending order), or the server filters (``server_filter``). Pages are not
        trimmed or de-duplicated here; ``iter_referrals`` does that.
        """
        cutoff = since - overlap if since is not None else None
        query = {
            "$top": str(self.page_size),
            "$orderby": "updatedDateTime asc" if server_filter and cutoff else "updatedDateTime desc",
        }
        odata_filter = build_filter(
            direction=direction, statuses=statuses, updated_since=cutoff if server_filter else None
        )
        if odata_filter:
            query["$filter"] = odata_filter
        url: str | None = self.base_url + REFERRALS_PATH
        params: dict[str, str] | None = query
        seen_links: set[str] = set()
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self._get_page(url, params)
            yield page
            if cutoff is not None and not server_filter and _reaches_before(page, cutoff):
                return
            url, params = self._next_url(page, seen_links), None
        raise ProtocolError(f"more than {MAX_PAGES} pages: stopping a paging loop")

    def iter_referrals(
        self,
        *,
        since: datetime | None = None,
        statuses: Sequence[str] = (),
        direction: str | None = "Incoming",
        overlap: timedelta = DEFAULT_OVERLAP,
        server_filter: bool = False,
    ) -> Iterator[ReferralPayload]:
        """Yield each referral updated at or after ``since - overlap`` (all when ``since`` is None) once.

        Same arguments as ``iter_pages``. Referrals without a readable ``updatedDateTime`` are always
        yielded (they cannot be placed against the watermark).
        """
        cutoff = since - overlap if since is not None else None
        seen: set[str] = set()
        for page in self.iter_pages(
            since=since, statuses=statuses, direction=direction, overlap=overlap, server_filter=server_filter
        ):
            for referral in page["value"]:
                if referral["id"] in seen:
                    continue
                if cutoff is not None:
                    updated = parse_datetime(referral.get("updatedDateTime"))
                    if updated is not None and updated < cutoff:
                        continue
                seen.add(referral["id"])
                yield referral

    def get_referral(self, referral_id: str) -> ReferralPayload:
        """``GET /v1.0/engagements/referrals/{id}``; ``NotFound`` for an unknown id."""
        if not referral_id or "/" in referral_id or "?" in referral_id:
            raise ValidationError(f"not a referral id: {referral_id!r}")
        response = self.policy.send("GET", f"{self.base_url}{REFERRALS_PATH}/{referral_id}")
        if response.status_code != 200:
            raise error_for(response, what="get referral")
        body = read_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise ProtocolError("the referral answer has no string 'id'", request_id=request_id_of(response))
        return cast(ReferralPayload, body)

    def close(self) -> None:
        """Close the HTTP connections (only those this client opened)."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- internals ------------------------------------------------------------------------------

    def _get_page(self, url: str, params: dict[str, str] | None) -> ReferralPage:
        response = self.policy.send("GET", url, params=params)
        if response.status_code != 200:
            raise error_for(response, what="list referrals")
        return parse_page(read_json(response), request_id=request_id_of(response))

    def _next_url(self, page: ReferralPage, seen_links: set[str]) -> str | None:
        """The next page's URL exactly as given; refuses other hosts, http and repeated links."""
        link = page["next_link"]
        if link is None:
            return None
        absolute = urljoin(self.base_url + "/", link)  # an absolute link comes back unchanged
        base, target = urlsplit(self.base_url), urlsplit(absolute)
        if target.scheme != "https" or target.netloc.lower() != base.netloc.lower():
            # The bearer token must never travel in clear text or to another host.
            raise ProtocolError(
                f"@odata.nextLink points at {target.scheme}://{target.hostname}, not {self.base_url}",
                request_id=page["request_id"],
            )
        if absolute in seen_links:
            raise ProtocolError("@odata.nextLink repeats an earlier page: stopping a paging loop",
                                request_id=page["request_id"])  # fmt: skip
        seen_links.add(absolute)
        return absolute


def _reaches_before(page: ReferralPage, cutoff: datetime) -> bool:
    """True when the (descending) page holds a referral updated before ``cutoff``: later pages are older."""
    for referral in page["value"]:
        updated = parse_datetime(referral.get("updatedDateTime"))
        if updated is not None and updated < cutoff:
            return True
    return False
