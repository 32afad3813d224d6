"""Look-alike domains: internationalised names built to pass for another (``pаypal.com`` with a Cyrillic
``а``). Pure: a check of the name alone, no DNS.

A label is suspicious when it mixes scripts the way no language writes (Latin with Cyrillic or Greek,
Cyrillic with Greek, two unrelated scripts; Japanese, Chinese and Korean mixes with Latin are normal, as
UTS #39's restriction levels allow), when it holds a character listed as confusable with a Latin letter
(``domain/data/confusables.toml``), or when it is written wholly in Cyrillic or Greek letters that all
read as Latin ones (``аррӏе``) under a non-Cyrillic, non-Greek top-level domain. Such a domain is still
scanned; it gets a warning in the evidence and the ``lookalike`` tag. Turkish letters (ç ğ ı İ ö ş ü)
are Latin: a Turkish name is never flagged for them.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Scripts that one writing system mixes as a matter of course (UTS #39 "highly restrictive").
_ALLOWED_MIXES = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)
_LOOKS_LATIN = ("Cyrillic", "Greek")  # scripts whose letters pass for Latin ones
_SCRIPT_WORDS = {"CJK": "Han", "KATAKANA-HIRAGANA": "Katakana"}


@dataclass(frozen=True, slots=True)
class LookAlike:
    """Why a domain may pass for another: ``scripts`` mixed in one label (sorted), ``confusables``
    (``"а U+0430 CYRILLIC SMALL LETTER A looks like a"``), and one ``warning`` line for people."""

    scripts: tuple[str, ...]
    confusables: tuple[str, ...]
    warning: str


@cache
def _confusables() -> dict[str, tuple[str, str]]:
    """Character → (table name, the Latin letter it looks like), from the shipped data file."""
    text = resources.files("leadhunter.domain").joinpath("data/confusables.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {char: (table, latin) for table, entries in data.items() for char, latin in entries.items()}


def _script(char: str) -> str | None:
    """The script of a letter from its Unicode name (``CYRILLIC SMALL LETTER A`` → Cyrillic); None for
    digits, hyphens, combining marks and modifiers, which belong to every script."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    word = name.split(" ", 1)[0]
    if not word or word == "MODIFIER":
        return None
    return _SCRIPT_WORDS.get(word, word.capitalize())


def _unicode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return label
    return label


def _describe(char: str, latin: str) -> str:
    return f"{char} U+{ord(char):04X} {unicodedata.name(char, '?')} looks like {latin}"


def find_lookalike(domain: str) -> LookAlike | None:
    """Check ``domain`` (ASCII with ``xn--`` labels, or Unicode) and say why it may be a look-alike, or
    return None for an ordinary name."""
    labels = [_unicode_label(label) for label in domain.lower().rstrip(".").split(".")]
    if all(label.isascii() for label in labels):
        return None
    table = _confusables()
    tld_scripts = {_script(c) for c in labels[-1]}
    mixed: set[str] = set()
    shown: list[str] = []
    notes: list[str] = []
    for label in labels[:-1]:
        scripts = {s for s in map(_script, label) if s}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES):
            mixed |= scripts
            notes.append(f"“{label}” mixes {' and '.join(sorted(scripts))}")
        hits = [(c, table[c]) for c in dict.fromkeys(label) if c in table]
        whole = (len(scripts) == 1 and scripts <= set(_LOOKS_LATIN) and not tld_scripts & set(_LOOKS_LATIN)
                 and all(c in table for c in label if _script(c)))
        if whole:
            reads = "".join(table[c][1] if c in table else c for c in label)
            notes.append(f"“{label}” is written in {next(iter(scripts))} letters that read as “{reads}”")
        latin_lookalikes = [(c, hit) for c, hit in hits if hit[0] == "latin"]
        if latin_lookalikes and not whole:
            notes.append(f"“{label}” holds {', '.join(c for c, _ in latin_lookalikes)}, confusable with Latin letters")
        if whole or len(scripts) > 1 or latin_lookalikes:
            shown += [_describe(c, hit[1]) for c, hit in hits]
    if not notes:
        return None
    return LookAlike(tuple(sorted(mixed)), tuple(shown), "look-alike domain: " + "; ".join(notes))
