"""Manual tag names: one row per rule (cleaned spelling or the refusal)."""

from __future__ import annotations

import pytest

from leadhunter.domain.manual_tags import TagNameError, clean_tag, clean_tags, split_cell


@pytest.mark.parametrize(("typed", "stored"), [
    ("VIP", "VIP"),  # case kept
    ("  fuar   2026 ", "fuar 2026"),  # trimmed, inner blanks one space
    ("Gi\u0307da", "Gi\u0307da"),  # a combining dot stays (NFC has no precomposed form for it)
    ("Cafe\u0301", "Café"),  # NFC: one spelling for what looks the same
    ("x" * 64, "x" * 64),  # the longest
    ("display:none", "display:none"),  # only the automatic prefixes are reserved
])
def test_clean(typed: str, stored: str) -> None:
    assert clean_tag(typed) == stored


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "empty"), ("   ", "empty"), ("x" * 65, "at most 64"), ("a\tb\u0007", "control"),
    ("zero\u200bwidth", "control"),
    ("play:intune", "automatic"), ("SaaS:zoom", "automatic"),
])
def test_refused(typed: str, reason: str) -> None:
    with pytest.raises(TagNameError, match=reason):
        clean_tag(typed)


def test_lists_and_cells() -> None:
    assert clean_tags(["b", " a", "b ", "a"]) == ["b", "a"]
    assert split_cell("vip, fuar 2026; ankara | vip,,") == ["vip", "fuar 2026", "ankara"]
    assert split_cell("") == []
    with pytest.raises(TagNameError, match="at most 20"):
        split_cell(",".join(f"t{i}" for i in range(21)))
