"""The bulk writes behind imports (``company_ids``, ``add_raw_leads``, ``insert_rows``), on SQLite and PostgreSQL:
the same rules as the per-object ``upsert_companies``, whatever path each database takes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leadhunter.db import companies_repo
from leadhunter.db.companies_repo import COMPANIES, LOOKUP_BATCH, company_ids, insert_rows
from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.migrate import downgrade, upgrade
from leadhunter.db.models import Company, RawLead


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on an empty, migrated database (the PostgreSQL one is shared by this module: emptied first)."""
    if db_url.startswith("postgresql"):
        downgrade(db_url, "base")
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _companies(factory: sessionmaker[Session]) -> dict[str, tuple[str, str | None]]:
    with factory() as session:
        return {d: (u, n) for d, u, n in session.execute(select(Company.domain, Company.domain_unicode, Company.name))}


def test_new_known_and_repeated_domains(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.add_all([Company(domain="nameless.com", domain_unicode="nameless.com"),
                         Company(domain="blank.com", domain_unicode="blank.com", name=""),
                         Company(domain="named.com", domain_unicode="named.com", name="Keep Me")])
    with sessions.begin() as session:
        before = dict(session.execute(select(Company.domain, Company.id)).all())
        ids = company_ids(session, [
            ("xn--mller-kva.de", "müller.de", "Müller GmbH"),
            ("new.com", "new.com", None),
            ("new.com", "new.com", "Second Wins Only When First Had None"),
            ("new.com", "new.com", "Third Loses"),
            ("nameless.com", "nameless.com", "Filled"),
            ("blank.com", "blank.com", "Filled Too"),
            ("named.com", "named.com", "Not This"),
        ])
    assert set(ids) == {"xn--mller-kva.de", "new.com", "nameless.com", "blank.com", "named.com"}
    assert {d: ids[d] for d in before} == before  # known companies keep their ids
    assert len(set(ids.values())) == 5
    assert _companies(sessions) == {
        "xn--mller-kva.de": ("müller.de", "Müller GmbH"),
        "new.com": ("new.com", "Second Wins Only When First Had None"),
        "nameless.com": ("nameless.com", "Filled"),
        "blank.com": ("blank.com", "Filled Too"),
        "named.com": ("named.com", "Keep Me"),
    }
    with sessions() as session:
        nameless = session.scalars(select(Company).where(Company.domain == "nameless.com")).one()
        assert nameless.updated_at > nameless.created_at  # filling the name is an update
        fresh = session.scalars(select(Company).where(Company.domain == "new.com")).one()
        assert fresh.created_at == fresh.updated_at and fresh.created_at.tzinfo is not None


def test_the_same_entries_twice_change_nothing(sessions: sessionmaker[Session]) -> None:
    entries = [(f"d{i}.com", f"d{i}.com", f"Firm {i}" if i % 2 else None) for i in range(2 * LOOKUP_BATCH + 7)]
    with sessions.begin() as session:
        first = company_ids(session, entries)
    with sessions.begin() as session:
        again = company_ids(session, entries)
        assert company_ids(session, []) == {}
    assert first == again and len(first) == len(entries)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Company)) == len(entries)


def test_a_domain_taken_meanwhile_is_skipped_not_an_error(sessions: sessionmaker[Session]) -> None:
    """``skip_duplicate``: what lets two imports of the same domain run at once (the later insert skips)."""
    with sessions.begin() as session:
        session.add(Company(domain="taken.com", domain_unicode="taken.com", name="First"))
    with sessions.begin() as session:
        now = session.scalar(select(func.max(Company.created_at)))
        insert_rows(session, COMPANIES, [{"domain": "taken.com", "domain_unicode": "taken.com", "name": "Second"},
                                         {"domain": "free.com", "domain_unicode": "free.com", "name": None}],
                    constants={"created_at": now, "updated_at": now}, skip_duplicate="domain")
        insert_rows(session, COMPANIES, [])  # nothing to insert: no statement at all
    assert _companies(sessions) == {"taken.com": ("taken.com", "First"), "free.com": ("free.com", None)}


def test_raw_leads_are_appended_as_received(sessions: sessionmaker[Session]) -> None:
    payloads = [{"line": 2, "Firma": "Müller", "Web Sitesi": "=HYPERLINK(\"x\")"}, {"input": "not a domain"}]
    with sessions.begin() as session:
        ids = company_ids(session, [("a.com", "a.com", None)])
        for _ in range(2):  # the same payloads again: appended again, never merged
            companies_repo.add_raw_leads(session, "webhook", [(payloads[0], ids["a.com"]), (payloads[1], None)])
        companies_repo.add_raw_leads(session, "webhook", [])
    with sessions() as session:
        rows = session.execute(select(RawLead.source, RawLead.payload, RawLead.company_id, RawLead.import_id,
                                      RawLead.received_at).order_by(RawLead.id)).all()
    assert [(s, p, c, i) for s, p, c, i, _ in rows] == [("webhook", payloads[0], ids["a.com"], None),
                                                        ("webhook", payloads[1], None, None)] * 2
    assert all(r.received_at.tzinfo is not None for r in rows)
