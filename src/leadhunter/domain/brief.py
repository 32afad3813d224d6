"""The sales brief: what to say to a lead, in English or Turkish, every sentence tied to its evidence.

:func:`brief` is pure and table-driven: the scan report, its score, the footprint grid, the Partner Center
referral and the company size go in; sentences picked from ``domain/data/brief.toml`` and filled with those
values come out, each carrying the evidence it rests on (``dmarc: v=DMARC1; p=reject``, ``mx: …``). The UI,
the PDF and the Dynamics 365 description all print this one result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from leadhunter.domain.brief_rules import BriefRules, default_brief_rules
from leadhunter.domain.company_size import CompanySize
from leadhunter.domain.offer_rules import OfferLine, OfferRules, default_offer_rules

_POLICY_RANK = {"none": 0, "quarantine": 1, "reject": 2}
_COMPETITORS = frozenset({"Google", "Yandex", "Zoho", "Amazon"})
_WARM = frozenset({"Hot", "Warm"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence, the evidence it rests on (never empty) and the template ``key`` it was made from
    (``sec_dmarc_reject``: lets a screen or the PDF rate a finding without reading its words)."""

    text: str
    evidence: tuple[str, ...]
    key: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of sentences: ``key`` is why / angle / security / plays / size / script / questions /
    offer / next_step."""

    key: str
    title: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class ReferralView:
    """What the brief reads of a Partner Center referral: ``lead_type`` co-sell / marketplace /
    solution-provider and the customer size band as received."""

    lead_type: str
    referral_id: str = ""
    customer_size: str | None = None


@dataclass(frozen=True, slots=True)
class BriefContext:
    """Settings and time for one brief: ``partner_name`` and ``seller_signature`` (settings, never
    hard-coded), the company's display name, ``today``, the domain's expiry date if known, and the
    ``currency`` whose list prices the offer shows (None: no prices)."""

    partner_name: str
    seller_signature: str
    today: date
    company_name: str | None = None
    expires_on: date | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Brief:
    """The brief: ``lang``, ``domain``, ``title``, the one-line ``summary``, the ``sections`` and the
    next step's ``deadline`` (None: no next step)."""

    lang: str
    domain: str
    title: str
    summary: Sentence
    sections: tuple[Section, ...]
    deadline: date | None = None

    def section(self, key: str) -> Section | None:
        """The section named ``key`` (None when the brief has none)."""
        return next((s for s in self.sections if s.key == key), None)

    def sentences(self) -> list[Sentence]:
        """Every sentence: the summary first."""
        return [self.summary, *(s for sec in self.sections for s in sec.sentences)]

    def call_script(self) -> str:
        """The call script as plain text, one line per sentence."""
        section = self.section("script")
        return "\n".join(s.text for s in section.sentences) if section else ""

    def short_text(self, limit: int = 2000) -> str:
        """Summary, angle, security, offer and next step as plain text within ``limit`` characters (D365)."""
        lines = [self.summary.text]
        for key in ("angle", "security", "offer", "next_step"):
            section = self.section(key)
            if section and section.sentences:
                lines.append(f"{section.title}: " + " ".join(s.text for s in section.sentences))
        text = "\n".join(lines)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def as_json(self) -> dict[str, Any]:
        """``{lang, domain, title, summary, sections: [{key, title, sentences: [{text, evidence}]}], deadline,
        call_script}``."""
        def one(s: Sentence) -> dict[str, Any]:
            return {"text": s.text, "evidence": list(s.evidence), "key": s.key}

        return {"lang": self.lang, "domain": self.domain, "title": self.title, "summary": one(self.summary),
                "sections": [{"key": sec.key, "title": sec.title, "sentences": [one(s) for s in sec.sentences]}
                             for sec in self.sections],
                "deadline": self.deadline.isoformat() if self.deadline else None, "call_script": self.call_script()}


