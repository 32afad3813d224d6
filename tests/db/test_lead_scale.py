"""The national-scale reads against the plain-Python reference of ``leads_data``: materialised value counts kept
current by the triggers (PostgreSQL), capped and estimated totals, cross-filtered facets, and short needles
through the grams index — on SQLite and PostgreSQL where both apply."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from leads_data import LeadsDb, leads_database, matches, reference
from sqlalchemy import delete, select, text, update

from leadhunter.db import lead_counts
from leadhunter.db.lead_counts_ddl import FACET_COLUMNS
from leadhunter.db.lead_facets import COLUMN_FACETS, facet_counts
from leadhunter.db.lead_page import page_of_leads, round_estimate
from leadhunter.db.leads_repo import LeadFilter
from leadhunter.db.models import Company, Tag


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def leads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """The seeded lead list, once per database for this module."""
    yield from leads_database(request, tmp_path_factory)


def _grouped(leads: LeadsDb) -> dict[str, dict[str | None, int]]:
    """The counts as a GROUP BY over the tables finds them now."""
    out: dict[str, dict[str | None, int]] = {}
    with leads.engine.connect() as conn:
        for column in FACET_COLUMNS:
            out[column] = {v: n for v, n in conn.execute(text(f"SELECT {column}, count(*) FROM companies GROUP BY 1"))}
        per_tag = conn.execute(text("SELECT tag, count(DISTINCT company_id) FROM tags GROUP BY 1"))  # leads, not rows
        out["tag"] = {v: n for v, n in per_tag}
    return out


def test_materialised_counts_follow_every_write(leads_db: LeadsDb) -> None:
    if leads_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite groups on demand: no materialised counts")
    with leads_db.sessions() as session:
        assert lead_counts.value_counts(session) == _grouped(leads_db)
    with leads_db.sessions() as session, session.begin():  # every kind of write, then the counts again
        session.execute(update(Company).where(Company.segment == "Cold").values(segment="Migration", provider="Google"))
        victim = session.scalar(select(Company.id).where(Company.gateway == "Proofpoint").limit(1))
        session.execute(delete(Company).where(Company.id == victim))
        session.add(Company(domain="new-one.example", domain_unicode="new-one.example", segment="Skip"))
        session.execute(delete(Tag).where(Tag.tag == "hot"))
        session.execute(update(Company).where(Company.segment == "Skip").values(updated_at=Company.updated_at))
    # A lead counts once per tag name even with the name twice (manual and automatic): add, rename, remove.
    auto = session_tags(leads_db)
    with leads_db.sessions() as session, session.begin():
        session.add_all([Tag(company_id=cid, tag=name, auto=True) for cid, name in auto])
    with leads_db.sessions() as session:
        assert lead_counts.value_counts(session) == _grouped(leads_db)
    with leads_db.sessions() as session, session.begin():
        cid, name = auto[0]
        session.execute(update(Tag).where(Tag.company_id == cid, Tag.tag == name, Tag.auto.is_(True))
                        .values(tag="renamed-auto"))
        session.execute(delete(Tag).where(Tag.company_id == auto[1][0], Tag.tag == auto[1][1], Tag.auto.is_(False)))
        session.execute(delete(Tag).where(Tag.company_id == auto[2][0], Tag.tag == auto[2][1]))
    try:
        with leads_db.sessions() as session:
            assert lead_counts.value_counts(session) == _grouped(leads_db)
            lead_counts.compact(session)
            session.commit()
            assert session.scalar(text("SELECT count(*) FROM lead_value_counts WHERE facet = 'segment'")) == len(
                _grouped(leads_db)["segment"])
            assert lead_counts.value_counts(session) == _grouped(leads_db)
    finally:  # the module's other tests compare against the seeded reference
        _reseed(leads_db)


def session_tags(leads: LeadsDb) -> list[tuple[int, str]]:
    """Three (lead, name) pairs of the seed's manual tags, to give them an automatic twin."""
    with leads.sessions() as session:
        rows = session.execute(select(Tag.company_id, Tag.tag).where(Tag.auto.is_(False)).order_by(Tag.id).limit(3))
        found = [(int(c), str(n)) for c, n in rows]
    assert len(found) == 3, "the seed has manual tags"
    return found


def _reseed(leads: LeadsDb) -> None:
    """Put the seeded rows back after the write test (same ids, values and tags)."""
    from leads_data import seed

    with leads.engine.begin() as conn:
        conn.execute(delete(Tag))
        conn.execute(delete(Company))
    leads.rows[:] = seed(leads.engine)


