"""Read a list of inputs for a scan: one per line, or a CSV/TSV with a domain, website or e-mail column.

Streams: the file is read row by row, so a million-line list costs no more memory than ten lines.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

# Header names by preference: a domain column beats a website column beats an e-mail column.
COLUMN_NAMES: tuple[tuple[str, ...], ...] = (
    ("domain", "domains", "domain name", "alan adı", "alan adi", "etki alanı"),
    ("website", "web site", "web", "web sitesi", "url", "site", "homepage", "internet sitesi"),
    ("email", "e-mail", "e-posta", "eposta", "mail", "email address", "e-mail address", "mail adresi"),
)
_HEADER_SCAN = 10  # title rows allowed above the header


def _pick_column(row: list[str]) -> int | None:
    cells = [c.strip().lower() for c in row]
    for names in COLUMN_NAMES:
        for i, cell in enumerate(cells):
            if cell in names:
                return i
    return None


def _delimiter(line: str) -> str | None:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def iter_inputs(path: Path) -> Iterator[str]:
    """Yield the inputs of ``path`` (UTF-8, BOM tolerated); blank lines and ``#`` comments skipped."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        head = [handle.readline() for _ in range(_HEADER_SCAN)]
        first = next((line for line in head if line.strip() and not line.startswith("#")), "")
        delimiter = _delimiter(first)
        if delimiter is None:
            for line in head:
                yield from _plain(line)
            for line in handle:
                yield from _plain(line)
            return
        rows = csv.reader(itertools.chain(head, handle), delimiter=delimiter)
        buffered: list[list[str]] = []
        column: int | None = None
        for row in rows:
            buffered.append(row)
            column = _pick_column(row)
            if column is not None or len(buffered) >= _HEADER_SCAN:
                break
        if column is None:  # no header: the first column of every row is the input
            column = 0
            for row in buffered:
                yield from _cell(row, column)
        for row in rows:
            yield from _cell(row, column)


def _plain(line: str) -> Iterator[str]:
    text = line.strip()
    if text and not text.startswith("#"):
        yield text


def _cell(row: list[str], column: int) -> Iterator[str]:
    if column < len(row) and row[column].strip():
        yield row[column].strip()