class _Writer:
    """Fills templates of one language; every sentence must name its evidence."""

    def __init__(self, rules: BriefRules, lang: str, values: dict[str, str]) -> None:
        self.rules, self.lang, self.values = rules, lang, values
        self.templates = rules.texts[lang]

    def word(self, key: str) -> str:
        return self.templates[key]

    def say(self, key: str, evidence: Sequence[str], **extra: object) -> Sentence:
        # A missing value raises KeyError (a template naming a value the brief does not give: a bug).
        text = self.templates[key].format_map(_Fill(self.values, extra) if extra else self.values)
        kept = tuple(e for e in evidence if e)
        if not kept:
            raise ValueError(f"sentence {key} has no evidence")
        return Sentence(_capital(text, self.lang), kept, key)

    def date(self, day: date) -> str:
        return f"{day.day:02d}.{day.month:02d}.{day.year}" if self.lang == "tr" else day.isoformat()


class _Fill(dict[str, object]):
    """The sentence's own values, then the brief's (no copy of the brief's values per sentence)."""

    def __init__(self, base: Mapping[str, str], extra: Mapping[str, object]) -> None:
        super().__init__(extra)
        self.base = base

    def __missing__(self, key: str) -> str:
        return self.base[key]


def _capital(text: str, lang: str) -> str:
    if not text or not text[0].islower():
        return text
    first = "İ" if lang == "tr" and text[0] == "i" else text[0].upper()
    return first + text[1:]


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def brief(report: Mapping[str, Any], score: Mapping[str, Any], footprint: Mapping[str, Any] | None,
          referral: ReferralView | None, size: CompanySize, lang: str, *, context: BriefContext,
          rules: BriefRules | None = None, offers: OfferRules | None = None) -> Brief:
    """The sales brief of one lead in ``lang`` (``en`` or ``tr``).

    ``report``: the stored scan report (domain, provider, gateway, spf, dkim, dmarc, tenant); ``score``: its
    score fields (``report.score_json`` shape); ``footprint``: ``{footprint, network, whitespace}`` or None;
    ``referral``: the linked referral or None; ``size``: :func:`~leadhunter.domain.company_size.estimate_size`.
    """
    rules = rules or default_brief_rules()
    offers = offers or default_offer_rules()
    if lang not in rules.texts:
        raise ValueError(f"lang must be one of {sorted(rules.texts)}")
    domain = str(report.get("domain_unicode") or report.get("domain") or "")
    provider_key = str(report.get("provider") or "Unknown")
    names = rules.providers[lang]
    hoster = str(report.get("hosting_label") or names.get(provider_key, provider_key))
    provider = hoster if provider_key == "Hosting" else names.get(provider_key, provider_key)
    category = str(score.get("category") or "P6")
    label = rules.tr_labels[category] if lang == "tr" else str(score.get("category_label") or category)
    action = rules.tr_actions[category] if lang == "tr" else str(score.get("action") or "")
    size_word = rules.text(lang, f"size_{size.band}" if size.band else "size_unknown")
    values = {"company": context.company_name or domain, "domain": domain, "provider": provider, "hoster": hoster,
              "gateway": str(report.get("gateway") or ""), "score": str(score.get("score") or 0),
              "segment": str(score.get("segment") or ""), "rule": str(score.get("segment_rule") or "-"),
              "category": category, "category_label": label, "action": action, "size": size_word,
              "partner": context.partner_name, "seller": context.seller_signature}
    w = _Writer(rules, lang, values)
    score_ev = f"score: {score.get('score')}/100, segment {score.get('segment')}, category {category}"
    mx_ev = _mx_evidence(report)
    if score.get("hard_fail"):
        summary = w.say("summary_hard", [score_ev, f"hard fail: {score['hard_fail']}"], reason=score["hard_fail"])
    else:
        summary = w.say("summary", [score_ev, mx_ev, _size_evidence(size)])
    plays = _plays(footprint)
    sections = [
        Section("why", w.word("section_why"), _why(w, score, score_ev)),
        Section("angle", w.word("section_angle"), _angle(w, report, score, referral, mx_ev)),
        Section("security", w.word("section_security"), _security(w, report)),
        Section("plays", w.word("section_plays"), _play_sentences(w, plays, footprint)),
        Section("size", w.word("section_size"), _size(w, size)),
        Section("script", w.word("section_script"), _script(w, report, score, mx_ev, score_ev)),
        Section("questions", w.word("section_questions"), _questions(w, provider_key, score, size, mx_ev)),
        Section("offer", w.word("section_offer"),
                _offer(w, offers.offer_for(str(score.get("segment") or "Skip"), size.band, [p for p, _ in plays]),
                       context.currency, score_ev, size)),
    ]
    steps, deadline = _next_steps(w, rules, category, referral, context, score_ev)
    sections.append(Section("next_step", w.word("section_next"), steps))
    return Brief(lang, domain, w.word("title"), summary, tuple(s for s in sections if s.sentences), deadline)


