"""``list_leads`` on SQLite and PostgreSQL against a plain-Python reference: every sort key in both
directions, filters, tags, pagination and totals, over 5,000+ companies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from leads_data import GENERATED, LeadsDb, leads_database, reference

from leadhunter.db.leads_repo import MAX_LIMIT, SORTABLE, LeadFilter, list_leads


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def leads_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeadsDb]:
    """The seeded lead list, once per database for this module."""
    yield from leads_database(request, tmp_path_factory)


def all_pages(db: LeadsDb, flt: LeadFilter, sort: str = "default", descending: bool = False,
              limit: int = MAX_LIMIT) -> tuple[list[str], set[int]]:
    """Every page's domains, concatenated, and the totals the pages reported."""
    domains: list[str] = []
    totals: set[int] = set()
    with db.sessions() as session:
        while True:
            page, total = list_leads(session, flt, sort=sort, descending=descending, offset=len(domains), limit=limit)
            totals.add(total)
            domains += [c.domain for c in page]
            if len(page) < limit:
                return domains, totals


def test_first_page_of_default_order(leads_db: LeadsDb) -> None:
    with leads_db.sessions() as session:
        page, total = list_leads(session, LeadFilter())
    expected = reference(leads_db.rows, LeadFilter())
    assert total == len(leads_db.rows) > GENERATED
    assert [c.domain for c in page] == expected[:50]
    assert page[0].category == "P1" and page[0].score is not None
    assert page[0].score >= page[1].score or page[1].category != "P1"


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", ["default", *sorted(SORTABLE)])
def test_every_sort_key_orders_the_whole_list(leads_db: LeadsDb, sort: str, descending: bool) -> None:
    domains, totals = all_pages(leads_db, LeadFilter(), sort, descending)
    expected = reference(leads_db.rows, LeadFilter(), sort, descending)
    assert domains == expected
    assert totals == {len(leads_db.rows)}


def test_rows_without_a_value_come_last_in_both_directions(leads_db: LeadsDb) -> None:
    for descending in (False, True):
        with leads_db.sessions() as session:
            first, _ = list_leads(session, LeadFilter(), sort="score", descending=descending, limit=10)
            top, total = list_leads(session, LeadFilter(), sort="score", descending=descending, limit=1)
            tail, _ = list_leads(session, LeadFilter(), sort="score", descending=descending, offset=total - 10,
                                 limit=10)
        assert all(c.score is not None for c in first)
        assert all(c.score is None for c in tail)
        assert top[0].score == (100 if descending else 0)


FILTERS = [
    LeadFilter(segments=("Migration",)),
    LeadFilter(segments=("Migration", "Cold")),
    LeadFilter(providers=("M365",)),
    LeadFilter(providers=("Google", "Hosting"), score_min=60),
    LeadFilter(gateways=("Proofpoint",)),
    LeadFilter(categories=("P1",)),
    LeadFilter(categories=("P1", "P2"), segments=("Existing",)),
    LeadFilter(score_min=70),
    LeadFilter(score_max=10),
    LeadFilter(score_min=40, score_max=40),
    LeadFilter(tags=("hot",)),
    LeadFilter(tags=("hot", "event")),
    LeadFilter(tags=("hot",), providers=("M365",), score_min=50),
    LeadFilter(tags=("no-such-tag",)),
    LeadFilter(providers=("M365",), gateways=("Mimecast",), categories=("P3", "P4", "P5"), score_min=1, score_max=99),
    # the footprint (migration 0010): host and country columns, plays and SaaS products as tags
    LeadFilter(plays=("intune",)),
    LeadFilter(plays=("teams_phone", "azure_migration")),
    LeadFilter(plays=("intune",), tags=("hot",)),
    LeadFilter(saas=("zoom",), plays=("azure_migration",)),
    LeadFilter(web_hosts=("AWS",)),
    LeadFilter(web_hosts=("AWS", "Azure"), dns_hosts=("Azure DNS",), score_min=30),
    LeadFilter(mail_countries=("TR",), web_countries=("DE", "US")),
    LeadFilter(plays=("intune",), web_hosts=("Natro",), mail_countries=("IE",), providers=("M365",)),
]


@pytest.mark.parametrize("flt", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_filters_match_the_reference(leads_db: LeadsDb, flt: LeadFilter) -> None:
    domains, totals = all_pages(leads_db, flt, limit=400)
    expected = reference(leads_db.rows, flt)
    assert domains == expected
    assert totals == {len(expected)}
    assert len(set(domains)) == len(domains)  # a company with two matching tags appears once


def test_filters_are_not_vacuous(leads_db: LeadsDb) -> None:
    sizes = {i: len(reference(leads_db.rows, flt)) for i, flt in enumerate(FILTERS)}
    assert sizes[13] == 0
    assert all(0 < n < len(leads_db.rows) for i, n in sizes.items() if i != 13)
    assert sizes[11] > sizes[10]  # "hot or event" finds more than "hot"
    assert sizes[15] > sizes[17]  # "intune" finds more than "intune and hot"


def test_filter_with_sort_and_direction(leads_db: LeadsDb) -> None:
    flt = LeadFilter(segments=("Migration", "Cold"), score_min=50)
    for sort, descending in (("provider", False), ("scanned_at", True), ("name", True), ("priority", False)):
        domains, totals = all_pages(leads_db, flt, sort, descending, limit=300)
        assert domains == reference(leads_db.rows, flt, sort, descending)
        assert totals == {len(domains)}


def test_pagination_pages_tile_the_list(leads_db: LeadsDb) -> None:
    flt = LeadFilter(providers=("M365", "Google"))
    expected = reference(leads_db.rows, flt)
    domains, totals = all_pages(leads_db, flt, limit=37)
    assert domains == expected
    assert totals == {len(expected)}
    with leads_db.sessions() as session:
        last, total = list_leads(session, flt, offset=len(expected) - 5, limit=50)
        assert [c.domain for c in last] == expected[-5:] and total == len(expected)
        beyond, total = list_leads(session, flt, offset=len(expected) + 100, limit=50)
        assert beyond == [] and total == len(expected)
        exact, total = list_leads(session, flt, offset=len(expected) - 50, limit=50)
        assert len(exact) == 50 and total == len(expected)


def test_page_rows_are_complete_companies(leads_db: LeadsDb) -> None:
    by_domain = {r.get("domain"): r for r in leads_db.rows}
    with leads_db.sessions() as session:
        page, _ = list_leads(session, LeadFilter(segments=("Existing",)), sort="scanned_at", descending=True)
    for company in page:
        row = by_domain[company.domain]
        assert (company.id, company.segment, company.score, company.scanned_at) == (
            row.id, row.get("segment"), row.get("score"), row.get("scanned_at"))
        assert company.evidence == ["MX 10 mx.example"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sort": "evidence"}, "cannot sort by 'evidence'"),
    ({"sort": "id; drop table companies"}, "cannot sort by"),
    ({"limit": 0}, "limit 1..1000"),
    ({"limit": MAX_LIMIT + 1}, "limit 1..1000"),
    ({"offset": -1}, "offset must be >= 0"),
])
def test_bad_arguments_are_refused(leads_db: LeadsDb, kwargs: dict[str, object], message: str) -> None:
    with leads_db.sessions() as session, pytest.raises(ValueError, match=message):
        list_leads(session, LeadFilter(), **kwargs)  # type: ignore[arg-type]
