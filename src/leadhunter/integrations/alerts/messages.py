"""What an alert says, in English or Turkish, shaped for each channel: a Teams Adaptive Card (Workflows
webhook), a Slack incoming-webhook message, the generic webhook's JSON and an e-mail's plain and HTML parts.

One message carries one change (immediate) or several (a digest). Text from the data (company names, change
details) is escaped for the channel: Slack's ``&<>``, HTML's ``&<>"'``; Adaptive Card TextBlocks are plain
text with Markdown, so Markdown characters are escaped there.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass
from typing import Any

KIND_LABELS: dict[str, tuple[str, str]] = {
    "provider_changed": ("Mail provider changed", "E-posta sağlayıcısı değişti"),
    "gateway_changed": ("Mail gateway changed", "E-posta ağ geçidi değişti"),
    "dmarc_added": ("DMARC added", "DMARC eklendi"),
    "dmarc_tightened": ("DMARC tightened", "DMARC sıkılaştırıldı"),
    "dmarc_weakened": ("DMARC weakened", "DMARC gevşetildi"),
    "dmarc_removed": ("DMARC removed", "DMARC kaldırıldı"),
    "segment_changed": ("Segment changed", "Segment değişti"),
    "expire_soon": ("Domain expires soon", "Alan adının süresi doluyor"),
    "test": ("Test message", "Deneme mesajı"),
}
"""Change kind → (English, Turkish) heading; other kinds show their name with underscores as spaces."""

_WORDS = {
    "en": {"title": "Hunter: {n} change(s)", "test_title": "Hunter: test message", "open": "Open in Hunter",
           "lead": "Lead", "change": "Change", "score": "Score", "segment": "Segment", "category": "Category",
           "when": "When", "footer": "Sent by Hunter for the alert target \"{target}\".",
           "test_body": "If you can read this, alerts from Hunter reach this channel."},
    "tr": {"title": "Hunter: {n} değişiklik", "test_title": "Hunter: deneme mesajı", "open": "Hunter'da aç",
           "lead": "Firma", "change": "Değişiklik", "score": "Puan", "segment": "Segment", "category": "Kategori",
           "when": "Zaman", "footer": "Hunter tarafından \"{target}\" uyarı hedefi için gönderildi.",
           "test_body": "Bunu okuyabiliyorsanız Hunter uyarıları bu kanala ulaşıyor."},
}


@dataclass(frozen=True)
class AlertItem:
    """One change as it is delivered. ``changed_at``: ISO 8601 UTC; ``url``: the lead in Hunter (None when
    ``HUNTER_PUBLIC_URL`` is not set); ``delivery_id``: the outbox row (None for a test message)."""

    delivery_id: int | None
    change_id: int | None
    domain: str
    name: str | None
    kind: str
    old: str | None
    new: str | None
    detail: str
    changed_at: str
    score: int | None
    segment: str | None
    category: str | None
    url: str | None


def kind_label(kind: str, language: str) -> str:
    """The heading of a change kind in ``language`` (``en`` / ``tr``)."""
    pair = KIND_LABELS.get(kind)
    if pair is None:
        return kind.replace("_", " ").capitalize()
    return pair[1] if language == "tr" else pair[0]


def words(language: str) -> dict[str, str]:
    """The fixed phrases in ``language`` (English unless ``tr``)."""
    return _WORDS["tr" if language == "tr" else "en"]


def title(items: list[AlertItem], language: str, *, test: bool) -> str:
    """The message's title."""
    w = words(language)
    return w["test_title"] if test else w["title"].format(n=len(items))


