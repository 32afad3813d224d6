"""Manual tag names: what a salesperson may type as a tag, and its one stored spelling.

A name is trimmed, put in Unicode NFC form (so "Gıda" typed on a phone and pasted from Excel is one tag) and
its inner runs of blanks become one space; case is kept as typed. It must then be 1–:data:`MAX_TAG_CHARS`
characters without control characters, and must not start with a prefix the automatic tags own (``play:``,
``saas:``): those feed the play and SaaS filters, which a hand-made tag would silently join.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG

MAX_TAG_CHARS = 64
"""Longest tag name (characters; the ``tags.tag`` column's length)."""

MAX_TAGS_PER_REQUEST = 20
"""Most tag names one request (or one import cell) may add or remove."""

RESERVED_PREFIXES = (PLAY_TAG, SAAS_TAG)
"""Prefixes of automatic tags a manual tag may not start with."""

CELL_SEPARATORS = re.compile(r"[,;|]")
"""What separates several tags in one import cell: comma, semicolon or vertical bar."""

_BLANKS = re.compile(r"\s+")


class TagNameError(ValueError):
    """A tag name that cannot be stored; the message says why (in English, for the API's error shape)."""


def clean_tag(text: str) -> str:
    """``text`` as a stored manual tag name (see the module docstring). Raises :class:`TagNameError`."""
    name = _BLANKS.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not name:
        raise TagNameError("a tag must not be empty")
    if len(name) > MAX_TAG_CHARS:
        raise TagNameError(f"a tag has at most {MAX_TAG_CHARS} characters, this one {len(name)}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise TagNameError("a tag must not contain control or unassigned characters")
    if name.casefold().startswith(RESERVED_PREFIXES):
        raise TagNameError(f"tags starting with {' or '.join(RESERVED_PREFIXES)} are automatic")
    return name


def clean_tags(texts: Iterable[str]) -> list[str]:
    """Each of ``texts`` cleaned (:func:`clean_tag`), duplicates dropped, first spelling and order kept."""
    return list(dict.fromkeys(clean_tag(text) for text in texts))


def split_cell(cell: str) -> list[str]:
    """The tag names in one import cell (``"vip, fuar 2026; ankara"``), cleaned; empty pieces are skipped.
    Raises :class:`TagNameError` for a bad name or more than :data:`MAX_TAGS_PER_REQUEST` of them."""
    names = clean_tags(piece for piece in CELL_SEPARATORS.split(cell) if piece.strip())
    if len(names) > MAX_TAGS_PER_REQUEST:
        raise TagNameError(f"at most {MAX_TAGS_PER_REQUEST} tags per row, this one has {len(names)}")
    return names
