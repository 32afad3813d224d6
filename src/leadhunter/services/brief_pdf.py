"""The one-page PDF of a lead (fpdf2, DejaVu Sans embedded: every Turkish letter, ç ğ ı İ ö ş ü).

Two audiences: ``internal`` (verdict, the brief, the score breakdown, the footprint grid, the evidence) and
``customer`` (an e-mail security scorecard in plain language: no scores, no sales text, a leave-behind).
All text goes in as text (``markdown`` off), so a company named ``**<b>{x}</b>**`` is printed as written.
The page is laid out at 9 pt and set again one step smaller while it would spill onto a second page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from importlib import resources
from typing import Any

from fpdf import FPDF

from leadhunter.domain.brief import Brief, Sentence
from leadhunter.domain.brief_rules import default_brief_rules
from leadhunter.services.lead_brief import LeadBrief

AUDIENCES = ("internal", "customer")
FONT = "DejaVu"
_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)  # points, tried in order until the page holds everything
_GOOD = frozenset({"sec_spf_valid", "sec_dkim_found", "sec_dmarc_reject", "sec_dmarc_quarantine"})
_UNKNOWN = frozenset({"sec_spf_unknown", "sec_dkim_unknown", "sec_dmarc_unknown"})
_INFO = frozenset({"sec_gateway"})
_LABELS = {
    "en": {"internal": "Sales brief (internal)", "customer": "E-mail security scorecard", "score": "Score",
           "category": "Category", "segment": "Segment", "priority": "Priority", "size": "Size",
           "breakdown": "Score breakdown", "footprint": "Microsoft footprint", "evidence": "Evidence",
           "good": "Good", "attention": "Needs attention", "unknown": "Not checked", "info": "Note",
           "prepared": "Prepared by {partner} on {day}.",
           "intro": "We looked at the public DNS records of {domain}: the records every mail server reads before "
                    "it trusts a message. Nothing was sent to your servers and no account was accessed.",
           "in_use": "in use", "not_seen": "not seen", "unknown_state": "unknown", "play": "play"},
    "tr": {"internal": "Satış özeti (şirket içi)", "customer": "E-posta güvenliği karnesi", "score": "Puan",
           "category": "Kategori", "segment": "Segment", "priority": "Öncelik", "size": "Büyüklük",
           "breakdown": "Puan dökümü", "footprint": "Microsoft ayak izi", "evidence": "Kanıtlar",
           "good": "İyi", "attention": "İlgi istiyor", "unknown": "Kontrol edilemedi", "info": "Not",
           "prepared": "{partner} tarafından {day} tarihinde hazırlandı.",
           "intro": "{domain} alan adının herkese açık DNS kayıtlarına baktık: her e-posta sunucusunun bir iletiye "
                    "güvenmeden önce okuduğu kayıtlar. Sunucularınıza hiçbir şey gönderilmedi, hiçbir hesaba "
                    "erişilmedi.",
           "in_use": "kullanımda", "not_seen": "görülmedi", "unknown_state": "bilinmiyor", "play": "fırsat"},
}


def _font_path(name: str) -> str:
    return str(resources.files("leadhunter").joinpath(f"fonts/{name}"))


class _Page:
    """One A4 page being laid out at ``size`` points."""

    def __init__(self, size: float, title: str) -> None:
        self.size = size
        self.line = size * 0.48  # line height in mm
        pdf = FPDF(format="A4", unit="mm")
        pdf.set_margins(14, 12, 14)
        pdf.set_auto_page_break(True, margin=12)
        pdf.add_font(FONT, "", _font_path("DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", _font_path("DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        pdf.set_creator("Hunter")
        pdf.add_page()
        self.pdf = pdf

    def heading(self, text: str, grow: float = 1.0) -> None:
        self.pdf.set_font(FONT, "B", self.size * grow)
        self.pdf.multi_cell(0, self.line * grow * 1.15, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(self.line * 0.25)

    def text(self, text: str, *, bold: bool = False, indent: float = 0.0, grey: bool = False) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", self.size)
        self.pdf.set_text_color(90 if grey else 0)
        self.pdf.set_x(self.pdf.l_margin + indent)
        self.pdf.multi_cell(0, self.line, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.pdf.set_text_color(0)

    def rule(self) -> None:
        y = self.pdf.get_y() + 1
        self.pdf.set_draw_color(180)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.set_y(y + 1.5)

    def gap(self) -> None:
        self.pdf.ln(self.line * 0.5)


def _rating(sentence: Sentence) -> str:
    if sentence.key in _GOOD:
        return "good"
    if sentence.key in _UNKNOWN:
        return "unknown"
    if sentence.key in _INFO:
        return "info"
    return "attention"


def _customer(page: _Page, made: LeadBrief, labels: Mapping[str, str], partner: str, today: date) -> None:
    brief = made.brief
    name = made.company.name or brief.domain
    page.heading(labels["customer"], 1.6)
    page.text(f"{name} · {brief.domain}", bold=True)
    page.gap()
    page.text(labels["intro"].format(domain=brief.domain))
    page.rule()
    security = brief.section("security")
    for sentence in security.sentences if security else ():
        page.text(f"[{labels[_rating(sentence)]}]", bold=True)
        page.text(sentence.text, indent=4)
        page.gap()
    page.rule()
    page.text(labels["prepared"].format(partner=partner, day=_day(today, brief.lang)), grey=True)


def _day(day: date, lang: str) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}" if lang == "tr" else day.isoformat()


def _internal(page: _Page, made: LeadBrief, labels: Mapping[str, str], partner: str, today: date) -> None:
    brief, report = made.brief, made.report
    name = made.company.name or brief.domain
    page.heading(f"{labels['internal']}: {name} · {brief.domain}", 1.35)
    rules = default_brief_rules()
    category = str(report.get("category") or "")
    label = rules.tr_labels.get(category, "") if brief.lang == "tr" else str(report.get("category_label") or "")
    size = rules.text(brief.lang, f"size_{made.size.band}" if made.size.band else "size_unknown")
    verdict = (f"{labels['score']} {report.get('score')}/100 · {labels['category']} {category} {label} · "
               f"{labels['segment']} {report.get('segment')} · {labels['priority']} {report.get('priority')} · "
               f"{labels['size']} {size}")
    page.text(verdict, bold=True)
    page.text(brief.summary.text)
    page.rule()
    _sections(page, brief)
    page.rule()
    page.text(labels["breakdown"], bold=True)
    for item in report.get("breakdown") or []:
        points = item.get("points")
        page.text(f"{'' if points is None else f'{points:+d} '}{item.get('reason')}", indent=3)
    page.text(labels["footprint"], bold=True)
    page.text(_grid_line(made.company.footprint or report, brief.lang, labels), indent=3)
    page.text(labels["evidence"], bold=True)
    page.text("; ".join(str(e) for e in (report.get("evidence") or [])[:12]) or "-", indent=3, grey=True)
    page.text(labels["prepared"].format(partner=partner, day=_day(today, brief.lang)), grey=True)


def _sections(page: _Page, brief: Brief) -> None:
    for section in brief.sections:
        page.text(section.title, bold=True)
        for sentence in section.sentences:
            page.text(f"• {sentence.text}", indent=3)


def _grid_line(footprint: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> str:
    grid = footprint.get("whitespace") if isinstance(footprint, Mapping) else None
    rows: Sequence[Mapping[str, Any]] = grid.get("rows") or [] if isinstance(grid, Mapping) else []
    states = {"in_use": labels["in_use"], "not_seen": labels["not_seen"], "unknown": labels["unknown_state"]}
    parts = []
    for row in rows:
        play = f" ({labels['play']})" if row.get("play") else ""
        parts.append(f"{row.get(f'label_{lang}') or row.get('key')}: {states.get(str(row.get('state')), '-')}{play}")
    return " · ".join(parts) or "-"


def summary_pdf(made: LeadBrief, audience: str, *, partner: str, today: date) -> bytes:
    """The one-page PDF of ``made`` for ``audience`` (internal / customer); ``partner`` signs it."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {list(AUDIENCES)}")
    labels = _LABELS[made.brief.lang]
    title = f"{labels[audience]}: {made.brief.domain}"
    for size in _SIZES:
        page = _Page(size, title)
        (_internal if audience == "internal" else _customer)(page, made, labels, partner, today)
        if page.pdf.page_no() == 1 or size == _SIZES[-1]:
            return bytes(page.pdf.output())
    raise AssertionError("unreachable")
