"""Registration facts: tags a seller acts on, changes worth recording, the stable JSON shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadhunter.domain.registration import (
    RegistrationFacts,
    RegistrationOutcome,
    RegistrationSource,
    Withheld,
    days_until_expiry,
    registration_changes,
    registration_from_json,
    registration_json,
    registration_tags,
    unknown,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OK = RegistrationOutcome.OK


def _facts(**fields: object) -> RegistrationFacts:
    base: dict[str, object] = {"domain": "contoso.com", "outcome": OK, "source": RegistrationSource.RDAP}
    return RegistrationFacts(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(("created_days_ago", "expires_in_days", "tags"), [
    (3000, 400, ()),
    (3000, 30, ("expire-soon",)),
    (3000, 10, ("expire-soon",)),
    (3000, 31, ()),
    (3000, -5, ("expire-soon",)),  # lapsed days ago: still in the redemption window, still a reason to call
    (3000, -40, ()),  # lapsed long ago
    (180, 185, ("new-domain",)),
    (181, 185, ()),
    (20, 20, ("expire-soon", "new-domain")),
])
def test_tags(created_days_ago: int, expires_in_days: int, tags: tuple[str, ...]) -> None:
    facts = _facts(created=NOW - timedelta(days=created_days_ago),
                   expires=NOW + timedelta(days=expires_in_days, hours=1))
    assert registration_tags(facts, NOW) == tags


def test_tags_thresholds_are_configurable() -> None:
    facts = _facts(created=NOW - timedelta(days=300), expires=NOW + timedelta(days=50, hours=1))
    assert registration_tags(facts, NOW, expire_soon_days=60, new_domain_days=365) == ("expire-soon", "new-domain")


@pytest.mark.parametrize("outcome", [RegistrationOutcome.UNKNOWN, RegistrationOutcome.NOT_FOUND])
def test_no_tags_and_no_expiry_without_a_record(outcome: RegistrationOutcome) -> None:
    facts = _facts(outcome=outcome, expires=NOW + timedelta(days=3), created=NOW)
    assert registration_tags(facts, NOW) == ()
    assert days_until_expiry(facts, NOW) is None


@pytest.mark.parametrize(("old", "new", "kinds"), [
    ({"registrar": "A Inc."}, {"registrar": "a inc."}, []),
    ({"registrar": "A Inc."}, {"registrar": "B GmbH"}, ["registrar"]),
    ({"registrar": None}, {"registrar": "B GmbH"}, []),
    ({"nameservers": ("ns1.a.net", "ns2.a.net")}, {"nameservers": ("ns2.a.net", "ns1.a.net")}, []),
    ({"nameservers": ("ns1.a.net",)}, {"nameservers": ("ns1.b.net",)}, ["nameservers"]),
    ({"registrar": "A", "nameservers": ("x",)}, {"registrar": "B", "nameservers": ("y",)},
     ["registrar", "nameservers"]),
    ({"registrar": "A"}, {"registrar": "B", "outcome": RegistrationOutcome.UNKNOWN}, []),
])
def test_changes(old: dict[str, object], new: dict[str, object], kinds: list[str]) -> None:
    assert [c.kind for c in registration_changes(_facts(**old), _facts(**new))] == kinds


def test_json_round_trip_keeps_withheld_reasons_and_utc_dates() -> None:
    facts = _facts(server="https://rdap.verisign.com/com/v1/", fetched_at=NOW, registrar="MarkMonitor Inc.",
                   created=datetime(1995, 8, 14, 4, tzinfo=UTC), expires=datetime(2027, 8, 13, 4, tzinfo=UTC),
                   statuses=("client transfer prohibited",), nameservers=("ns1.contoso.com",),
                   withheld=(Withheld("registrant_organization", "REDACTED FOR PRIVACY"),))
    data = registration_json(facts)
    assert data["created"] == "1995-08-14T04:00:00Z" and data["registrant_organization"] is None
    assert data["withheld"] == {"registrant_organization": "REDACTED FOR PRIVACY"}
    assert registration_from_json("contoso.com", data) == facts


def test_unknown_is_not_cacheable_and_says_why() -> None:
    facts = unknown("contoso.com", "WHOIS server timed out after 10 s")
    assert not facts.cacheable and registration_json(facts)["reason"].startswith("WHOIS server timed out")
    with pytest.raises(ValueError, match="malformed"):
        registration_from_json("x.com", {"outcome": "maybe"})
