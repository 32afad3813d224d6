"""Hunter lead → Dataverse `lead` payload, exactly per `d365-lead-mapping.md`. Pure: no I/O, no clock.

The org-specific parts (column prefix, choice values, lead source) are a `MappingConfig`, not constants.
A payload has two halves because Hunter never overwrites what a salesperson owns in D365:

- `always`: Hunter's own `hnt_` columns, written on every push (a re-push updates scores), with the link back
  to the lead in Hunter (`hnt_hunterurl`) when the config says so;
- `on_create`: the standard columns (`subject`, `companyname`, `websiteurl`, `emailaddress1`,
  `leadsourcecode`, `description`) plus `hnt_source`, written only when the lead is created.

`validate_against_org` checks a config against the org's metadata (columns and choice values, given as
data) and returns one `CheckResult` per rule, pass or fail with the reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import LeadMappingError
from .payloads import MAX_LENGTHS, JsonDict

__all__ = [
    "CheckResult",
    "LeadPayload",
    "LeadSnapshot",
    "MappingConfig",
    "OrgMetadata",
    "map_lead",
    "validate_against_org",
]

SEGMENTS = frozenset({"Migration", "Existing", "Cold", "Skip"})
REFERRAL_TYPES = frozenset({"co-sell", "marketplace", "solution-provider"})
SOURCES = ("partner_center", "manual", "import")
TENANT_SIZES = ("small", "medium", "large")
SCORE_BREAKDOWN_MAX = 4000  # characters (mapping spec)
PLAYS_MAX = 1000  # characters of hnt_plays (Hunter's own column, not in the mapping spec's first table)
INFRASTRUCTURE_MAX = 400  # characters of hnt_infrastructure
# Hunter's own text columns and their lengths in the customised org; longer values are cut, not refused.
HNT_TEXT_LENGTHS: Mapping[str, int] = {
    "domain": 253,
    "prioritycategory": 10,
    "segment": 20,
    "provider": 200,
    "tenantid": 36,
    "referralid": 100,
    "referraltype": 50,
    "scorebreakdown": SCORE_BREAKDOWN_MAX,
    "plays": PLAYS_MAX,
    "infrastructure": INFRASTRUCTURE_MAX,
}
HUNTER_URL_MAX = 1000  # characters of the optional `<prefix>hunterurl` column (a cut link is useless: not sent)


# Hunter's own columns, without the prefix (mapping spec "Columns").
HUNTER_COLUMNS = (
    "domain", "finalscore", "priorityscore", "prioritycategory", "segment", "provider", "tenantid",
    "huntertenantsize", "source", "referralid", "referraltype", "scorebreakdown", "lastsynctime",
    "plays", "infrastructure",
)  # fmt: skip


def _default_sizes() -> dict[str, int]:
    return {"small": 816940000, "medium": 816940001, "large": 816940002}


def _default_sources() -> dict[str, int]:
    return {"partner_center": 816940000, "manual": 816940001, "import": 816940002}


@dataclass(frozen=True)
class MappingConfig:
    """The org's customisation. Defaults are the Hunter sales org's (`hnt_`, option values from 816940000).

    `lead_source_code`: the `leadsourcecode` choice written on create (default 10 "Other"; None = not sent).
    `tenant_size_values` / `source_values`: Hunter value → the org's option-set value.
    `hunter_url`: write the link back to the lead in Hunter to `<prefix>hunterurl` on every push (on when
    Hunter knows its public address, `HUNTER_PUBLIC_URL`; off: the column is never sent, so an org without it
    keeps working).
    """

    prefix: str = "hnt_"
    lead_source_code: int | None = 10
    tenant_size_values: Mapping[str, int] = field(default_factory=_default_sizes)
    source_values: Mapping[str, int] = field(default_factory=_default_sources)
    hunter_url: bool = False

    def column(self, name: str) -> str:
        """The logical name of Hunter column `name`, e.g. `domain` → `hnt_domain`."""
        return f"{self.prefix}{name}"

    @property
    def domain_column(self) -> str:
        """The column holding the registrable domain: the alternate key (or the fallback filter)."""
        return self.column("domain")

    def choice_columns(self) -> dict[str, set[int]]:
        """Every choice column this config writes → the values it may send."""
        choices = {
            self.column("huntertenantsize"): set(self.tenant_size_values.values()),
            self.column("source"): set(self.source_values.values()),
        }
        if self.lead_source_code is not None:
            choices["leadsourcecode"] = {self.lead_source_code}
        return choices

    def written_columns(self) -> list[str]:
        """Every column a push may write, standard and Hunter's."""
        standard = ["subject", "companyname", "websiteurl", "emailaddress1", "description"]
        if self.lead_source_code is not None:
            standard.append("leadsourcecode")
        optional = [self.column("hunterurl")] if self.hunter_url else []
        return standard + [self.column(name) for name in HUNTER_COLUMNS] + optional