def _mx_evidence(report: Mapping[str, Any]) -> str:
    hosts = [str(_dict(m).get("host")) for m in report.get("mx") or [] if _dict(m).get("host")]
    provider = report.get("provider") or "Unknown"
    return f"mx: {', '.join(hosts[:2])} → {provider}" if hosts else f"mx: provider {provider}"


def _size_evidence(size: CompanySize) -> str:
    if not size.band:
        return "size: unknown"
    return f"size: {size.band} ({size.source}, {size.confidence})"


def _why(w: _Writer, score: Mapping[str, Any], score_ev: str) -> tuple[Sentence, ...]:
    if score.get("hard_fail"):
        return (w.say("why_hard", [f"hard fail: {score['hard_fail']}"], reason=score["hard_fail"]),)
    segment = str(score.get("segment") or "Skip")
    return (w.say("why_segment", [score_ev, f"segment rule {score.get('segment_rule')}"],
                  reason=w.word(f"segment_{segment}")),
            w.say("why_category", [score_ev]))


def _angle(w: _Writer, report: Mapping[str, Any], score: Mapping[str, Any], referral: ReferralView | None,
           mx_ev: str) -> tuple[Sentence, ...]:
    name = str(score.get("category_name") or "NO_GO")
    out = [w.say(f"angle_{name}", [mx_ev, f"category: {score.get('category')} {name}"])]
    if referral is not None:
        ev = [f"referral: {referral.referral_id or 'Partner Center'} ({referral.lead_type})"]
        if referral.lead_type == "co-sell":
            out.append(w.say("angle_referral_cosell", ev))
        else:
            out.append(w.say("angle_referral_other", ev, referral_type=referral.lead_type))
    tenant = _dict(report.get("tenant"))
    if tenant.get("status") == "found" and report.get("provider") != "M365":
        label = tenant.get("tenant_name") or tenant.get("brand") or tenant.get("tenant_id") or ""
        out.append(w.say("angle_tenant", [f"tenant: {tenant.get('tenant_id')}"], tenant=label))
    return tuple(out)


def _security(w: _Writer, report: Mapping[str, Any]) -> tuple[Sentence, ...]:
    spf, dkim, dmarc = _dict(report.get("spf")), _dict(report.get("dkim")), _dict(report.get("dmarc"))
    out: list[Sentence] = []
    if spf.get("status"):
        spf_ev = f"spf: {spf.get('record') or spf['status']}"
        out.append(w.say(f"sec_spf_{spf['status']}", [spf_ev]))
        includes = list(spf.get("includes") or [])
        if len(includes) > 3:
            out.append(w.say("sec_spf_many", [spf_ev], count=len(includes)))
    if dkim.get("status"):
        selectors = ", ".join(dkim.get("selectors") or []) or "-"
        out.append(w.say(f"sec_dkim_{dkim['status']}", [f"dkim: {dkim['status']} ({selectors})"], selectors=selectors))
    out += _dmarc(w, dmarc)
    if report.get("gateway"):
        out.append(w.say("sec_gateway", [f"mx: {report['gateway']} gateway"]))
    return tuple(out)


