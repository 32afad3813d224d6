"""The team's marks on leads in the API's lead answers: manual and automatic tags apart, and the caller's star."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from leadhunter.db import team_repo
from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG


def marks_json(session: Session, caller: str, company_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """By company id: ``manual_tags`` (the team's, removable), ``auto_tags`` (the scans', read-only; plays and
    SaaS tags left out: the lead has them as ``plays`` and ``saas``) and ``watched`` (the caller's star).
    Two queries whatever the number of ids."""
    kinds = team_repo.tag_kinds(session, company_ids)
    starred = team_repo.watched_among(session, company_ids, caller)
    return {cid: {"manual_tags": kinds[cid][0],
                  "auto_tags": [t for t in kinds[cid][1] if not t.startswith((PLAY_TAG, SAAS_TAG))],
                  "watched": cid in starred} for cid in company_ids}
