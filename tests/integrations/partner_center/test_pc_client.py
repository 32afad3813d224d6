"""The real Partner Center client against the fake Partner Center and fake Entra, over HTTPS."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pc_env import USER, SleepRecorder

from fakes.entra_server import EntraServer
from fakes.partner_center_data import generate_referrals
from fakes.partner_center_server import PartnerCenterServer
from leadhunter.integrations.common.http_policy import RetryPolicy
from leadhunter.integrations.common.tokens import DelegatedTokenProvider
from leadhunter.integrations.partner_center.client import REFERRALS_PATH, PartnerCenterClient
from leadhunter.integrations.partner_center.errors import (
    REFERRALS_ROLE_MESSAGE,
    MissingReferralsRole,
    NotFound,
    ProtocolError,
    SignInRequired,
    ThrottledError,
    TransientError,
    ValidationError,
)
from leadhunter.integrations.partner_center.payloads import parse_datetime

Factory = Callable[..., PartnerCenterClient]


def _list_requests(pc: PartnerCenterServer) -> list:
    return [r for r in pc.requests if r.path == REFERRALS_PATH]


def _incoming_ids(pc: PartnerCenterServer, statuses: tuple[str, ...] = ()) -> set[str]:
    wanted = set()
    for referral_id in pc.referral_ids:
        item = pc.referral(referral_id)
        if item["direction"] == "Incoming" and (not statuses or item["status"] in statuses):
            wanted.add(referral_id)
    return wanted


def test_paging_follows_next_link_exactly_and_sends_the_query(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(95, seed=1))
    client = make_client(page_size=10)
    pages = list(client.iter_pages(statuses=("New", "Active")))
    expected = _incoming_ids(pc, ("New", "Active"))
    got = [r["id"] for page in pages for r in page["value"]]
    assert sorted(got) == sorted(expected) and len(got) == len(set(got))
    requests = _list_requests(pc)
    assert len(requests) == len(pages) == -(-len(expected) // 10)
    first = requests[0].query
    assert first["$top"] == "10"
    assert first["$orderby"] == "updatedDateTime desc"
    assert first["$filter"] == "direction eq 'Incoming' and (status eq 'New' or status eq 'Active')"
    assert "$skiptoken" not in first
    # Every later request is exactly the previous page's nextLink: same path, same parameters.
    for page, request in zip(pages, requests[1:], strict=False):
        link = urlsplit(page["next_link"] or "")
        assert request.path == link.path
        assert request.query == {k: v[0] for k, v in parse_qs(link.query).items()}
    assert pages[-1]["next_link"] is None


def test_request_ids_are_fresh_uuid4_per_call(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(30, seed=2))
    client = make_client(page_size=5)
    list(client.iter_referrals(direction=None))
    client.get_referral(pc.referral_ids[0])
    ids = [r.headers["client-request-id"] for r in pc.requests]
    assert len(ids) >= 7 and len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 4 for value in ids)
    assert all(r.headers["authorization"].startswith("Bearer ") for r in pc.requests)


def test_watermark_with_overlap_reads_only_recent_and_stops_paging(
    pc: PartnerCenterServer, make_client: Factory
) -> None:
    pc.add_referrals(generate_referrals(200, seed=3, spacing=600))
    everything = {i: pc.referral(i) for i in pc.referral_ids}
    updated = sorted(parse_datetime(r["updatedDateTime"]) for r in everything.values() if r["direction"] == "Incoming")
    since = updated[-20]
    overlap = timedelta(minutes=30)
    client = make_client(page_size=10)
    got = [r["id"] for r in client.iter_referrals(since=since, overlap=overlap)]
    want = {i for i, r in everything.items()
            if r["direction"] == "Incoming" and parse_datetime(r["updatedDateTime"]) >= since - overlap}  # fmt: skip
    assert set(got) == want and len(got) == len(want)
    assert len(want) > 20  # the overlap reached back past the watermark
    total_pages = -(-len(_incoming_ids(pc)) // 10)
    assert len(_list_requests(pc)) < total_pages / 2  # stopped early instead of reading all history


def test_server_side_watermark_filter(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(60, seed=4, spacing=600))
    since = datetime.now(UTC) - timedelta(hours=3)
    client = make_client(page_size=7)
    got = list(client.iter_referrals(since=since, overlap=timedelta(minutes=10), server_filter=True))
    first = _list_requests(pc)[0].query
    assert first["$orderby"] == "updatedDateTime asc"
    assert "updatedDateTime ge " in first["$filter"]
    cutoff = since - timedelta(minutes=10)
    want = {i for i in _incoming_ids(pc) if parse_datetime(pc.referral(i)["updatedDateTime"]) >= cutoff}
    assert {r["id"] for r in got} == want and len(got) == len(want)


def test_resync_sees_won_lost_and_deal_changes(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(80, seed=5, spacing=900))
    client = make_client(page_size=25)
    first = list(client.iter_referrals())
    watermark = max(parse_datetime(r["updatedDateTime"]) for r in first)
    changed = [r["id"] for r in first[-3:]]  # the oldest ones: far outside the overlap window
    pc.update_referral(changed[0], status="Closed", substatus="Won", deal_value=50000, currency="EUR")
    pc.update_referral(changed[1], status="Closed", substatus="Lost")
    pc.update_referral(changed[2], deal_value=777)
    second = {r["id"]: r for r in client.iter_referrals(since=watermark, overlap=timedelta(minutes=15))}
    assert set(changed) <= set(second)
    assert second[changed[0]]["substatus"] == "Won" and second[changed[0]]["details"]["dealValue"] == 50000
    assert second[changed[1]]["substatus"] == "Lost"
    assert second[changed[2]]["details"]["dealValue"] == 777
    assert len(second) < len(first) / 2  # incremental, not everything again


def test_429_waits_retry_after_seconds_then_succeeds(
    pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder
) -> None:
    pc.add_referrals(generate_referrals(5, seed=6))
    pc.fault("429:7", times=1)
    got = list(make_client().iter_referrals(direction=None))
    assert len(got) == 5
    assert sleeps.calls == [7.0]
    assert len(_list_requests(pc)) == 2


def test_429_with_http_date_is_honoured(pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder) -> None:
    pc.add_referrals(generate_referrals(3, seed=6))
    pc.fault("429-date:40", times=1)
    assert len(list(make_client().iter_referrals(direction=None))) == 3
    assert len(sleeps.calls) == 1 and 30 <= sleeps.calls[0] <= 41  # an HTTP date has 1 s resolution


def test_429_longer_than_we_wait_is_raised_at_once(
    pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder
) -> None:
    pc.fault("429:3600")
    with pytest.raises(ThrottledError) as caught:
        list(make_client().iter_referrals())
    assert caught.value.retry_after == 3600 and sleeps.calls == []
    assert len(pc.requests) == 1


def test_5xx_is_retried_with_backoff_then_fails_bounded(
    pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder
) -> None:
    pc.fault("503")
    client = make_client(retry=RetryPolicy(max_attempts=4, base_delay=0.5))
    with pytest.raises(TransientError) as caught:
        list(client.iter_referrals())
    assert caught.value.status == 503 and caught.value.retryable
    assert len(pc.requests) == 4
    assert sleeps.calls == [0.5, 1.0, 2.0]  # random() = 1.0: the full-jitter ceiling doubles


def test_5xx_then_recovery(pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder) -> None:
    pc.add_referrals(generate_referrals(4, seed=7))
    pc.fault("500", times=2)
    pc.fault("drop", times=1)
    assert len(list(make_client().iter_referrals(direction=None))) == 4
    assert len(sleeps.calls) == 3 and len(pc.requests) == 4


def test_total_wait_budget_bounds_retries(pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder) -> None:
    pc.fault("502")
    client = make_client(retry=RetryPolicy(max_attempts=50, base_delay=1.0, max_total_delay=10.0))
    with pytest.raises(TransientError):
        list(client.iter_referrals())
    assert sum(sleeps.calls) <= 10.0 and sleeps.calls == [1.0, 2.0, 4.0]


def test_401_refreshes_once_silently(pc: PartnerCenterServer, entra: EntraServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(6, seed=8))
    pc.fault("401", times=1)
    entra.clear_requests()
    got = list(make_client().iter_referrals(direction=None))
    assert len(got) == 6
    grants = [r.form.get("grant_type") for r in entra.requests if r.path.endswith("/token")]
    assert grants == ["refresh_token"]
    tokens = [r.headers["authorization"] for r in _list_requests(pc)]
    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_expired_access_token_is_renewed(pc: PartnerCenterServer, entra: EntraServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(3, seed=9))
    client = make_client()
    assert len(list(client.iter_referrals(direction=None))) == 3
    entra.expire_all_tokens()  # the cached token still looks fresh to MSAL, Partner Center says 401
    assert len(list(client.iter_referrals(direction=None))) == 3
    assert [r.form.get("grant_type") for r in entra.requests if r.path.endswith("/token")][-1] == "refresh_token"


def test_401_after_refresh_is_sign_in_required(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.fault("401")
    with pytest.raises(SignInRequired) as caught:
        list(make_client().iter_referrals())
    assert "sign in again" in str(caught.value)
    assert len(pc.requests) == 2  # the first try and exactly one retry with a refreshed token


def test_revoked_refresh_token_is_sign_in_required(
    pc: PartnerCenterServer, entra: EntraServer, make_client: Factory
) -> None:
    entra.revoke_refresh_tokens()
    entra.expire_all_tokens()
    with pytest.raises(SignInRequired) as caught:
        list(make_client().iter_referrals())
    assert caught.value.code == "invalid_grant"
    assert len(pc.requests) == 1


def test_403_is_not_retried_and_names_the_role(
    pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder
) -> None:
    pc.fault("403")
    with pytest.raises(MissingReferralsRole) as caught:
        list(make_client().iter_referrals())
    assert caught.value.message == REFERRALS_ROLE_MESSAGE and caught.value.status == 403
    assert len(pc.requests) == 1 and sleeps.calls == []


def test_403_for_a_user_without_the_role(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.users_without_role.add("seller@contosopartner.com")
    with pytest.raises(MissingReferralsRole):
        make_client().get_referral(str(uuid.uuid4()))


def test_get_referral_and_not_found(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(2, seed=10))
    client = make_client()
    first = pc.referral_ids[0]
    assert client.get_referral(first)["id"] == first
    with pytest.raises(NotFound):
        client.get_referral(str(uuid.uuid4()))
    with pytest.raises(ValidationError):
        client.get_referral("../x")


def test_unknown_status_is_refused_before_any_request(pc: PartnerCenterServer, make_client: Factory) -> None:
    with pytest.raises(ValidationError):
        list(make_client().iter_referrals(statuses=("Open",)))
    assert pc.requests == []


def test_next_link_to_another_host_is_refused(
    entra: EntraServer, certificate: tuple[str, str], provider: DelegatedTokenProvider, sleeps: SleepRecorder
) -> None:
    with PartnerCenterServer(entra=entra, certificate=certificate, advertised_base="https://api.evil.test") as pc:
        pc.add_referrals(generate_referrals(30, seed=11))
        client = PartnerCenterClient(token_provider=provider, base_url=pc.base_url, verify=pc.ca_file,
                                     page_size=10, sleep=sleeps, rate_per_second=None)  # fmt: skip
        with client, pytest.raises(ProtocolError, match="nextLink"):
            list(client.iter_referrals(direction=None))
        assert len(pc.requests) == 1


def test_unreadable_page_is_a_protocol_error(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.fault("bad_json", times=1)
    with pytest.raises(ProtocolError):
        list(make_client().iter_referrals())


def test_slow_pages_time_out_and_are_retried(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(3, seed=12))
    pc.fault("slow:2", times=1)
    client = make_client(timeout=0.3)
    assert len(list(client.iter_referrals(direction=None))) == 3
    assert len(pc.requests) == 2


class FakeTime:
    """A monotonic clock that only moves when `sleep` is called."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limit_spaces_requests(pc: PartnerCenterServer, make_client: Factory) -> None:
    pc.add_referrals(generate_referrals(40, seed=13))
    fake = FakeTime()
    client = make_client(rate_per_second=2.0, page_size=5, clock=fake.clock, sleep=fake.sleep)
    list(client.iter_referrals(direction=None))
    assert len(pc.requests) == 8
    assert fake.sleeps == [0.5] * 6  # a burst of 2, then one request every 1/2 s


