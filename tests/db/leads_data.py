"""A lead list to test against: 5,000 generated companies plus hand-made ones for search, and a plain-Python
reference of the filters and orders that ``leads_repo`` must reproduce in SQL."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.leads_repo import LeadFilter
from leadhunter.db.migrate import upgrade
from leadhunter.db.models import Company, Tag
from leadhunter.db.search_text import fold

GENERATED = 5000
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
# Hand-made rows: (domain, domain_unicode, name). Search tests rely on these exact strings.
SPECIAL = [
    ("hundert.example", "hundert.example", "100% Bau_Gruppe GmbH"),
    ("hundertx.example", "hundertx.example", "100x Bauxgruppe GmbH"),
    ("slash.example", "slash.example", "a/b Consulting"),
    ("xn--mller-kva.example", "müller.example", "Müller AG"),
    ("acme.example", "acme.example", "ACME Corp"),
    ("ozturk.example", "ozturk.example", "ÖZTÜRK İnşaat"),
    ("xn--rnek-gda-m4a01d.com.tr", "örnek-gıda.com.tr", "Örnek Gıda Sanayi"),
    ("strasse.example", "strasse.example", "Große Straße KG"),
]


@dataclass(frozen=True)
class Row:
    """The reference copy of one company as inserted, with its tags."""

    id: int
    values: dict[str, Any]
    tags: frozenset[str] = field(default=frozenset())

    def get(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class LeadsDb:
    """A migrated, seeded database and its reference rows."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    rows: list[Row]


def company_values(rng: random.Random, i: int) -> dict[str, Any]:
    """One generated company (about 15% never scanned: no verdict columns)."""
    domain = f"{rng.choice(['alpha', 'beta', 'gamma', 'delta'])}-{i:05d}.example"
    values: dict[str, Any] = {
        "domain": domain, "domain_unicode": domain,
        "name": rng.choice([None, f"Company {i % 700}", f"firm {i % 300}", f"Zeta {i}"]),
        "created_at": BASE_TIME + timedelta(minutes=rng.randint(0, 100_000)),
    }
    if rng.random() < 0.85:
        values.update(
            scan_status="ok", scanned_at=BASE_TIME + timedelta(seconds=rng.randint(0, 10**7)),
            provider=rng.choice(["M365", "Google", "Hosting", "Local", None]),
            gateway=rng.choice([None, None, None, "Proofpoint", "Mimecast"]),
            confidence=rng.choice(["high", "medium", "low"]),
            score=rng.choice([None, *range(0, 101)]),  # a scanned company may still lack a score
            segment=rng.choice(["Existing", "Migration", "Cold", "Skip"]),
            priority=rng.randint(1, 7), category=rng.choice(["P1", "P2", "P3", "P4", "P5", "P6", None]),
            breakdown=[{"kind": "provider", "points": 10}], evidence=["MX 10 mx.example"],
        )
        # The footprint columns from their own generator, so the draws above stay what they were.
        fp = random.Random(i)
        values.update(web_host=fp.choice([None, "AWS", "Azure", "Natro", "Cloudflare"]),
                      dns_host=fp.choice([None, "Azure DNS", "Route 53", "GoDaddy"]),
                      mail_country=fp.choice([None, "TR", "IE", "US"]), web_country=fp.choice([None, "TR", "DE", "US"]))
    return values


FOOTPRINT_TAGS = [frozenset(), frozenset({"play:intune"}), frozenset({"play:intune", "play:teams_phone"}),
                  frozenset({"play:azure_migration", "saas:zoom"}), frozenset({"saas:atlassian", "saas:zoom"})]


def seed(engine: Engine) -> list[Row]:
    """Insert the generated and hand-made companies and their tags; return the reference rows."""
    rng = random.Random(20240501)
    data = [company_values(rng, i) for i in range(GENERATED)]
    for n, (domain, shown, name) in enumerate(SPECIAL):
        data.append({"domain": domain, "domain_unicode": shown, "name": name, "created_at": BASE_TIME,
                     "score": 50 + n, "category": "P2", "segment": "Migration"})
    tag_choices = [frozenset(), frozenset({"hot"}), frozenset({"event"}), frozenset({"hot", "event"})]
    with Session(engine) as session, session.begin():
        session.execute(insert(Company), data)
        ids = {domain: cid for domain, cid in session.execute(select(Company.domain, Company.id))}
        rows = []
        for values in data:
            tags = tag_choices[rng.randrange(4)] if rng.random() < 0.12 else frozenset()
            tags |= FOOTPRINT_TAGS[zlib.crc32(values["domain"].encode()) % 5 if values.get("web_host") else 0]
            rows.append(Row(ids[values["domain"]], values, tags))
        session.execute(insert(Tag), [{"company_id": r.id, "tag": t, "auto": False} for r in rows for t in r.tags])
    return rows


def leads_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """Body of the module-scoped ``leads_db`` fixtures: migrate, seed, yield, dispose."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('leads') / 'hunter.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    engine = make_engine(url)
    try:
        yield LeadsDb(url, engine, make_session_factory(engine), seed(engine))
    finally:
        engine.dispose()


def matches(row: Row, flt: LeadFilter) -> bool:
    """The reference filter (``search`` folded as ``leadhunter.db.search_text.fold`` documents)."""
    for values, column in ((flt.segments, "segment"), (flt.providers, "provider"), (flt.gateways, "gateway"),
                           (flt.categories, "category"), (flt.web_hosts, "web_host"), (flt.dns_hosts, "dns_host"),
                           (flt.mail_countries, "mail_country"), (flt.web_countries, "web_country")):
        if values and row.get(column) not in values:
            return False
    score = row.get("score")
    if flt.score_min is not None and (score is None or score < flt.score_min):
        return False
    if flt.score_max is not None and (score is None or score > flt.score_max):
        return False
    if flt.tags and not row.tags & set(flt.tags):
        return False
    if flt.plays and not row.tags & {f"play:{p}" for p in flt.plays}:
        return False
    if flt.saas and not row.tags & {f"saas:{t}" for t in flt.saas}:
        return False
    needle = fold((flt.search or "").strip())
    if needle:
        texts = (row.get("domain"), row.get("domain_unicode"), row.get("name"))
        return any(needle in fold(text) for text in texts if text)
    return True


def sort_keys(sort: str, descending: bool) -> list[tuple[str, bool]]:
    """(column, descending) from most to least significant, as ``leads_repo`` documents them."""
    if sort == "default":
        return [("category", descending), ("score", not descending), ("domain", descending)]
    if sort == "domain":
        return [("domain", descending)]
    return [(sort, descending), ("domain", False)]


def reference(rows: list[Row], flt: LeadFilter, sort: str = "default", descending: bool = False) -> list[str]:
    """Domains of the matching rows in list order: stable sorts from the least significant key up, rows
    without a value last whatever the direction."""
    out = [r for r in rows if matches(r, flt)]
    for column, desc in reversed(sort_keys(sort, descending)):
        present = sorted((r for r in out if r.get(column) is not None), key=lambda r: r.get(column), reverse=desc)
        out = present + [r for r in out if r.get(column) is None]
    return [r.get("domain") for r in out]
