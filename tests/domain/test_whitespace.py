"""The white-space grid: one table row per grid row state and per play (shipped rule file)."""

from __future__ import annotations

from typing import Any

import pytest
from footprint_builders import (
    FAILED_TENANT,
    GOOGLE_MX,
    MANAGED,
    NO_TENANT,
    PROOFPOINT_MX,
    build,
    federated,
    judged,
)

from leadhunter.domain.footprint_facts import AddressInfo
from leadhunter.domain.lookups import Outcome
from leadhunter.domain.whitespace import RowState, Whitespace
from leadhunter.domain.whitespace_rules import ROW_KEYS, WhitespaceRulesError, parse_whitespace_rules

IN, NOT, UNK = RowState.IN_USE, RowState.NOT_SEEN, RowState.UNKNOWN
INTUNE = {"enterpriseenrollment": "enterpriseenrollment-s.manage.microsoft.com"}
TEAMS = {"lyncdiscover": "webdir.online.lync.com"}
BOTH = {**INTUNE, **TEAMS}
SPF_GOOGLE = ("v=spf1 include:_spf.google.com ~all",)


def grid(**kw: Any) -> Whitespace:
    result = judged(build(**kw))
    assert result.whitespace is not None
    return result.whitespace


CASES: list[tuple[str, dict[str, Any], str, RowState, str | None]] = [
    # Exchange Online
    ("m365", {"names": BOTH}, "exchange_online", IN, None),
    ("google", {"mx": (GOOGLE_MX,), "txt": SPF_GOOGLE, "tenant": NO_TENANT}, "exchange_online", NOT,
     "mail_migration"),
    ("local", {"mx": ("10 mail.contoso.com",), "txt": ("v=spf1 mx -all",), "tenant": NO_TENANT},
     "exchange_online", NOT, "mail_migration"),
    ("hosting", {"mx": ("10 mx.natrohost.com",), "txt": (), "tenant": NO_TENANT}, "exchange_online", NOT,
     "mail_migration"),
    ("hybrid", {"autodiscover": "mail.contoso.com", "names": BOTH}, "exchange_online", IN, "finish_exchange_move"),
    ("onprem with tenant", {"mx": ("10 mail.contoso.com",), "txt": (), "autodiscover": "owa.contoso.com"},
     "exchange_online", NOT, "finish_exchange_move"),
    ("mx failed", {"mx": (), "mx_outcome": Outcome.SERVFAIL, "txt": ()}, "exchange_online", UNK, None),
    # Entra ID
    ("managed", {"names": BOTH}, "entra_id", IN, None),
    ("adfs", {"tenant": federated("https://sts.contoso.com/adfs/ls/"), "names": BOTH}, "entra_id", IN,
     "move_signin_to_entra"),
    ("okta", {"tenant": federated("https://contoso.okta.com/app/o365"), "names": BOTH}, "entra_id", IN,
     "move_signin_to_entra"),
    ("ping", {"tenant": federated("https://auth.pingone.com/x"), "names": BOTH}, "entra_id", IN,
     "move_signin_to_entra"),
    ("google idp: no play", {"tenant": federated("https://accounts.google.com/o/saml2"), "names": BOTH},
     "entra_id", IN, None),
    ("no tenant", {"tenant": NO_TENANT}, "entra_id", NOT, None),
    ("tenant failed", {"tenant": FAILED_TENANT}, "entra_id", UNK, None),
    # Intune
    ("intune seen", {"names": INTUNE}, "intune", IN, None),
    ("intune not seen", {"names": TEAMS}, "intune", NOT, "intune"),
    ("intune not seen, no tenant", {"tenant": NO_TENANT}, "intune", NOT, None),
    ("intune lookup failed", {"names": {"enterpriseenrollment": Outcome.SERVFAIL}}, "intune", UNK, None),
    # Teams
    ("teams seen", {"names": TEAMS}, "teams", IN, None),
    ("teams by SRV", {"names": {"_sipfederationtls._tcp": "100 1 5061 sipfed.online.lync.com"}}, "teams", IN, None),
    ("teams not seen", {"names": INTUNE}, "teams", NOT, "teams_phone"),
    ("teams not seen, no tenant", {"tenant": NO_TENANT}, "teams", NOT, None),
    ("teams failed", {"names": {"lyncdiscover": Outcome.TIMEOUT}}, "teams", UNK, None),
    # Mail security
    ("gateway before m365", {"mx": (PROOFPOINT_MX,), "autodiscover": "autodiscover.outlook.com"},
     "mail_security", IN, "defender_for_office"),
    ("gateway before google", {"mx": (PROOFPOINT_MX,), "txt": SPF_GOOGLE, "tenant": NO_TENANT},
     "mail_security", IN, None),
    ("m365 without gateway", {}, "mail_security", NOT, None),
    ("mx failed", {"mx": (), "mx_outcome": Outcome.TIMEOUT}, "mail_security", UNK, None),
    # Azure
    ("web on azure", {"www": ("203.0.113.1",), "www_cnames": ("contoso.azurewebsites.net",)}, "azure", IN, None),
    ("dns on azure", {"ns": ("ns1-01.azure-dns.com",)}, "azure", IN, None),
    ("web on aws", {"www": ("203.0.113.1",), "www_cnames": ("d1.cloudfront.net",)}, "azure", NOT,
     "azure_migration"),
    ("web on google", {"www": ("203.0.113.1",), "www_cnames": ("ghs.googlehosted.com",)}, "azure", NOT,
     "azure_migration"),
    ("web on vercel", {"www": ("203.0.113.1",), "www_cnames": ("cname.vercel-dns.com",)}, "azure", NOT,
     "azure_migration"),
    ("web on hetzner", {"apex": ("198.51.100.9",), "network": (AddressInfo("198.51.100.9", "DE", 24940, "H",
                                                                           "Hetzner"),)}, "azure", NOT,
     "azure_migration"),
    ("shared hosting", {"apex": ("198.51.100.9",), "network": (AddressInfo("198.51.100.9", "US", 26496, "G",
                                                                           "GoDaddy"),)}, "azure", NOT,
     "azure_web_hosting"),
    ("behind cloudflare", {"www": ("203.0.113.1",), "www_cnames": ("contoso.cdn.cloudflare.net",)}, "azure", NOT,
     None),
    ("nothing known", {"ns": (), "ns_outcome": Outcome.SERVFAIL, "footprint": True}, "azure", NOT, None),
    # Competitor suite
    ("google mail", {"mx": (GOOGLE_MX,), "txt": SPF_GOOGLE}, "competitor_suite", IN, None),
    ("aws web", {"www": ("203.0.113.1",), "www_cnames": ("d1.cloudfront.net",)}, "competitor_suite", IN, None),
    ("route 53", {"ns": ("ns-1.awsdns-01.com",)}, "competitor_suite", IN, None),
    ("okta sign-in", {"tenant": federated("https://contoso.okta.com/x")}, "competitor_suite", IN, None),
    ("all microsoft", {"names": BOTH}, "competitor_suite", NOT, None),
    ("mx failed", {"mx": (), "mx_outcome": Outcome.SERVFAIL}, "competitor_suite", UNK, None),
]


