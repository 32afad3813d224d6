"""Where a sign-in may send the browser back to: paths on this site only."""

from __future__ import annotations

import pytest

from leadhunter.services.signin import safe_return


@pytest.mark.parametrize(("given", "kept"), [
    ("/", "/"), ("/?lead=contoso.com", "/?lead=contoso.com"), ("/static/x#y", "/static/x#y"),
    ("https://evil.example/", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("\\\\evil", "/"),
    ("javascript:alert(1)", "/"), ("/a\r\nSet-Cookie: x=1", "/"), ("", "/"), (None, "/"), ("/" + "a" * 600, "/"),
    ("/ok\\path", "/"),
])
def test_safe_return(given: str | None, kept: str) -> None:
    assert safe_return(given) == kept
