"""Manual tags and watches on companies (the team's marks). Takes a Session; never commits.

A *scope* is a list of WHERE conditions over ``companies`` (``leads_repo.filter_conditions`` of a lead filter,
or ``Company.id IN (...)`` for a selection): bulk changes are one ``INSERT ... SELECT`` or ``DELETE`` per tag
over it, so tagging the 100,000 leads of a filter reads no company into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, false, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadhunter.db.models import Company, Tag, UtcDateTime, utcnow
from leadhunter.db.team_models import LeadWatch

TAGS = Tag.metadata.tables[Tag.__tablename__]
IN_BATCH = 1000
"""Company ids per ``IN`` list (SQLite allows 32,766 parameters a statement)."""


def id_scopes(ids: Sequence[int]) -> list[list[ColumnElement[bool]]]:
    """Scopes covering the companies ``ids``, :data:`IN_BATCH` ids each."""
    return [[Company.id.in_(ids[start:start + IN_BATCH])] for start in range(0, len(ids), IN_BATCH)]


def count_in(session: Session, scope: Sequence[ColumnElement[bool]]) -> int:
    """How many companies ``scope`` covers."""
    return session.scalar(select(func.count()).select_from(Company).where(*scope)) or 0


def add_manual_tags(session: Session, scope: Sequence[ColumnElement[bool]], tags: Sequence[str], actor: str,
                    *, now: datetime | None = None) -> int:
    """Give every company in ``scope`` each of ``tags`` (clean names) as a manual tag added by ``actor`` at
    ``now`` (default: now); a company that already has one keeps it as it was. Returns the rows added."""
    when = now or utcnow()
    dialect = session.get_bind().dialect.name
    added = 0
    for tag in tags:
        present = select(Tag.id).where(Tag.company_id == Company.id, Tag.tag == tag, Tag.auto.is_(False)).exists()
        rows = select(Company.id, literal(tag), false(), literal(actor), literal(when, UtcDateTime())).where(
            *scope, ~present)
        columns = ["company_id", "tag", "auto", "added_by", "added_at"]
        # ON CONFLICT: a concurrent request adding the same tag to the same lead is not an error.
        stmt = (postgresql.insert(Tag) if dialect == "postgresql" else sqlite.insert(Tag)).from_select(columns, rows)
        # RETURNING, not rowcount: psycopg reports no row count for this INSERT ... SELECT ... ON CONFLICT.
        added += len(session.execute(stmt.on_conflict_do_nothing().returning(Tag.id)).all())
    return added


def add_tag_pairs(session: Session, pairs: Sequence[tuple[int, str]], actor: str) -> int:
    """Add manual tags as (company id, clean tag name) pairs (an import's tags column), added by ``actor`` now;
    pairs the company has already are skipped. One read and one bulk insert per :data:`IN_BATCH` companies.
    Returns the rows added."""
    wanted = list(dict.fromkeys(pairs))
    companies = list(dict.fromkeys(company_id for company_id, _ in wanted))
    present: set[tuple[int, str]] = set()
    for start in range(0, len(companies), IN_BATCH):
        present.update((cid, tag) for cid, tag in session.execute(select(Tag.company_id, Tag.tag).where(
            Tag.auto.is_(False), Tag.company_id.in_(companies[start:start + IN_BATCH]))))
    rows = [{"company_id": cid, "tag": tag} for cid, tag in wanted if (cid, tag) not in present]
    # Imported here: companies_repo -> alerts_repo -> leads_repo -> this module would be a cycle at import.
    from leadhunter.db.companies_repo import insert_rows

    insert_rows(session, TAGS, rows, constants={"auto": False, "added_by": actor, "added_at": utcnow()})
    return len(rows)


def remove_manual_tags(session: Session, scope: Sequence[ColumnElement[bool]], tags: Sequence[str]) -> int:
    """Take the manual tags ``tags`` off every company in ``scope`` (automatic tags stay). Returns the rows
    removed."""
    if not tags:
        return 0
    stmt = delete(Tag).where(Tag.auto.is_(False), Tag.tag.in_(tags),
                             Tag.company_id.in_(select(Company.id).where(*scope)))
    return len(session.execute(stmt.returning(Tag.id).execution_options(synchronize_session=False)).all())


def tag_kinds(session: Session, company_ids: Sequence[int]) -> dict[int, tuple[list[str], list[str]]]:
    """(manual tags, automatic tags) by company id, each sorted; plays and SaaS tags included in the automatic."""
    out: dict[int, tuple[list[str], list[str]]] = {cid: ([], []) for cid in company_ids}
    for start in range(0, len(company_ids), IN_BATCH):
        stmt = (select(Tag.company_id, Tag.tag, Tag.auto).where(Tag.company_id.in_(company_ids[start:start + IN_BATCH]))
                .order_by(Tag.tag))
        for company_id, tag, auto in session.execute(stmt):
            out[company_id][1 if auto else 0].append(tag)
    return out


# --- watches -------------------------------------------------------------------------------------------------


def watch_condition(watched: bool | None, watchers: Sequence[str]) -> list[ColumnElement[bool]]:
    """Lead-list conditions: ``watchers`` given, companies one of them watches; ``watched`` True, companies
    someone watches, False, companies no one does; None and no watchers: no condition."""
    conditions: list[ColumnElement[bool]] = []
    if watchers:
        conditions.append(Company.id.in_(select(LeadWatch.company_id).where(LeadWatch.watcher.in_(watchers))))
    if watched is True:
        conditions.append(Company.id.in_(select(LeadWatch.company_id)))
    elif watched is False:
        conditions.append(Company.id.not_in(select(LeadWatch.company_id)))
    return conditions


def set_watch(session: Session, company_id: int, watcher: str, on: bool) -> bool:
    """Star (``on``) or unstar a company for ``watcher``; True when that changed anything."""
    if not on:
        gone = delete(LeadWatch).where(LeadWatch.company_id == company_id, LeadWatch.watcher == watcher)
        return bool(session.execute(gone.returning(LeadWatch.id)).all())
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert(LeadWatch) if dialect == "postgresql" else sqlite.insert(LeadWatch)).values(
        company_id=company_id, watcher=watcher, created_at=utcnow())
    return bool(session.execute(stmt.on_conflict_do_nothing().returning(LeadWatch.id)).all())


def watched_among(session: Session, company_ids: Sequence[int], watcher: str) -> set[int]:
    """Which of ``company_ids`` ``watcher`` watches."""
    found: set[int] = set()
    for start in range(0, len(company_ids), IN_BATCH):
        found.update(session.scalars(select(LeadWatch.company_id).where(
            LeadWatch.watcher == watcher, LeadWatch.company_id.in_(company_ids[start:start + IN_BATCH]))))
    return found


def watchers_of(session: Session, company_ids: Sequence[int]) -> dict[int, list[str]]:
    """The watchers of each of ``company_ids`` that has any, sorted (companies without watchers are absent)."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(company_ids), IN_BATCH):
        stmt = (select(LeadWatch.company_id, LeadWatch.watcher)
                .where(LeadWatch.company_id.in_(company_ids[start:start + IN_BATCH])).order_by(LeadWatch.watcher))
        for company_id, watcher in session.execute(stmt):
            out.setdefault(company_id, []).append(watcher)
    return out
