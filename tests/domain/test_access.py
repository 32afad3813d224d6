"""Roles from token claims and the role order: one row per rule."""

from __future__ import annotations

from typing import Any

import pytest

from leadhunter.domain.access import allows, has_group_overage, parse_group_roles, role_for

GROUPS = parse_group_roles("AAA=viewer, bbb=seller,ccc=admin")


@pytest.mark.parametrize(("held", "needed", "ok"), [
    ("viewer", "viewer", True), ("viewer", "seller", False), ("seller", "viewer", True),
    ("seller", "admin", False), ("admin", "seller", True), (None, "viewer", False), (None, "public", True),
    ("root", "viewer", False), ("admin", "unknown", False),
])
def test_role_order(held: str | None, needed: str, ok: bool) -> None:
    assert allows(held, needed) is ok


@pytest.mark.parametrize(("claims", "groups", "first_admin", "default", "role"), [
    ({"roles": ["Hunter.Seller"]}, [], "", "", "seller"),
    ({"roles": ["admin", "viewer"]}, [], "", "", "admin"),
    ({"roles": ["Other.App.Role"]}, [], "", "", None),
    ({}, ["aaa"], "", "", "viewer"),
    ({}, ["aaa", "BBB"], "", "", "seller"),
    ({"roles": ["viewer"]}, ["ccc"], "", "", "admin"),
    ({"preferred_username": "Boss@Contoso.com"}, [], "boss@contoso.com", "", "admin"),
    ({"preferred_username": "someone@contoso.com"}, [], "boss@contoso.com", "", None),
    ({}, [], "", "viewer", "viewer"),
    ({}, ["unmapped"], "", "", None),
])
def test_role_for(claims: dict[str, Any], groups: list[str], first_admin: str, default: str, role: str | None) -> None:
    assert role_for(claims, groups, group_roles=GROUPS, first_admin=first_admin, default_role=default) == role


def test_group_overage_and_bad_mappings() -> None:
    assert has_group_overage({"_claim_names": {"groups": "src1"}})
    assert not has_group_overage({"groups": ["a"]})
    with pytest.raises(ValueError, match="group role entry"):
        parse_group_roles("abc=root")
