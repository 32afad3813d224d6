"""Company size and the sales brief through the HTTP API and the CLI, on SQLite and PostgreSQL: the size
from a referral band, an imported employees column and the scan's heuristics; the size filter, facet and
export column; ``GET /api/leads/{domain}/brief`` in both languages; ``hunter brief``."""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import pytest
from api_support import LiveApi
from brief_support import brief_api, seed
from typer.testing import CliRunner

from leadhunter.cli.main import app as cli_app

__all__ = ["brief_api"]


def domains(api: LiveApi, **params: Any) -> set[str]:
    response = api.client.get("/api/leads", params=params)
    assert response.status_code == 200, response.text
    return {item["domain"] for item in response.json()["items"]}


def test_size_sources_filter_facet_and_export(brief_api: LiveApi) -> None:
    seed(brief_api)
    items = {i["domain"]: i for i in brief_api.client.get("/api/leads").json()["items"]}
    assert {d: (i["size"], i["size_confidence"]) for d, i in items.items()} == {
        "full.com.tr": ("large", "high"), "gmail-co.com": ("medium", "high"), "aws.com": ("medium", "low"),
        "plain.com": ("small", "low"), "new.com": (None, None)}
    assert domains(brief_api, size="large") == {"full.com.tr"}
    assert domains(brief_api, size=["medium", "small"]) == {"gmail-co.com", "aws.com", "plain.com"}
    assert brief_api.client.get("/api/leads", params={"size": "huge"}).status_code == 422
    assert brief_api.client.get("/api/leads/facets").json()["sizes"] == {"large": 1, "medium": 2, "small": 1}
    detail = brief_api.client.get("/api/leads/aws.com").json()["size_detail"]
    assert detail["source"] == "heuristic" and "Okta" in detail["reasons"][0]["en"]
    text = brief_api.client.get("/api/leads/export").content.decode("utf-8-sig")
    rows = {r["ascii_domain"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["full.com.tr"]["size"] == "large" and rows["new.com"]["size"] == ""


def test_brief_in_both_languages(brief_api: LiveApi) -> None:
    seed(brief_api)
    tr = brief_api.client.get("/api/leads/full.com.tr/brief", params={"lang": "tr"})
    assert tr.status_code == 200, tr.text
    body = tr.json()
    assert body["title"] == "Satış özeti" and body["lang"] == "tr"
    assert "Ayşe Yılmaz" in body["call_script"] and "Contoso Bilişim" in body["call_script"]
    assert body["size"]["source"] == "referral"
    sentences = [s for sec in body["sections"] for s in sec["sentences"]]
    assert all(s["evidence"] for s in sentences)
    assert any("referral: R-9 (co-sell)" in s["evidence"] for s in sentences)
    assert {sec["key"] for sec in body["sections"]} >= {"why", "angle", "security", "script", "questions", "offer",
                                                         "next_step"}
    en = brief_api.client.get("/api/leads/aws.com/brief").json()
    assert en["title"] == "Sales brief"
    plays = next(sec for sec in en["sections"] if sec["key"] == "plays")
    assert any("Intune" in s["text"] for s in plays["sentences"])
    offer = next(sec for sec in en["sections"] if sec["key"] == "offer")
    assert any("USD" in s["text"] for s in offer["sentences"])  # list prices in the configured currency


def test_brief_errors(brief_api: LiveApi) -> None:
    seed(brief_api)
    missing = brief_api.client.get("/api/leads/nope.com/brief")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "lead_not_found"
    unscanned = brief_api.client.get("/api/leads/new.com/brief")
    assert unscanned.status_code == 409 and unscanned.json()["error"]["code"] == "lead_not_scanned"
    assert brief_api.client.get("/api/leads/aws.com/brief", params={"lang": "de"}).status_code == 422


def test_cli_brief(brief_api: LiveApi, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(brief_api)
    for name in [n for n in os.environ if n.startswith("HUNTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HUNTER_DATABASE_URL", brief_api.settings.database())
    monkeypatch.setenv("HUNTER_DATA_DIR", str(brief_api.settings.data_dir))
    monkeypatch.setenv("HUNTER_BRIEF_SELLER_SIGNATURE", "Mehmet Öz")
    result = CliRunner().invoke(cli_app, ["brief", "gmail-co.com", "--lang", "tr", "--evidence"])
    assert result.exit_code == 0, result.output
    assert "Satış özeti: gmail-co.com" in result.output and "Mehmet Öz" in result.output
    assert "import: employees=250" in result.output
    missing = CliRunner().invoke(cli_app, ["brief", "nope.com"])
    assert missing.exit_code == 1