def _dmarc(w: _Writer, dmarc: Mapping[str, Any]) -> list[Sentence]:
    status = dmarc.get("status")
    if not status:
        return []
    ev = [f"dmarc: {dmarc.get('record') or status}"]
    policy, sp, pct = dmarc.get("policy"), dmarc.get("sp"), dmarc.get("pct")
    if status != "valid" or policy not in _POLICY_RANK:
        return [w.say(f"sec_dmarc_{status if status != 'valid' else 'invalid'}", ev)]
    out = [w.say(f"sec_dmarc_{policy}", ev)]
    if sp in _POLICY_RANK and _POLICY_RANK[sp] < _POLICY_RANK[policy]:
        out.append(w.say("sec_dmarc_sp", ev, sp=sp, policy=policy))
    if isinstance(pct, int) and pct < 100:
        out.append(w.say("sec_dmarc_pct", ev, pct=pct))
    return out


def _plays(footprint: Mapping[str, Any] | None) -> list[tuple[str, Mapping[str, Any]]]:
    """(play key, grid row) for each play in the stored white-space grid, in row order."""
    grid = _dict(_dict(footprint).get("whitespace"))
    rows = [_dict(r) for r in grid.get("rows") or []]
    return [(str(_dict(r["play"]).get("key")), r) for r in rows if _dict(r.get("play")).get("key")]


def _play_sentences(w: _Writer, plays: list[tuple[str, Mapping[str, Any]]],
                    footprint: Mapping[str, Any] | None) -> tuple[Sentence, ...]:
    if not plays:
        if not _dict(footprint).get("whitespace"):
            return ()  # no footprint read: say nothing rather than "no play"
        return (w.say("plays_none", ["whitespace: no play"]),)
    out = []
    for key, row in plays:
        play = _dict(row["play"])
        evidence = [*(str(e) for e in row.get("evidence") or []), f"play: {key} ({play.get('confidence')})"]
        out.append(w.say("play_line", evidence, label=play.get(f"label_{w.lang}", key),
                         reason=play.get(f"reason_{w.lang}", "")))
    return tuple(out)


def _size(w: _Writer, size: CompanySize) -> tuple[Sentence, ...]:
    if not size.band or not size.reasons:
        return (w.say("size_unknown_line", ["size: unknown"]),)
    head = w.say("size_line", [_size_evidence(size)])
    return (head, *(w.say("size_reason", [r.evidence], reason=(r.text_tr if w.lang == "tr" else r.text_en))
                    for r in size.reasons))


def _hook(report: Mapping[str, Any], score: Mapping[str, Any]) -> tuple[str, str]:
    """The call's opening hook and its evidence: the plainest security finding, else the angle."""
    dmarc, spf, dkim = _dict(report.get("dmarc")), _dict(report.get("spf")), _dict(report.get("dkim"))
    dmarc_ev = f"dmarc: {dmarc.get('record') or dmarc.get('status')}"
    policy, sp = dmarc.get("policy"), dmarc.get("sp")
    if dmarc.get("status") == "missing":
        return "script_hook_dmarc_missing", dmarc_ev
    if dmarc.get("status") == "valid" and policy == "none":
        return "script_hook_dmarc_none", dmarc_ev
    if policy in _POLICY_RANK and sp in _POLICY_RANK and _POLICY_RANK[sp] < _POLICY_RANK[policy]:
        return "script_hook_dmarc_sp", dmarc_ev
    if spf.get("status") in ("missing", "invalid"):
        return "script_hook_spf", f"spf: {spf.get('record') or spf.get('status')}"
    if dkim.get("status") == "missing":
        return "script_hook_dkim", "dkim: missing"
    name = score.get("category_name")
    key = {"COMPETITIVE": "script_hook_competitive", "GREENFIELD": "script_hook_greenfield",
           "WEAK_PARTNER": "script_hook_upsell", "RENEWAL": "script_hook_upsell"}.get(str(name), "script_hook_generic")
    return key, f"category: {score.get('category')} {name}"


