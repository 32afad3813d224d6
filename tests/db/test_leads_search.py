"""Search (wildcards literal, case, Unicode domains), KPI counts, streaming exports and index use of the
lead list, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from leads_data import GENERATED, LeadsDb, leads_database, matches, reference
from sqlalchemy import text

from leadhunter.db.leads_repo import (
    COUNTABLE,
    LeadFilter,
    counts_by,
    iter_leads,
    like_pattern,
    list_leads,
    page_ids_statement,
)
from leadhunter.db.models import Company


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def leads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """The seeded lead list, once per database for this module."""
    yield from leads_database(request, tmp_path_factory)


def search(needle: str, leads: LeadsDb, limit: int = 1000) -> tuple[list[str], int]:
    """The domains found for ``needle`` (first ``limit``) and the total."""
    flt = LeadFilter(search=needle)
    with leads.sessions() as session:
        page, total = list_leads(session, flt, limit=limit)
    return [c.domain for c in page], total


@pytest.mark.parametrize(("needle", "expected"), [
    ("100%", ["hundert.example"]),  # not "100x Bauxgruppe": % is literal
    ("u_g", ["hundert.example"]),  # not "Bauxgruppe": _ is literal
    ("%", ["hundert.example"]),
    ("_", ["hundert.example"]),
    ("a/b", ["slash.example"]),  # the escape character itself
    ("/", ["slash.example"]),
    ("%%", []),
    ("acme", ["acme.example"]),
    ("ACME", ["acme.example"]),
    ("  aCmE corp  ", ["acme.example"]),
    ("müller", ["xn--mller-kva.example"]),  # the Unicode domain and the name
    ("xn--mller", ["xn--mller-kva.example"]),  # the ASCII domain
    ("MÜLLER.EXAMPLE", ["xn--mller-kva.example"]),  # Unicode case folds on both databases
    ("muller", ["xn--mller-kva.example"]),  # accents are ignored
    ("mü", ["xn--mller-kva.example"]),  # shorter than a trigram: the scan path, same folding
    ("MU", ["xn--mller-kva.example"]),
    ("gida", ["xn--rnek-gda-m4a01d.com.tr"]),  # dotless ı reads as i
    ("GIDA", ["xn--rnek-gda-m4a01d.com.tr"]),
    ("örnek-gıda.com", ["xn--rnek-gda-m4a01d.com.tr"]),
    ("insaat", ["ozturk.example"]),  # İ reads as i
    ("İNŞAAT", ["ozturk.example"]),
    ("strasse kg", ["strasse.example"]),  # ß folds to ss
    ('"', []),  # FTS5 query syntax is literal
    ('a" OR "b', []),
    ("ac*", []),
])
def test_search_wildcards_and_case(leads_db: LeadsDb, needle: str, expected: list[str]) -> None:
    domains, total = search(needle, leads_db)
    assert domains == expected
    assert total == len(expected)


def test_search_folds_unicode_case(leads_db: LeadsDb) -> None:
    assert search("öztürk", leads_db)[0] == ["ozturk.example"]
    assert search("ÖZTÜRK", leads_db)[0] == ["ozturk.example"]
    assert search("ozturk", leads_db)[0] == ["ozturk.example"]


def test_search_follows_renames_and_deletes(leads_db: LeadsDb) -> None:
    """The search index follows the row: an ORM rename is found under the new name only, a delete not at all
    (SQLite's FTS5 table is kept by triggers, PostgreSQL's index by the database)."""
    with leads_db.sessions() as session:
        company = Company(domain="rename-me.example", domain_unicode="rename-me.example", name="Eski Ad")
        session.add(company)
        session.commit()
        assert search("eski ad", leads_db)[0] == ["rename-me.example"]
        company.name = "Yeni Şirket"
        session.commit()
        assert search("eski ad", leads_db)[0] == []
        assert search("yeni sirket", leads_db)[0] == ["rename-me.example"]
        session.delete(company)
        session.commit()
    assert search("yeni sirket", leads_db)[0] == []


@pytest.mark.parametrize("needle", ["   ", "\u0301", " \t\n ", "\u0308\u0301"])
def test_a_search_that_folds_to_nothing_does_not_filter(leads_db: LeadsDb, needle: str) -> None:
    """Blanks, control characters or lone combining accents say nothing: the whole list, not a LIKE '%%'."""
    assert search(needle, leads_db, limit=1)[1] == len(leads_db.rows)


def test_a_needle_never_spans_the_domain_and_the_name(leads_db: LeadsDb) -> None:
    """``search_text`` joins the domain and the name with a line break; one in the needle reads as a space."""
    assert search("acme.example\nacme", leads_db)[0] == []
    assert search("acme.example acme", leads_db)[0] == []


def test_search_pages_and_totals(leads_db: LeadsDb) -> None:
    flt = LeadFilter(search="Company 1")  # "Company 1", "Company 10".."Company 199", ...
    expected = reference(leads_db.rows, flt)
    assert len(expected) > 120
    with leads_db.sessions() as session:
        first, total = list_leads(session, flt, limit=50)
        second, total2 = list_leads(session, flt, offset=50, limit=50)
        beyond, total3 = list_leads(session, flt, offset=len(expected), limit=50)
    assert [c.domain for c in first + second] == expected[:100]
    assert total == total2 == total3 == len(expected)
    assert beyond == []


def test_search_combines_with_filters_and_sorts(leads_db: LeadsDb) -> None:
    flt = LeadFilter(search="ALPHA-0", providers=("M365", "Google"), tags=("hot", "event"))
    expected = reference(leads_db.rows, flt, "name", True)
    assert 0 < len(expected) < 200
    with leads_db.sessions() as session:
        page, total = list_leads(session, flt, sort="name", descending=True, limit=1000)
    assert [c.domain for c in page] == expected and total == len(expected)


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("100%_a/b") == "%100/%/_a//b%"


def test_counts_by_match_the_reference(leads_db: LeadsDb) -> None:
    for column in sorted(COUNTABLE):
        for flt in (LeadFilter(), LeadFilter(providers=("M365",), score_min=30), LeadFilter(search="beta")):
            with leads_db.sessions() as session:
                counts = counts_by(session, flt, column)
            expected = Counter(r.get(column) for r in leads_db.rows if matches(r, flt))
            assert counts == dict(expected), (column, flt)
    with leads_db.sessions() as session:
        segments = counts_by(session, LeadFilter(), "segment")
        assert None in segments and segments["Migration"] > 0
        assert sum(segments.values()) == len(leads_db.rows)
        only = counts_by(session, LeadFilter(segments=("Cold",)), "segment")
        assert list(only) == ["Cold"]
        everyone = counts_by(session, replace(LeadFilter(segments=("Cold",)), segments=()), "segment")
        assert everyone == segments
        with pytest.raises(ValueError, match="cannot count by 'evidence'"):
            counts_by(session, LeadFilter(), "evidence")


def test_iter_leads_streams_all_rows_in_order(leads_db: LeadsDb) -> None:
    expected = reference(leads_db.rows, LeadFilter())
    assert len(expected) > GENERATED
    seen: list[str] = []
    largest_identity_map = 0
    with leads_db.sessions() as session:
        for n, company in enumerate(iter_leads(session, LeadFilter(), batch=250)):
            seen.append(company.domain)
            if n % 100 == 0:
                gc.collect()
                largest_identity_map = max(largest_identity_map, len(session.identity_map))
    assert seen == expected
    # Memory stays flat: rows already handed out are not kept by the session.
    assert largest_identity_map <= 2 * 250


def test_iter_leads_with_filter_and_sort(leads_db: LeadsDb) -> None:
    flt = LeadFilter(segments=("Existing", "Skip"), search="a")
    with leads_db.sessions() as session:
        seen = [c.domain for c in iter_leads(session, flt, sort="created_at", descending=True, batch=100)]
    assert seen == reference(leads_db.rows, flt, "created_at", True)
    with leads_db.sessions() as session, pytest.raises(ValueError, match="batch must be >= 1"):
        next(iter_leads(session, LeadFilter(), batch=0))


@pytest.mark.parametrize(("flt", "sort", "descending", "index"), [
    (LeadFilter(), "default", False, "ix_companies_lead_order"),
    (LeadFilter(), "score", True, "ix_companies_score_order"),
    (LeadFilter(), "priority", False, "ix_companies_priority_order"),
    (LeadFilter(), "name", False, "ix_companies_name_order"),
    (LeadFilter(), "scanned_at", True, "ix_companies_scanned_order"),
    (LeadFilter(), "created_at", True, "ix_companies_created_order"),
    (LeadFilter(), "domain", False, "uq_companies_domain"),
    (LeadFilter(segments=("Migration",)), "default", False, "ix_companies_segment"),
    (LeadFilter(providers=("M365",)), "default", False, "ix_companies_provider"),
    (LeadFilter(gateways=("Proofpoint",)), "default", False, "ix_companies_gateway"),
])
def test_page_order_comes_from_an_index(leads_db: LeadsDb, flt: LeadFilter, sort: str, descending: bool,
                                        index: str) -> None:
    """The ORDER BY terms and the expression indexes agree: the page is read in index order, no sort step.
    (PostgreSQL is told to avoid sequential scans and sorts so the tiny test table does not hide a
    mismatch; a plan that still sorts means no index could give the order.)"""
    with leads_db.sessions() as session:
        dialect = session.get_bind().dialect.name
        stmt = page_ids_statement(flt, dialect, sort=sort, descending=descending, offset=0, limit=50)
        sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        if dialect == "sqlite":
            plan = " | ".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            if index == "uq_companies_domain":
                index = "sqlite_autoindex_companies_1"  # SQLite's name for the inline UNIQUE constraint
            assert "TEMP B-TREE" not in plan, plan
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_sort = off"))
            plan = " | ".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))
            assert "Sort" not in plan, plan
        assert index in plan, plan