@dataclass(frozen=True)
class LeadSnapshot:
    """What the push needs to know about one Hunter company, as plain values.

    `domain`: registrable domain in ASCII (IDNA) form; `score`: readiness 0–100; `priority`: 1–7;
    `category`: `P1`…`P6`; `segment`: Migration / Existing / Cold / Skip; `tenant_size`: small / medium /
    large or None; `source`: manual or import (a `referral_id` makes it partner_center); `contact_email`:
    first known contact e-mail on the company domain; `hunter_url`: link back to the lead in Hunter;
    `plays`: the white-space plays in words (e.g. "Device management (Intune / Business Premium)");
    `infrastructure`: one line on where DNS, web and mail run (e.g. "DNS: Azure DNS · Web: AWS (US)");
    `brief`: the short sales brief as plain text (empty: none).
    """

    domain: str
    score: int
    priority: int
    category: str
    segment: str
    company_name: str | None = None
    provider: str | None = None
    gateway: str | None = None
    tenant_id: str | None = None
    tenant_size: str | None = None
    referral_id: str | None = None
    referral_type: str | None = None
    source: str = "manual"
    contact_email: str | None = None
    score_breakdown: str = ""
    hunter_url: str | None = None
    plays: tuple[str, ...] = ()
    infrastructure: str = ""
    brief: str = ""  # the short sales brief (summary, angle, security, offer, next step); description on create


@dataclass(frozen=True)
class LeadPayload:
    """The mapped lead: `always` columns (every push) and `on_create` columns (creation only)."""

    domain: str
    always: JsonDict
    on_create: JsonDict

    def for_create(self, *, without: Sequence[str] = ()) -> JsonDict:
        """The body of a create: both halves, minus `without` (alternate-key columns sent in the URL, §7)."""
        return {k: v for k, v in {**self.on_create, **self.always}.items() if k not in without}

    def for_update(self, *, without: Sequence[str] = ()) -> JsonDict:
        """The body of an update: Hunter's own columns only, minus `without`."""
        return {k: v for k, v in self.always.items() if k not in without}


@dataclass(frozen=True)
class CheckResult:
    """One pass/fail answer with its reason (used by `validate_against_org` and `hunter d365 check`)."""

    name: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class OrgMetadata:
    """What the org says about its `lead` table: column logical names, choice column → accepted values,
    and the alternate keys (each a tuple of columns) whose index is Active."""

    columns: frozenset[str]
    choices: Mapping[str, frozenset[int]]
    active_keys: tuple[tuple[str, ...], ...] = ()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _snapshot_problems(lead: LeadSnapshot, config: MappingConfig) -> list[str]:
    problems = []
    if not lead.domain or not lead.domain.isascii() or "." not in lead.domain or lead.domain != lead.domain.lower():
        problems.append(f"domain must be a lower-case ASCII registrable domain, not {lead.domain!r}")
    if not 0 <= lead.score <= 100:
        problems.append(f"score must be 0–100, not {lead.score}")
    if not 1 <= lead.priority <= 7:
        problems.append(f"priority must be 1–7, not {lead.priority}")
    if lead.category not in {f"P{n}" for n in range(1, 7)}:
        problems.append(f"category must be P1…P6, not {lead.category!r}")
    if lead.segment not in SEGMENTS:
        problems.append(f"segment must be one of {sorted(SEGMENTS)}, not {lead.segment!r}")
    if lead.referral_type is not None and lead.referral_type not in REFERRAL_TYPES:
        problems.append(f"referral type must be one of {sorted(REFERRAL_TYPES)}, not {lead.referral_type!r}")
    if lead.tenant_size is not None and lead.tenant_size not in config.tenant_size_values:
        problems.append(f"tenant size {lead.tenant_size!r} has no choice value in the mapping")
    source = "partner_center" if lead.referral_id else lead.source
    if source not in config.source_values:
        problems.append(f"source {source!r} has no choice value in the mapping")
    return problems


