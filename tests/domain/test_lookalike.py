"""Look-alike domains (spec issue 10): one row per rule, over real IDNA names."""

from __future__ import annotations

import idna
import pytest

from leadhunter.domain.lookalike import find_lookalike


def ascii_name(unicode_name: str) -> str:
    """The name as a scan sees it (UTS #46 → ``xn--`` labels)."""
    return idna.encode(unicode_name, uts46=True).decode("ascii")


# (domain as scanned, flagged, scripts mixed, a fragment of the warning)
CASES = [
    # mixed scripts in one label
    pytest.param("xn--pypal-4ve.com", True, ("Cyrillic", "Latin"), "“pаypal” mixes Cyrillic and Latin",
                 id="paypal-cyrillic-a"),
    pytest.param(ascii_name("micrοsoft.com"), True, ("Greek", "Latin"), "mixes Greek and Latin",
                 id="microsoft-greek-omicron"),
    pytest.param(ascii_name("gοоgle.com"), True, ("Cyrillic", "Greek", "Latin"), "mixes Cyrillic and Greek and Latin",
                 id="three-scripts"),
    pytest.param(ascii_name("аpple.com.tr"), True, ("Cyrillic", "Latin"), "mixes", id="cyrillic-in-com-tr"),
    pytest.param(ascii_name("раураӏ.net"), True, (), "written in Cyrillic letters that read as “paypal”",
                 id="paypal-all-cyrillic"),
    # whole-script look-alikes under a Latin TLD
    pytest.param("xn--80ak6aa92e.com", True, (), "“аррӏе” is written in Cyrillic letters that read as “apple”",
                 id="apple-all-cyrillic"),
    pytest.param(ascii_name("ορεη.com"), True, (), "Greek letters that read as “open”", id="open-all-greek"),
    # confusable Latin letters
    pytest.param(ascii_name("ɡoogle.com"), True, (), "holds ɡ, confusable with Latin letters", id="script-g"),
    pytest.param(ascii_name("pɑypal.com"), True, (), "holds ɑ", id="latin-alpha"),
    # NOT look-alikes: Turkish and other Latin letters, real non-Latin names
    pytest.param(ascii_name("türkiye.com.tr"), False, (), "", id="turkish-u-umlaut"),
    pytest.param(ascii_name("ığdır.com"), False, (), "", id="turkish-dotless-i-breve-g"),
    pytest.param(ascii_name("çeşme.com.tr"), False, (), "", id="turkish-c-s-cedilla"),
    pytest.param(ascii_name("İstanbul.com.tr"), False, (), "", id="turkish-dotted-capital-i"),
    pytest.param(ascii_name("öğretmen.net"), False, (), "", id="turkish-o-g"),
    pytest.param(ascii_name("müller.de"), False, (), "", id="german-umlaut"),
    pytest.param(ascii_name("straße.de"), False, (), "", id="german-sharp-s"),
    pytest.param(ascii_name("пример.рф"), False, (), "", id="russian-under-rf"),
    pytest.param(ascii_name("аррӏе.рф"), False, (), "", id="cyrillic-under-cyrillic-tld"),
    pytest.param(ascii_name("пример.com"), False, (), "", id="russian-word-not-confusable"),
    pytest.param(ascii_name("ελληνικά.gr"), False, (), "", id="greek-word"),
    pytest.param(ascii_name("東京タワー.jp"), False, (), "", id="japanese-han-katakana"),
    pytest.param(ascii_name("sonyストア.jp"), False, (), "", id="japanese-with-latin"),
    pytest.param(ascii_name("한국abc.kr"), False, (), "", id="hangul-with-latin"),
    pytest.param(ascii_name("中国.cn"), False, (), "", id="chinese"),
    pytest.param("example.com", False, (), "", id="ascii"),
    pytest.param("xn--bad-punycode-.com", False, (), "", id="broken-punycode-ignored"),
]


@pytest.mark.parametrize(("domain", "flagged", "scripts", "warning"), CASES)
def test_find_lookalike(domain: str, flagged: bool, scripts: tuple[str, ...], warning: str) -> None:
    found = find_lookalike(domain)
    assert (found is not None) is flagged
    if found is not None:
        assert found.scripts == scripts
        assert found.warning.startswith("look-alike domain: ") and warning in found.warning
        assert found.confusables, "the characters behind the warning are listed"


def test_confusable_characters_are_named() -> None:
    found = find_lookalike("xn--pypal-4ve.com")
    assert found is not None
    assert found.confusables == ("а U+0430 CYRILLIC SMALL LETTER A looks like a",)
