"""Every column the lead export knows: its key (the English header and the ``columns=`` name), its Turkish
header, and how its value is read from one :class:`LeadRecord`. The order of :data:`COLUMNS` is the file's
order when no ``columns=`` is given; the first columns and the closing registration columns keep the places
older exports gave them, so a spreadsheet built on an old export still finds them.

One lead is one line whatever it has several of: referrals, MX hosts, DKIM selectors and tags are joined
into one cell (``; `` between referral ids, ``, `` between hosts, selectors and tags).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from leadhunter.db.d365_repo import LeadD365
from leadhunter.db.export_repo import CompanyReferrals, ExportCompany, ScanDetails
from leadhunter.db.referrals_repo import LEAD_TYPE_ORDER
from leadhunter.db.registration_models import CompanyRegistration
from leadhunter.domain.footprint_columns import infrastructure_line, play_labels
from leadhunter.domain.registration import RegistrationOutcome
from leadhunter.domain.scoring_rules import default_scoring_rules
from leadhunter.domain.whitespace_rules import default_whitespace_rules

LANGS = ("en", "tr")
"""Header languages of :func:`header`."""


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """What one export line is read from: the company row, its tags split into plain tags, play keys (in the
    rule file's order) and SaaS tags, its current scan's details, its referrals (None: none), its D365 state,
    its registration record (None: never looked up) and the language of the texts (``en``/``tr``: play labels)."""

    company: ExportCompany
    tags: list[str]
    plays: list[str]
    saas: list[str]
    scan: ScanDetails
    referrals: CompanyReferrals | None
    d365: LeadD365
    registration: CompanyRegistration | None
    lang: str = "en"


Getter = Callable[[LeadRecord], object]


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column: ``key`` (English header and ``columns=`` name), ``tr`` (Turkish header), ``get``."""

    key: str
    tr: str
    get: Getter


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _attr(name: str) -> Getter:
    def get(record: LeadRecord) -> object:
        value = getattr(record.company, name)
        return _iso(value) if isinstance(value, datetime) else value

    return get


def _category(record: LeadRecord, part: str) -> str | None:
    category = record.company.category
    row = default_scoring_rules().category_named(category) if category else None
    return str(getattr(row, part)) if row else None


def _heat(record: LeadRecord, which: str) -> str | None:
    """The heat label stored with the scan, else the rule file's for the company's current verdict."""
    stored = record.scan.technical_heat if which == "technical" else record.scan.commercial_heat
    c = record.company
    if stored or None in (c.provider, c.score, c.segment, c.category):
        return stored
    rules = default_scoring_rules()
    table = rules.technical_heat if which == "technical" else rules.commercial_heat
    assert c.provider is not None and c.score is not None and c.segment is not None and c.category is not None
    return rules.heat(table, c.provider, c.score, c.segment, c.category)


def _referral_type(record: LeadRecord) -> str | None:
    types = set(record.referrals.types) if record.referrals else set()
    return next((t for t in LEAD_TYPE_ORDER if t in types), min(types, default=None))


def _registration_field(name: str) -> Getter:
    """A field of the company's registration record when the registry answered (dates as YYYY-MM-DD)."""

    def get(record: LeadRecord) -> object:
        row = record.registration
        if row is None or row.outcome != RegistrationOutcome.OK:
            return None
        value = getattr(row, name)
        return _date(value) if isinstance(value, datetime) else value

    return get


def _plays(record: LeadRecord) -> str:
    """The play labels, their placeholders filled from the company's verdict (as the lead modal shows them)."""
    c = record.company
    values = {"web_host": c.web_host, "dns_host": c.dns_host, "gateway": c.gateway, "provider": c.provider}
    return "; ".join(play_labels(record.plays, default_whitespace_rules(), values, record.lang))


def _infrastructure(record: LeadRecord) -> str:
    """The one-line summary of where things run (as ``lead_footprint.company_infrastructure``)."""
    c = record.company
    provider = c.provider if c.provider not in (None, "Unknown") else None
    if provider == "Hosting" and c.hosting_label:
        provider = c.hosting_label
    return infrastructure_line(dns_host=c.dns_host, web_host=c.web_host, web_country=c.web_country,
                               mail_country=c.mail_country, provider=provider)


COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("domain", "Alan adı", _attr("domain_unicode")),
    ExportColumn("ascii_domain", "Alan adı (ASCII)", _attr("domain")),
    ExportColumn("company", "Şirket", _attr("name")),
    ExportColumn("category", "Kategori", _attr("category")),
    ExportColumn("category_label", "Kategori etiketi", lambda r: _category(r, "label")),
    ExportColumn("action", "Önerilen eylem", lambda r: _category(r, "action")),
    ExportColumn("priority", "Öncelik", _attr("priority")),
    ExportColumn("score", "Puan", _attr("score")),
    ExportColumn("segment", "Segment", _attr("segment")),
    ExportColumn("technical_heat", "Teknik sıcaklık", lambda r: _heat(r, "technical")),
    ExportColumn("commercial_heat", "Ticari sıcaklık", lambda r: _heat(r, "commercial")),
    ExportColumn("provider", "E-posta sağlayıcısı", _attr("provider")),
    ExportColumn("gateway", "Güvenlik ağ geçidi", _attr("gateway")),
    ExportColumn("hosting", "Barındırma", _attr("hosting_label")),
    ExportColumn("confidence", "Güven", _attr("confidence")),
    ExportColumn("size", "Şirket büyüklüğü", _attr("size")),  # small / medium / large (issue 14)
    ExportColumn("mx_hosts", "MX sunucuları", lambda r: ", ".join(r.scan.mx_hosts)),
    ExportColumn("spf", "SPF durumu", lambda r: r.scan.spf_status),
    ExportColumn("spf_record", "SPF kaydı", lambda r: r.scan.spf_record),
    ExportColumn("dkim", "DKIM durumu", lambda r: r.scan.dkim_status),
    ExportColumn("dkim_selectors", "DKIM seçicileri", lambda r: ", ".join(r.scan.dkim_selectors)),
    ExportColumn("dmarc", "DMARC politikası", _attr("dmarc_policy")),
    ExportColumn("dmarc_status", "DMARC durumu", lambda r: r.scan.dmarc_status),
    ExportColumn("dmarc_pct", "DMARC yüzdesi", lambda r: r.scan.dmarc_pct),
    ExportColumn("dmarc_record", "DMARC kaydı", lambda r: r.scan.dmarc_record),
    ExportColumn("tenant_id", "Kiracı kimliği", _attr("tenant_id")),
    ExportColumn("tenant_source", "Kiracı kaynağı", _attr("tenant_source")),
    ExportColumn("tenant_namespace", "Kiracı türü", lambda r: r.scan.tenant_namespace),
    ExportColumn("federation", "Federasyon", _attr("federation")),  # the IdP when federated, or "Managed"
    ExportColumn("intune", "Intune", _attr("intune")),  # footprint states: present / absent / unknown
    ExportColumn("entra_join", "Entra cihaz kaydı", _attr("entra_join")),
    ExportColumn("teams", "Teams", _attr("teams")),
    ExportColumn("scan_status", "Tarama durumu", _attr("scan_status")),
    ExportColumn("scanned_at", "Tarama zamanı", _attr("scanned_at")),
    ExportColumn("created_at", "Eklenme zamanı", _attr("created_at")),
    ExportColumn("tags", "Etiketler", lambda r: ", ".join(r.tags)),
    ExportColumn("web_host", "Web barındırma", _attr("web_host")),
    ExportColumn("dns_host", "DNS barındırma", _attr("dns_host")),
    ExportColumn("web_country", "Web ülkesi", _attr("web_country")),
    ExportColumn("mail_country", "E-posta ülkesi", _attr("mail_country")),
    ExportColumn("plays", "Satış fırsatları", _plays),
    ExportColumn("saas", "SaaS", lambda r: ", ".join(r.saas)),
    ExportColumn("infrastructure", "Altyapı", _infrastructure),
    ExportColumn("referral_type", "Yönlendirme türü", _referral_type),
    ExportColumn("referral_count", "Yönlendirme sayısı", lambda r: len(r.referrals.ids) if r.referrals else 0),
    ExportColumn("referral_ids", "Yönlendirme kimlikleri", lambda r: "; ".join(r.referrals.ids) if r.referrals else ""),
    ExportColumn("d365_status", "D365 durumu", lambda r: r.d365.status),
    ExportColumn("d365_lead_id", "D365 aday kimliği", lambda r: r.d365.lead_id),
    ExportColumn("d365_url", "D365 bağlantısı", lambda r: r.d365.url),
    ExportColumn("d365_error", "D365 hatası", lambda r: r.d365.error),
    ExportColumn("d365_synced_at", "D365 eşitlenme zamanı", lambda r: _iso(r.d365.synced_at)),
    ExportColumn("registrar", "Kayıt şirketi", _registration_field("registrar")),
    ExportColumn("registered", "Kayıt tarihi", _registration_field("registered_at")),
    ExportColumn("expires", "Bitiş tarihi", _registration_field("expires_at")),
)
"""Every export column, in the file's default order."""

BY_KEY: dict[str, ExportColumn] = {c.key: c for c in COLUMNS}


class UnknownColumnsError(ValueError):
    """``columns=`` named columns the export does not know (``names``, in the order given)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"unknown export columns: {', '.join(names)}")
        self.names = names


def choose_columns(names: list[str] | None) -> tuple[ExportColumn, ...]:
    """The columns ``names`` asks for, in its order (each once), or every column for None / an empty list.
    Names may be comma-separated (``columns=domain,score``). Raises :class:`UnknownColumnsError`."""
    wanted = [n.strip() for part in names or () for n in part.split(",") if n.strip()]
    if not wanted:
        return COLUMNS
    unknown = [n for n in wanted if n not in BY_KEY]
    if unknown:
        raise UnknownColumnsError(unknown)
    return tuple(BY_KEY[n] for n in dict.fromkeys(wanted))


def header(columns: tuple[ExportColumn, ...], lang: str = "en") -> list[str]:
    """The header line of ``columns`` in ``lang`` (``en``: the keys; ``tr``: Turkish names)."""
    return [c.tr if lang == "tr" else c.key for c in columns]