def map_lead(lead: LeadSnapshot, config: MappingConfig, *, synced_at: datetime.datetime) -> LeadPayload:
    """Map `lead` to its D365 payload; `synced_at` (aware, any zone) becomes `hnt_lastsynctime` in UTC.

    Raises LeadMappingError (a ValidationError) listing every problem when the snapshot is out of range.
    Text is cut to the column's MaxLength so a long company name never turns into a 400.
    """
    problems = _snapshot_problems(lead, config)
    if synced_at.tzinfo is None:
        problems.append("synced_at must be timezone-aware")
    if problems:
        raise LeadMappingError(lead.domain, problems)
    col = config.column
    provider = lead.provider or ""
    if provider and lead.gateway:
        provider = f"{provider} via {lead.gateway}"  # e.g. "M365 via Proofpoint"
    source = "partner_center" if lead.referral_id else lead.source
    always: JsonDict = {
        col("domain"): lead.domain,
        col("finalscore"): lead.score,
        col("priorityscore"): lead.priority,
        col("prioritycategory"): lead.category,
        col("segment"): lead.segment,
        col("provider"): _cut(provider, HNT_TEXT_LENGTHS["provider"]) or None,
        col("tenantid"): lead.tenant_id,
        col("huntertenantsize"): config.tenant_size_values[lead.tenant_size] if lead.tenant_size else None,
        col("referralid"): lead.referral_id,
        col("referraltype"): lead.referral_type,
        col("scorebreakdown"): _cut(lead.score_breakdown, SCORE_BREAKDOWN_MAX) or None,
        col("plays"): _cut("; ".join(lead.plays), PLAYS_MAX) or None,
        col("infrastructure"): _cut(lead.infrastructure, INFRASTRUCTURE_MAX) or None,
        col("lastsynctime"): synced_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if config.hunter_url:  # Hunter's own column: written on every push, like the scores
        fits = lead.hunter_url is not None and len(lead.hunter_url) <= HUNTER_URL_MAX
        always[col("hunterurl")] = lead.hunter_url if fits else None
    on_create: JsonDict = {
        "subject": _cut(f"Hunter: {lead.domain}", MAX_LENGTHS["subject"]),
        "companyname": _cut(lead.company_name or lead.domain, MAX_LENGTHS["companyname"]),
        "websiteurl": _cut(f"https://{lead.domain}", MAX_LENGTHS["websiteurl"]),
        col("source"): config.source_values[source],
    }
    if lead.contact_email and lead.contact_email.lower().endswith("@" + lead.domain):
        on_create["emailaddress1"] = lead.contact_email  # only an address on the company's own domain
    if config.lead_source_code is not None:
        on_create["leadsourcecode"] = config.lead_source_code
    # The mapping spec names no column for the link back. The description is written on create only, so a
    # seller's later edits to it are never overwritten by a re-push.
    description = [f"Created by Hunter: {lead.hunter_url}"] if lead.hunter_url else []
    if lead.brief:
        description.append(lead.brief)
    if description:
        on_create["description"] = _cut("\n\n".join(description), MAX_LENGTHS["description"])
    return LeadPayload(lead.domain, always, on_create)


def validate_against_org(config: MappingConfig, org: OrgMetadata) -> list[CheckResult]:
    """Check that every column the mapping writes exists and every choice value is accepted by the org."""
    results = []
    missing = [c for c in config.written_columns() if c not in org.columns]
    if missing:
        results.append(CheckResult("columns", False, f"missing on the lead table: {', '.join(missing)}"))
    else:
        results.append(CheckResult("columns", True, f"all {len(config.written_columns())} mapped columns exist"))
    for column, values in sorted(config.choice_columns().items()):
        accepted = org.choices.get(column)
        if accepted is None:
            results.append(CheckResult(f"choice {column}", False, f"{column} is not a choice column in the org"))
            continue
        unknown = sorted(values - accepted)
        reason = (f"values {unknown} not in the org's options {sorted(accepted)}" if unknown
                  else f"values {sorted(values)} accepted")  # fmt: skip
        results.append(CheckResult(f"choice {column}", not unknown, reason))
    return results
