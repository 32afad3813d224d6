"""The import's tags column (``tags`` / ``etiket``) over HTTP, on SQLite and PostgreSQL: several tags a cell,
Turkish header, XLSX too; a bad tag refuses its row with the line; a re-import adds no tag twice."""

from __future__ import annotations

import io
from typing import Any

from api_support import LiveApi
from openpyxl import Workbook


def upload(api: LiveApi, filename: str, content: bytes) -> dict[str, Any]:
    response = api.client.post("/api/imports", files={"file": (filename, content, "application/octet-stream")})
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def tags_of(api: LiveApi) -> dict[str, list[str]]:
    items = api.client.get("/api/leads", params={"page_size": 100}).json()["items"]
    return {item["domain"]: item["manual_tags"] for item in items}


def test_turkish_etiket_column_with_several_tags_a_cell(api: LiveApi) -> None:
    text = ("Firma;Alan Adı;Etiketler\n"
            "Örnek;örnek.com.tr;Fuar 2026, VIP | İstanbul\n"
            "Acme;acme.com;\n"
            "Bad;bad.com;play:intune\n"  # line 4: reserved prefix → the row is refused with its line
            'Beta;beta.com.tr;"vip; VIP"\n')  # case kept: two tags
    body = upload(api, "liste.csv", text.encode("utf-8"))
    assert body["accepted"] == 3
    assert body["errors"] == [{"line": 4, "reason": "tags: tags starting with play: or saas: are automatic"}]
    assert tags_of(api) == {"xn--rnek-4qa.com.tr": ["Fuar 2026", "VIP", "İstanbul"], "acme.com": [],
                            "beta.com.tr": ["VIP", "vip"]}
    assert {i["domain"] for i in api.client.get("/api/leads", params={"tag": "VIP"}).json()["items"]} == {
        "xn--rnek-4qa.com.tr", "beta.com.tr"}
    assert api.client.get("/api/leads/facets").json()["tags"]["VIP"] == 2

    again = upload(api, "liste-2.csv", b"Domain,Tags\nacme.com,q3\nbeta.com.tr,VIP;q3\n")
    assert again["accepted"] == 2
    assert tags_of(api)["beta.com.tr"] == ["VIP", "q3", "vip"] and tags_of(api)["acme.com"] == ["q3"]


def test_xlsx_tags_column(api: LiveApi) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Website", "Tags"])
    sheet.append(["https://contoso.com/", "partner;renewal"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(api, "leads.xlsx", buffer.getvalue())["accepted"] == 1
    assert tags_of(api) == {"contoso.com": ["partner", "renewal"]}