def _line(item: AlertItem, language: str) -> str:
    change = f"{item.old or '—'} → {item.new or '—'}" if item.old or item.new else item.detail
    return f"{item.name or item.domain} ({item.domain}): {kind_label(item.kind, language)}: {change}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def teams_payload(items: list[AlertItem], language: str, target: str, *, test: bool = False) -> dict[str, Any]:
    """A Teams Workflows ("When a Teams webhook request is received") message with one Adaptive Card 1.4."""
    w = words(language)
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": _md(title(items, language, test=test)),
                                   "weight": "Bolder", "size": "Medium", "wrap": True}]
    if test:
        body.append({"type": "TextBlock", "text": _md(w["test_body"]), "wrap": True})
    for item in items:
        facts = [{"title": w["change"], "value": _md(f"{item.old or '—'} → {item.new or '—'}")},
                 {"title": w["score"], "value": "—" if item.score is None else str(item.score)},
                 {"title": w["segment"], "value": _md(item.segment or "—")},
                 {"title": w["category"], "value": _md(item.category or "—")},
                 {"title": w["when"], "value": item.changed_at}]
        container: dict[str, Any] = {"type": "Container", "separator": True, "items": [
            {"type": "TextBlock", "text": _md(f"{item.name or item.domain} — {kind_label(item.kind, language)}"),
             "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": _md(item.detail), "wrap": True, "isSubtle": True},
            {"type": "FactSet", "facts": facts}]}
        if item.url:
            container["selectAction"] = {"type": "Action.OpenUrl", "url": item.url, "title": w["open"]}
        body.append(container)
    body.append({"type": "TextBlock", "text": _md(w["footer"].format(target=target)), "size": "Small",
                 "isSubtle": True, "wrap": True})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(items: list[AlertItem], language: str, target: str, *, test: bool = False) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (notifications, fallback) and Block Kit ``blocks``."""
    w = words(language)
    heading = title(items, language, test=test)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": heading[:150]}}]
    if test:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack(w["test_body"])}})
    for item in items[:45]:  # Slack takes at most 50 blocks per message
        name = _slack(item.name or item.domain)
        lead = f"<{item.url}|{name}>" if item.url else name
        text = f"*{lead}* — {_slack(kind_label(item.kind, language))}\n{_slack(item.detail)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    if len(items) > 45:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"… +{len(items) - 45}"}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                                                    "text": _slack(w["footer"].format(target=target))}]})
    fallback = heading + "\n" + "\n".join(_line(item, language) for item in items[:20])
    return {"text": _slack(fallback), "blocks": blocks}


def webhook_payload(items: list[AlertItem], target_id: int, target: str, *, test: bool = False) -> dict[str, Any]:
    """The generic webhook's JSON body (documented in the README)."""
    return {"event": "hunter.test" if test else "hunter.changes", "target": {"id": target_id, "name": target},
            "changes": [asdict(item) for item in items]}


def email_parts(items: list[AlertItem], language: str, target: str, *, test: bool = False) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of an alert e-mail."""
    w = words(language)
    subject = title(items, language, test=test)
    lines = [subject, ""]
    if test:
        lines += [w["test_body"], ""]
    for item in items:
        lines.append(f"- {_line(item, language)}")
        lines.append(f"  {item.detail} ({item.changed_at})")
        if item.url:
            lines.append(f"  {item.url}")
    lines += ["", w["footer"].format(target=target)]
    e = html.escape
    rows = "".join(
        f"<tr><td>{_link(item, e)}</td><td>{e(kind_label(item.kind, language))}</td><td>{e(item.detail)}</td>"
        f"<td>{'—' if item.score is None else item.score}</td><td>{e(item.changed_at)}</td></tr>" for item in items)
    table = (f"<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><thead><tr><th>{e(w['lead'])}</th>"
             f"<th>{e(w['change'])}</th><th></th><th>{e(w['score'])}</th><th>{e(w['when'])}</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>") if items else ""
    lang = "tr" if language == "tr" else "en"
    body = (f"<!DOCTYPE html><html lang=\"{lang}\"><body><h2>{e(subject)}</h2>"
            + (f"<p>{e(w['test_body'])}</p>" if test else "") + table
            + f"<p><small>{e(w['footer'].format(target=target))}</small></p></body></html>")
    return subject, "\n".join(lines) + "\n", body


def _link(item: AlertItem, e: Any) -> str:
    name = e(item.name or item.domain)
    return f"<a href=\"{e(item.url)}\">{name}</a>" if item.url else name
