"""`hunter d365 check`: is the D365 push set up right? Each question answered pass/fail with the reason.

1. token — can the app get a client-credentials token for `<org>/.default`?
2. metadata — can it read the lead table's metadata (columns, choice values, alternate keys)?
3. upsert mode — alternate key on the domain column (Active), or the documented fallback?
4. columns / choice … — does the mapping fit the org: every column exists, every choice value accepted?
5. test lead upsert — does pushing a test lead work, and does pushing it again update the same lead?
6. test lead cleanup — was the test lead deleted again (skipped with `cleanup=False`)?

The test lead uses a `.invalid` domain (RFC 2606: never a real company), so it never collides with a
real lead; the check is idempotent even when the cleanup fails (the next run updates the same lead).
"""

from __future__ import annotations

from leadhunter.integrations.common.errors import IntegrationError

from .connection import Connection
from .mapping import CheckResult, LeadSnapshot, OrgMetadata, validate_against_org
from .upsert import upsert_lead

__all__ = ["TEST_DOMAIN", "run_check"]

TEST_DOMAIN = "hunter-check.invalid"


def _test_lead(domain: str) -> LeadSnapshot:
    name = "Hunter connection check (safe to delete)"
    return LeadSnapshot(domain=domain, score=0, priority=7, category="P6", segment="Skip", company_name=name,
                        score_breakdown="hunter d365 check")  # fmt: skip


def _mode(conn: Connection, org: OrgMetadata) -> CheckResult:
    column = conn.config.mapping.domain_column
    has_key = (column,) in org.active_keys
    if conn.config.alternate_key is True and not has_key:
        reason = f"configured for an alternate key, but no Active key on {column} alone"
        return CheckResult("upsert mode", False, reason)
    if has_key and conn.config.alternate_key is not False:
        return CheckResult("upsert mode", True, f"upsert by the alternate key on {column}")
    return CheckResult("upsert mode", True, f"no Active alternate key on {column} in use: lookup by {column}, then "
                                            "emailaddress1, else create with a deterministic lead id")  # fmt: skip


def _upsert_twice(conn: Connection, domain: str, cleanup: bool) -> list[CheckResult]:
    lead = _test_lead(domain)
    first = upsert_lead(conn, lead)
    if not first.ok:
        reason = f"{first.category} error, HTTP {first.status}: {first.message} (request id {first.request_id})"
        return [CheckResult("test lead upsert", False, reason)]
    second = upsert_lead(conn, lead, known_lead_id=first.lead_id)
    same = second.ok and second.created is False and (second.lead_id in (None, first.lead_id))
    if same:
        action = "created" if first.created else "updated"
        results = [CheckResult("test lead upsert", True, f"{action} lead {first.lead_id}; a second push updated it")]
    else:
        detail = second.message or f"created={second.created}, lead {second.lead_id} vs {first.lead_id}"
        results = [CheckResult("test lead upsert", False, f"the second push did not update the same lead: {detail}")]
    if cleanup and first.lead_id:
        deleted = conn.delete_lead(first.lead_id)
        ok = deleted.ok or deleted.status == 404
        failure = f"delete failed: HTTP {deleted.status} {deleted.error or ''}".strip()
        results.append(CheckResult("test lead cleanup", ok, f"deleted lead {first.lead_id}" if ok else failure))
    return results


def run_check(conn: Connection, *, test_domain: str = TEST_DOMAIN, cleanup: bool = True) -> list[CheckResult]:
    """Run the checks in order; later checks are reported as failed ("skipped: …") when an earlier one
    they depend on failed. Never raises for D365 or Entra failures."""
    try:
        conn.token_provider.token()
    except IntegrationError as exc:
        skipped = "skipped: no token"
        return [CheckResult("token", False, str(exc)), CheckResult("metadata", False, skipped),
                CheckResult("test lead upsert", False, skipped)]  # fmt: skip
    results = [CheckResult("token", True, f"token acquired for {conn.config.scope}")]
    try:
        org = conn.org_metadata()
    except IntegrationError as exc:
        results.append(CheckResult("metadata", False, f"cannot read the lead table's metadata: {exc}"))
    else:
        summary = f"{len(org.columns)} columns, {len(org.choices)} choice columns, {len(org.active_keys)} active keys"
        results += [CheckResult("metadata", True, summary), _mode(conn, org)]
        results += validate_against_org(conn.config.mapping, org)
    results += _upsert_twice(conn, test_domain, cleanup)
    return results
