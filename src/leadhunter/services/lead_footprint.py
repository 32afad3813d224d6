"""A stored company's footprint in words: its plays and SaaS products (tags with the ``play:`` / ``saas:``
prefix), the play labels filled from its verdict, and the one-line infrastructure summary. Shared by the API
(list, detail, export) and the D365 push, so every consumer says the same thing."""

from __future__ import annotations

from leadhunter.db.models import Company
from leadhunter.domain.footprint_columns import PLAY_TAG, SAAS_TAG, infrastructure_line, play_labels
from leadhunter.domain.whitespace_rules import default_whitespace_rules


def split_tags(tags: list[str]) -> tuple[list[str], list[str], list[str]]:
    """A company's tags as (plain tags, play keys, SaaS tags): plays and SaaS products are tags with the
    ``play:`` / ``saas:`` prefix in the database."""
    plain = [t for t in tags if not t.startswith((PLAY_TAG, SAAS_TAG))]
    plays = [t[len(PLAY_TAG):] for t in tags if t.startswith(PLAY_TAG)]
    saas = [t[len(SAAS_TAG):] for t in tags if t.startswith(SAAS_TAG)]
    return plain, _in_grid_order(plays), saas


def _in_grid_order(plays: list[str]) -> list[str]:
    order = {key: n for n, key in enumerate(default_whitespace_rules().plays)}
    return sorted(plays, key=lambda key: (order.get(key, len(order)), key))


def company_play_labels(company: Company, plays: list[str], lang: str = "en") -> list[str]:
    """The labels of ``plays`` for ``company``, placeholders filled from its stored verdict."""
    values = {"web_host": company.web_host, "dns_host": company.dns_host, "gateway": company.gateway,
              "provider": company.provider}
    return play_labels(plays, default_whitespace_rules(), values, lang)


def company_infrastructure(company: Company) -> str:
    """The one-line infrastructure summary of ``company`` (DNS host, web host and country, mail)."""
    provider = company.provider if company.provider not in (None, "Unknown") else None
    if provider == "Hosting" and company.hosting_label:
        provider = company.hosting_label
    return infrastructure_line(dns_host=company.dns_host, web_host=company.web_host, web_country=company.web_country,
                               mail_country=company.mail_country, provider=provider)