FILTERS = [
    LeadFilter(),
    LeadFilter(providers=("M365",)),
    LeadFilter(providers=("M365", "Google"), segments=("Migration",)),
    LeadFilter(segments=("Cold",), score_min=40, tags=("hot",)),
    LeadFilter(web_hosts=("AWS",), mail_countries=("TR",), plays=("intune",)),
    LeadFilter(search="company 1"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=range(len(FILTERS)))
def test_facets_are_cross_filtered(leads_db: LeadsDb, flt: LeadFilter) -> None:
    with leads_db.sessions() as session:
        counts = facet_counts(session, flt)
    assert not counts.estimated  # 5,000 companies: every pass is exact
    for key, (column, field) in COLUMN_FACETS.items():
        reduced = LeadFilter(**{**vars(flt), field: ()})
        expected = Counter(r.get(column) for r in leads_db.rows if matches(r, reduced))
        assert counts.values[key] == dict(expected), key
    reduced = LeadFilter(**{**vars(flt), "plays": ()})
    plays = Counter(t[5:] for r in leads_db.rows if matches(r, reduced) for t in r.tags if t.startswith("play:"))
    assert counts.values["plays"] == dict(plays)


def test_kpis_count_the_whole_filter(leads_db: LeadsDb) -> None:
    flt = LeadFilter(segments=("Migration",), providers=("M365",))
    with leads_db.sessions() as session:
        counts = facet_counts(session, flt, ("segments",), cross=False)
    assert counts.values["segments"] == dict(Counter(r.get("segment") for r in leads_db.rows if matches(r, flt)))


@pytest.mark.parametrize("flt", [LeadFilter(), LeadFilter(providers=("Google",)), LeadFilter(score_min=30),
                                 LeadFilter(search="a"), LeadFilter(search="00"), LeadFilter(search="zeta 4")],
                         ids=["all", "provider", "score", "search a", "search 00", "search zeta 4"])
def test_page_totals_exact_under_the_cap_estimated_over_it(leads_db: LeadsDb, flt: LeadFilter) -> None:
    expected = reference(leads_db.rows, flt)
    with leads_db.engine.connect() as conn:  # the sample's size comes from the table statistics
        conn.execute(text("ANALYZE companies" if leads_db.engine.dialect.name == "postgresql" else "ANALYZE"))
        conn.commit()
    with leads_db.sessions() as session:
        exact = page_of_leads(session, flt, limit=50)
        capped = page_of_leads(session, flt, limit=50, count_cap=100)
        sampled = page_of_leads(session, flt, limit=50, count_cap=100, sample_rows=1000)
    assert [c.domain for c in exact.rows] == expected[:50] == [c.domain for c in capped.rows]
    assert (exact.total, exact.total_is_estimate) == (len(expected), False)
    # Exact: SQLite, few matches, or a filter the materialised counts answer (nothing, one provider).
    materialised = flt in (LeadFilter(), LeadFilter(providers=("Google",)))
    if leads_db.engine.dialect.name == "sqlite" or len(expected) <= 100 or materialised:
        assert (capped.total, capped.total_is_estimate) == (len(expected), False)
        assert (sampled.total, sampled.total_is_estimate) == (len(expected), False)
    else:
        # A table no larger than the sample is counted, not sampled; a 1,000-row sample of it is an estimate.
        assert (capped.total, capped.total_is_estimate) == (len(expected), False)
        assert sampled.total_is_estimate
        assert 0.5 * len(expected) <= sampled.total <= 1.5 * len(expected)
        assert sampled.total == round_estimate(sampled.total)


def test_short_needles_use_the_grams_index_and_find_the_same(leads_db: LeadsDb) -> None:
    if leads_db.engine.dialect.name != "postgresql":
        pytest.skip("the grams index is PostgreSQL's")
    with leads_db.engine.connect() as conn:
        conn.execute(text("ANALYZE companies"))
        conn.commit()
    for needle in ("%", "ü", "0/", "zz"):  # rare: the index condition joins the LIKE
        flt = LeadFilter(search=needle)
        with leads_db.sessions() as session:
            page = page_of_leads(session, flt, limit=1000)
        assert [c.domain for c in page.rows] == reference(leads_db.rows, flt)[:1000], needle
        assert page.total == len(reference(leads_db.rows, flt))