def test_ten_percent_transient_failures_lose_and_duplicate_nothing(
    pc: PartnerCenterServer, make_client: Factory, sleeps: SleepRecorder
) -> None:
    pc.add_referrals(generate_referrals(1000, seed=14))
    pc.transient_failures(0.10, seed=99)
    client = make_client(page_size=50)
    runs, successes = 5, 0
    for _ in range(runs):
        counts = Counter(r["id"] for r in client.iter_referrals(direction=None))
        assert set(counts) == set(pc.referral_ids)
        assert max(counts.values()) == 1
        successes += 1
    assert successes == runs
    assert pc.injected_failures >= 3 and len(sleeps.calls) >= pc.injected_failures  # failures happened and were retried


def test_logs_carry_request_ids_but_no_personal_data(
    pc: PartnerCenterServer, make_client: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    referrals = generate_referrals(60, seed=15)
    pc.add_referrals(referrals)
    pc.transient_failures(0.2, seed=1)
    pc.fault("401", times=1)
    caplog.set_level(logging.DEBUG)
    client = make_client(page_size=10)
    list(client.iter_referrals(direction=None, statuses=("New", "Active", "Closed")))
    client.get_referral(referrals[0]["id"])
    text = caplog.text
    assert "client-request-id=" in text
    for request in pc.requests[-3:]:
        assert request.headers["client-request-id"] in text
    secrets_seen = []
    for referral in referrals:
        people = referral["customerProfile"]["team"] + referral["team"]
        for person in people:
            secrets_seen += [person["email"], person["phoneNumber"], f"{person['firstName']} {person['lastName']}"]
        secrets_seen.append(referral["customerProfile"]["name"])
    leaked = [s for s in secrets_seen if s and s in text]
    assert leaked == []
    assert "Bearer " not in text and "'New'" not in text  # no tokens, no query values
    assert USER not in text  # nor the signed-in user (MSAL's own debug logging included)
