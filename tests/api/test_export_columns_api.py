"""GET /api/leads/export: every column Hunter knows, ``columns=`` to choose, ``lang=tr`` headers, one line per
lead however many referrals it has (SQLite and PostgreSQL; data: tests/dashboard_seed.py)."""

from __future__ import annotations

import csv
import io

from api_support import LiveApi
from openpyxl import load_workbook

from dashboard_seed import seed_dashboard
from leadhunter.runtime import session_factory


def _csv(api: LiveApi, **params: object) -> list[list[str]]:
    response = api.client.get("/api/leads/export", params={"format": "csv", **params})
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_column_one_line_per_lead(api: LiveApi) -> None:
    seed_dashboard(session_factory(api.settings.database()))
    header, *lines = _csv(api, sort="domain")
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    assert [r["ascii_domain"] for r in rows] == sorted(["alpha.com", "beta.com", "gamma.com", "delta.com.tr",
                                                        "epsilon.com.tr", "zeta.com", "eta.com", "theta.com",
                                                        "iota.com"])
    beta = next(r for r in rows if r["ascii_domain"] == "beta.com")  # three referrals, still one line
    assert (beta["referral_type"], beta["referral_count"], beta["referral_ids"]) == ("co-sell", "3", "R-1; R-2; R-3")
    assert (beta["d365_status"], beta["d365_error"]) == ("error", "validation: companyname is required")
    assert beta["mx_hosts"] == "mx1.beta.com, mx2.beta.com"
    assert (beta["spf"], beta["spf_record"]) == ("valid", "v=spf1 include:spf.protection.outlook.com -all")
    assert (beta["dkim"], beta["dkim_selectors"]) == ("found", "selector1, selector2")
    assert (beta["dmarc"], beta["dmarc_status"], beta["dmarc_pct"], beta["dmarc_record"]) == (
        "reject", "valid", "100", "v=DMARC1; p=reject")
    assert (beta["tenant_namespace"], beta["technical_heat"], beta["commercial_heat"]) == ("Federated", "Hot", "Warm")
    assert beta["gateway"] == "Proofpoint" and beta["web_host"] == "AWS"
    assert beta["plays"] == "Mail migration to Exchange Online; Defender for Office 365 instead of Proofpoint"
    assert beta["category_label"] and beta["action"]  # from the rule file, for P2
    alpha = next(r for r in rows if r["ascii_domain"] == "alpha.com")
    assert (alpha["d365_status"], alpha["d365_lead_id"], alpha["d365_url"]) == (
        "synced", "11111111-2222-3333-4444-555555555555", "https://org.crm4.dynamics.com/lead/1")
    assert (alpha["referral_type"], alpha["referral_ids"], alpha["tags"]) == ("solution-provider", "R-4", "teams")
    assert (alpha["federation"], alpha["intune"], alpha["teams"]) == ("AD FS", "present", "")
    theta = next(r for r in rows if r["ascii_domain"] == "theta.com")  # never scanned: empty, not made up
    assert (theta["score"], theta["mx_hosts"], theta["technical_heat"], theta["referral_count"], theta["d365_status"]) \
        == ("", "", "", "0", "not_synced")
    assert header[:4] == ["domain", "ascii_domain", "company", "category"] and header[-3:] == [
        "registrar", "registered", "expires"]


def test_columns_and_turkish_headers(api: LiveApi) -> None:
    seed_dashboard(session_factory(api.settings.database()))
    chosen = _csv(api, columns="ascii_domain,referral_count,score", segment="Migration", sort="domain")
    assert chosen == [["ascii_domain", "referral_count", "score"], ["beta.com", "3", "81"], ["gamma.com", "0", "75"]]
    repeated = _csv(api, columns=["score", "ascii_domain"], segment="Migration", sort="domain", lang="tr")
    assert repeated == [["Puan", "Alan adı (ASCII)"], ["81", "beta.com"], ["75", "gamma.com"]]
    turkish = _csv(api, lang="tr", columns="plays", segment="Migration", sort="domain")
    assert turkish[1] == ["Exchange Online'a e-posta taşıma; Proofpoint yerine Defender for Office 365"]
    header = _csv(api, lang="tr")[0]
    assert {"Alan adı", "Yönlendirme kimlikleri", "D365 durumu", "MX sunucuları", "Teknik sıcaklık"} <= set(header)
    assert len(header) == len(_csv(api)[0]) and len(set(header)) == len(header)
    response = api.client.get("/api/leads/export", params={"format": "xlsx", "lang": "tr",
                                                            "columns": "domain,referral_ids", "segment": "Migration"})
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    assert next(list(r) for r in sheet.iter_rows(values_only=True)) == ["Alan adı", "Yönlendirme kimlikleri"]


def test_unknown_columns_are_named_in_a_422(api: LiveApi) -> None:
    response = api.client.get("/api/leads/export", params={"columns": "domain,nope,score,zap"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "nope" in error["message"] and "zap" in error["message"]
    assert [d["reason"] for d in error["details"]] == ["unknown column 'nope'", "unknown column 'zap'"]
    assert api.client.get("/api/leads/export", params={"lang": "de"}).status_code == 422
