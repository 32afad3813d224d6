"""Registration answers kept for ``ttl`` (default 7 days, ``HUNTER_REGISTRATION_TTL_DAYS``).

Registration data changes rarely and registries throttle hard, so an answer is reused until it is
``ttl`` old. Only registry answers (``ok``, ``not_found``) are kept: an ``unknown`` is asked again.
:class:`MemoryCache` serves one process; :class:`SqliteCache` (one small SQLite file) lets repeated
``hunter scan --registration`` runs share answers.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from leadhunter.domain.registration import RegistrationFacts, registration_from_json, registration_json

DEFAULT_TTL = timedelta(days=7)


def _now() -> datetime:
    return datetime.now(UTC)


class RegistrationCache(Protocol):
    """Where answers are kept between lookups."""

    def get(self, domain: str) -> RegistrationFacts | None:
        """The cached facts for ``domain`` if younger than the TTL."""

    def put(self, facts: RegistrationFacts) -> None:
        """Keep ``facts`` if cacheable (stamped with ``fetched_at``)."""


class MemoryCache:
    """An in-process cache of at most ``max_entries`` domains (oldest dropped first)."""

    def __init__(self, ttl: timedelta = DEFAULT_TTL, *, max_entries: int = 100_000,
                 clock: Callable[[], datetime] = _now) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._items: OrderedDict[str, RegistrationFacts] = OrderedDict()

    def get(self, domain: str) -> RegistrationFacts | None:
        """See :class:`RegistrationCache`."""
        facts = self._items.get(domain)
        if facts is None or facts.fetched_at is None or self._clock() - facts.fetched_at > self._ttl:
            return None
        return facts

    def put(self, facts: RegistrationFacts) -> None:
        """See :class:`RegistrationCache`."""
        if not facts.cacheable or facts.fetched_at is None:
            return
        self._items[facts.domain] = facts
        self._items.move_to_end(facts.domain)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class SqliteCache:
    """A cache in one SQLite file (created on first use); safe for one process at a time per file."""

    def __init__(self, path: Path, ttl: timedelta = DEFAULT_TTL, *, clock: Callable[[], datetime] = _now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ttl = ttl
        self._clock = clock
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS registration (domain TEXT PRIMARY KEY, fetched_at TEXT NOT "
                         "NULL, facts TEXT NOT NULL)")

    def get(self, domain: str) -> RegistrationFacts | None:
        """See :class:`RegistrationCache`; a malformed row is treated as absent."""
        oldest = (self._clock() - self._ttl).isoformat()
        row = self._db.execute("SELECT facts FROM registration WHERE domain = ? AND fetched_at >= ?",
                               (domain, oldest)).fetchone()
        if row is None:
            return None
        try:
            return registration_from_json(domain, json.loads(row[0]))
        except ValueError:
            return None

    def put(self, facts: RegistrationFacts) -> None:
        """See :class:`RegistrationCache`."""
        if not facts.cacheable or facts.fetched_at is None:
            return
        self._db.execute("INSERT OR REPLACE INTO registration VALUES (?, ?, ?)",
                         (facts.domain, facts.fetched_at.astimezone(UTC).isoformat(),
                          json.dumps(registration_json(facts), ensure_ascii=False)))

    def close(self) -> None:
        """Close the file."""
        self._db.close()