@pytest.mark.parametrize(("case", "kw", "row", "state", "play"), CASES, ids=[f"{c[2]}:{c[0]}" for c in CASES])
def test_grid_row(case: str, kw: dict[str, Any], row: str, state: RowState, play: str | None) -> None:
    got = grid(**kw).row(row)
    assert got.state is state, case
    assert (got.play.key if got.play else None) == play, case
    if state is IN:
        assert got.evidence, f"{case}: an in-use row keeps its evidence"


def test_every_row_and_play_is_covered_by_the_table() -> None:
    rules = parse_whitespace_rules(open_default())
    assert {c[2] for c in CASES} == set(ROW_KEYS)
    assert {c[4] for c in CASES if c[4]} == set(rules.plays)
    for row in ROW_KEYS:
        assert {c[3] for c in CASES if c[2] == row} == {IN, NOT, UNK} or row == "azure"


def test_play_labels_and_reasons_are_built_from_evidence() -> None:
    g = grid(mx=(PROOFPOINT_MX,), autodiscover="autodiscover.outlook.com",
             www=("203.0.113.1",), www_cnames=("d1.cloudfront.net",))
    defender = g.row("mail_security").play
    assert defender is not None
    assert defender.label_en == "Defender for Office 365 instead of Proofpoint"
    assert defender.label_tr == "Proofpoint yerine Defender for Office 365"
    assert "Proofpoint" in defender.reason_en and defender.confidence == "medium"
    azure = g.row("azure").play
    assert azure is not None and azure.label_en == "Azure migration of AWS" and azure.reason_en.endswith("AWS")
    teams = grid(names=INTUNE).row("teams").play
    assert teams is not None and teams.confidence == "low"
    mail = grid(mx=(GOOGLE_MX,), txt=SPF_GOOGLE, tenant=NO_TENANT).row("exchange_online").play
    assert mail is not None and mail.reason_en == "Mail runs at Google Workspace, not at Microsoft 365"
    okta = grid(tenant=federated("https://contoso.okta.com/x")).row("entra_id").play
    assert okta is not None and okta.reason_en == "Microsoft 365 sign-in is federated with Okta"