def _script(w: _Writer, report: Mapping[str, Any], score: Mapping[str, Any], mx_ev: str,
            score_ev: str) -> tuple[Sentence, ...]:
    if score.get("category") == "P6":
        return (w.say("angle_NO_GO", [score_ev]),)
    technical, commercial = str(score.get("technical_heat") or "Cold"), str(score.get("commercial_heat") or "LOW")
    # Softer for Cold leads: a warm opening needs a technically warm lead or a high commercial heat.
    tone = "warm" if technical in _WARM or commercial == "HIGH" else "cold"
    heat_ev = f"heat: technical {technical}, commercial {commercial}"
    hook, hook_ev = _hook(report, score)
    return (w.say(f"script_open_{tone}", [heat_ev, mx_ev]), w.say(hook, [hook_ev]),
            w.say(f"script_ask_{tone}", [heat_ev]), w.say("script_sign", ["settings: partner name, seller signature"]))


def _questions(w: _Writer, provider: str, score: Mapping[str, Any], size: CompanySize,
               mx_ev: str) -> tuple[Sentence, ...]:
    segment = str(score.get("segment") or "Skip")
    seg_ev = f"segment: {segment}"
    if provider in _COMPETITORS:
        group = "competitor"
    elif provider in ("Hosting", "Local"):
        group = provider.lower()
    elif provider == "M365":
        group = "m365"
    else:
        group = "other"
    return (w.say(f"q_{segment}", [seg_ev]), w.say(f"q_provider_{group}", [mx_ev]),
            w.say(f"q_size_{size.band or 'unknown'}", [_size_evidence(size)]),
            w.say("q_decision", [seg_ev]), w.say("q_budget", [seg_ev]), w.say("q_timeline", [seg_ev]),
            w.say("q_kvkk", [mx_ev, "KVKK: Turkish data protection law"]))


def _price(line: OfferLine, currency: str | None, lang: str) -> str | None:
    if not currency or not line.products or any(currency not in p.prices for p in line.products):
        return None
    total = sum(p.prices[currency] for p in line.products)
    amount = f"{total:,.2f}"
    if lang == "tr":  # 1,234.50 → 1.234,50
        amount = amount.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{amount} {currency}"


def _offer(w: _Writer, lines: tuple[OfferLine, ...], currency: str | None, score_ev: str,
           size: CompanySize) -> tuple[Sentence, ...]:
    out = []
    for line in lines:
        reason = line.reason_tr if w.lang == "tr" else line.reason_en
        evidence = [f"offer rule: {line.source}", score_ev if line.source.startswith("tier:") else line.source,
                    _size_evidence(size) if line.source.startswith("tier:") else ""]
        if not line.products:
            out.append(w.say("offer_none", evidence, reason=reason))
            continue
        products = " + ".join(p.name for p in line.products)
        price = _price(line, currency, w.lang)
        if price:
            out.append(w.say("offer_price", evidence, products=products, price=price, reason=reason))
        else:
            out.append(w.say("offer_line", evidence, products=products, reason=reason))
    return tuple(out)


def _next_steps(w: _Writer, rules: BriefRules, category: str, referral: ReferralView | None,
                context: BriefContext, score_ev: str) -> tuple[tuple[Sentence, ...], date | None]:
    days = rules.step_days.get(category)
    if days is None:
        return (w.say("next_step_none", [score_ev]),), None
    out = [w.say("next_step", [score_ev, f"category action: {category}"],
                 deadline=w.date(context.today + timedelta(days)), days=days)]
    best = days
    if referral is not None and referral.lead_type == "co-sell":
        soon = min(days, rules.cosell_days)
        best = min(best, soon)
        out.append(w.say("next_step_cosell", [f"referral: {referral.referral_id or 'Partner Center'} (co-sell)"],
                         deadline=w.date(context.today + timedelta(soon)), days=soon))
    if context.expires_on is not None:
        left = (context.expires_on - context.today).days
        if 0 <= left <= rules.expiry_window_days:
            soon = min(days, rules.expiry_days, left)
            best = min(best, soon)
            out.append(w.say("next_step_expiry", [f"registration: expires {context.expires_on.isoformat()}"],
                             deadline=w.date(context.today + timedelta(soon)), days=soon,
                             expires=w.date(context.expires_on)))
    return tuple(out), context.today + timedelta(best)
