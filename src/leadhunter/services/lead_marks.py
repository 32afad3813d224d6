"""Use cases for the team's marks on leads: manual tags (one lead, a selection, or every lead of a filter) and
the watchlist. Each function is one unit of work; the caller commits.

**For the alert pipeline**: a watched lead's changes always alert its watchers. Ask
:func:`watchers_for_company` (one company) or :func:`watchers_for_changes` (a batch of ``company_changes``
rows) who they are; an empty answer means no one watches. Watchers are API callers (``local``,
``key:<prefix>``, later a signed-in user's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from leadhunter.db import leads_repo, team_repo
from leadhunter.db.models import CompanyChange
from leadhunter.domain.manual_tags import MAX_TAGS_PER_REQUEST, TagNameError, clean_tags


@dataclass(frozen=True)
class TagChange:
    """The outcome of a tag request: ``leads`` matched, manual tag rows ``added`` and ``removed``."""

    leads: int
    added: int
    removed: int


def scopes_for(session: Session, *, ids: Sequence[int] | None = None,
               flt: leads_repo.LeadFilter | None = None) -> list[list[ColumnElement[bool]]]:
    """The companies ``ids`` (in batches) or every company matching ``flt``, as scopes for :mod:`team_repo`."""
    if ids is not None:
        return team_repo.id_scopes(list(dict.fromkeys(ids)))
    if flt is None:
        raise ValueError("give ids or a filter")
    return [leads_repo.filter_conditions(flt, session.get_bind().dialect.name)]


def change_tags(session: Session, scopes: Sequence[Sequence[ColumnElement[bool]]], *, add: Sequence[str] = (),
                remove: Sequence[str] = (), actor: str, dry_run: bool = False) -> TagChange:
    """Add the manual tags ``add`` to and take ``remove`` off every company in ``scopes`` as ``actor``;
    automatic tags are never touched. Names are cleaned first (:func:`~leadhunter.domain.manual_tags.clean_tag`);
    a bad one, more than :data:`MAX_TAGS_PER_REQUEST` names, or none at all raises :class:`TagNameError`
    before anything is written. ``dry_run`` only counts the leads."""
    adding, removing = clean_tags(add), clean_tags(remove)
    if not adding and not removing:
        raise TagNameError("give at least one tag to add or remove")
    if len(adding) + len(removing) > MAX_TAGS_PER_REQUEST:
        raise TagNameError(f"at most {MAX_TAGS_PER_REQUEST} tags per request")
    leads = sum(team_repo.count_in(session, scope) for scope in scopes)
    if dry_run:
        return TagChange(leads, 0, 0)
    removed = sum(team_repo.remove_manual_tags(session, scope, removing) for scope in scopes)
    added = sum(team_repo.add_manual_tags(session, scope, adding, actor) for scope in scopes)
    return TagChange(leads, added, removed)


def set_watch(session: Session, company_id: int, actor: str, on: bool) -> bool:
    """Star (``on``) or unstar the company for ``actor``; True when that changed anything (idempotent)."""
    return team_repo.set_watch(session, company_id, actor, on)


def watchers_for_company(session: Session, company_id: int) -> list[str]:
    """Who watches the company (sorted; empty: no one). The alert pipeline sends each of its changes to them,
    whatever their targets' filters say."""
    return team_repo.watchers_of(session, [company_id]).get(company_id, [])


def watchers_for_changes(session: Session, change_ids: Sequence[int]) -> dict[int, list[str]]:
    """For a batch of ``company_changes`` ids: change id → the watchers of its company, for the changes on
    watched leads only (a change whose lead no one watches is absent)."""
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(change_ids), team_repo.IN_BATCH):
        batch = change_ids[start:start + team_repo.IN_BATCH]
        pairs.extend((change_id, company_id) for change_id, company_id in session.execute(
            select(CompanyChange.id, CompanyChange.company_id).where(CompanyChange.id.in_(batch))))
    watchers = team_repo.watchers_of(session, list({company_id for _, company_id in pairs}))
    return {change_id: watchers[company_id] for change_id, company_id in pairs if company_id in watchers}