def test_competitors_are_listed_as_context() -> None:
    g = grid(mx=(GOOGLE_MX,), txt=SPF_GOOGLE, ns=("ns-1.awsdns-01.com",), tenant=federated("https://x.okta.com/a"))
    assert g.competitors == ("Google Workspace", "AWS (DNS)", "Okta (sign-in)")


def test_rows_follow_the_rule_file_order_and_labels() -> None:
    g = grid()
    assert tuple(r.key for r in g.rows) == ROW_KEYS
    assert g.row("mail_security").label_tr == "E-posta güvenliği"
    assert MANAGED.namespace == "Managed"


def open_default() -> str:
    from importlib import resources
    return resources.files("leadhunter.domain.data").joinpath("whitespace.toml").read_text("utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('key = "azure"\n', 'key = "cloud"\n', 1), "unknown row"),
    (lambda t: t.replace('[[row]]\nkey = "teams"\nlabel_en = "Teams"\nlabel_tr = "Teams"\n', ""), "teams"),
    (lambda t: t.replace('key = "intune"\nrow = "intune"', 'key = "intune_x"\nrow = "intune"'), "unknown or repeated"),
    (lambda t: t.replace('confidence = "low"', 'confidence = "maybe"'), "confidence"),
    (lambda t: t.replace("{gateway} yerine", "{gatway} yerine"), "placeholder"),
    (lambda t: t.replace('label_tr = "Teams Phone / toplantılar"\n', ""), "label_tr"),
    (lambda t: t + "\n[[play", "TOML"),
])
def test_bad_rule_files_are_refused(change: Any, message: str) -> None:
    with pytest.raises(WhitespaceRulesError, match=message):
        parse_whitespace_rules(change(open_default()))


def test_a_replaced_file_changes_labels_and_drops_plays() -> None:
    text = open_default().replace("Mail migration to Exchange Online", "Move the mail")
    text = text[: text.index('[[play]]\nkey = "teams_phone"')] + text[text.index('[[play]]\nkey = "defender'):]
    rules = parse_whitespace_rules(text)
    from leadhunter.domain.assessment import assess
    from leadhunter.domain.provider_rules import default_provider_rules
    from leadhunter.domain.scoring_rules import default_scoring_rules
    facts = build(mx=(GOOGLE_MX,), txt=SPF_GOOGLE, names=INTUNE)
    result = assess(facts, default_provider_rules(), default_scoring_rules(), whitespace_rules=rules)
    assert result.whitespace is not None
    play = result.whitespace.row("exchange_online").play
    assert play is not None and play.label_en == "Move the mail"
    assert result.whitespace.row("teams").state is NOT and result.whitespace.row("teams").play is None
