"""Ingest over real sockets: CSV/XLSX uploads, refused files, verbatim names, webhooks with keys, auth on /api."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterator

import pytest
from api_support import LiveApi, start_api
from sqlalchemy import func, select

from leadhunter.config import Settings
from leadhunter.db.models import Company
from leadhunter.runtime import session_factory
from leadhunter.services.api_keys import create_key, revoke_key

SPACE = "“not a site” contains a space, which a domain name cannot have"

# (line, company, website, e-mail): a title row on line 1 and the header on line 2 come first.
ROWS = [
    (3, "Örnek Yazılım A.Ş.", "https://www.ornek.com.tr/iletisim", "info@ornek.com.tr"),
    (4, "Çiçek Lojistik", "", "satis@cicek-lojistik.com"),
    (5, "Örnek Tekrar", "ornek.com.tr", ""),  # duplicate of line 3
    (6, "Bozuk Satır", "not a site", "ali@gmail.com"),  # bad: website refused first, gmail is no fallback
    (7, "Gmail Only", "", "veli@gmail.com"),  # bad: a personal mailbox
    (8, "Şişecam Dış Ticaret", "sisecam-dis.com.tr", "ik@gmail.com"),  # website beats the gmail address
]
GOOD = ["cicek-lojistik.com", "ornek.com.tr", "sisecam-dis.com.tr"]
ERRORS = [
    {"line": 6, "reason": SPACE},
    {"line": 7, "reason": "“gmail.com” is a personal mailbox provider, not a company domain"},
]


def _csv(encoding: str) -> bytes:
    lines = ["Müşteri Listesi — Ekim 2024;;", "Firma;Web Sitesi;E-posta"]
    lines += [f"{name};{site};{mail}" for _, name, site, mail in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Müşteri Listesi — Ekim 2024"])
    sheet.append(["Firma", "Web Sitesi", "E-posta"])
    for _, name, site, mail in ROWS:
        sheet.append([name, site or None, mail or None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _company_count(api: LiveApi) -> int:
    with session_factory(api.settings.database())() as session:
        return int(session.scalar(select(func.count()).select_from(Company)) or 0)


def _upload(api: LiveApi, filename: str, content: bytes, mime: str = "application/octet-stream") -> dict:
    response = api.client.post("/api/imports", files={"file": (filename, content, mime)})
    return {"status": response.status_code, "body": response.json()}


# --- uploads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "make", "mime"),
    [
        ("musteriler.csv", lambda: _csv("utf-8"), "text/csv"),
        ("musteriler-bom.csv", lambda: _csv("utf-8-sig"), "text/csv"),
        ("musteriler-1254.csv", lambda: _csv("cp1254"), "text/csv"),
        ("musteriler.xlsx", _xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
    ids=["csv-utf8", "csv-bom", "csv-cp1254", "xlsx"],
)
def test_upload_imports_good_rows_counts_duplicates_and_lists_bad_lines(api: LiveApi, filename: str,
                                                                         make: Callable[[], bytes],
                                                                         mime: str) -> None:
    sent = _upload(api, filename, make(), mime)
    assert sent["status"] == 202, sent["body"]
    body = sent["body"]
    assert (body["filename"], body["rows"], body["accepted"], body["duplicates"]) == (filename, 6, 3, 1)
    assert body["errors"] == ERRORS
    assert isinstance(body["job_id"], int) and body["queued"] is True
    assert api.dispatched == [(body["job_id"], 0)]

    status = api.client.get(f"/api/imports/{body['import_id']}")
    assert status.status_code == 200
    assert status.json() == {k: v for k, v in body.items() if k != "queued"}

    job = api.client.get(f"/api/jobs/{body['job_id']}").json()
    assert (job["status"], job["total"]) == ("queued", 3)

    listed = api.client.get("/api/leads", params={"sort": "domain", "page_size": 500}).json()
    assert listed["total"] == 3 and [r["domain"] for r in listed["items"]] == GOOD
    names = {r["domain"]: r["name"] for r in listed["items"]}
    assert names["ornek.com.tr"] == "Örnek Yazılım A.Ş." and names["sisecam-dis.com.tr"] == "Şişecam Dış Ticaret"


def test_job_chunks_follow_the_chunk_size(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"scan_chunk_size": 2})
    dispatched: list[tuple[int, int]] = []
    for live in start_api(settings, dispatched):
        content = ("Domain\n" + "\n".join(f"firma-{i}.com.tr" for i in range(5)) + "\n").encode()
        body = _upload(live, "list.csv", content)["body"]
        assert (body["rows"], body["accepted"], body["errors"]) == (5, 5, [])
        assert live.dispatched == [(body["job_id"], 0), (body["job_id"], 1), (body["job_id"], 2)]


@pytest.mark.parametrize(
    ("filename", "content", "says"),
    [
        ("random.csv", os.urandom(10 * 1024 * 1024), "it holds binary data"),
        ("empty.csv", b"", "The file is empty."),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 4096, "not a CSV or XLSX file"),
        ("old-named.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096, "old-format Excel file (.xls)"),
        ("header-only.csv", b"Firma;Web Sitesi\r\n", "a header row but no rows under it"),
        ("no-column.csv", b"Ad;Soyad\nAli;Veli\n", "Name a column Domain, Website or E-mail"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 200, "damaged Excel or ZIP file"),
    ],
    ids=["random-10mb", "empty", "ole-xls", "ole-as-csv", "header-only", "no-domain-column", "broken-zip"],
)
def test_a_file_that_is_not_a_lead_list_is_a_422_and_imports_nothing(api: LiveApi, filename: str,
                                                                      content: bytes, says: str) -> None:
    sent = _upload(api, filename, content)
    assert sent["status"] == 422, sent["body"]
    error = sent["body"]["error"]
    assert error["code"] == "bad_import_file" and says in error["message"]
    assert api.dispatched == []
    assert _company_count(api) == 0
    assert api.client.get("/api/leads").json()["total"] == 0
    assert api.client.get("/api/imports/1").status_code == 404  # the import record was rolled back too


def test_unknown_import_is_a_404_with_the_error_shape(api: LiveApi) -> None:
    response = api.client.get("/api/imports/999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "import_not_found"


@pytest.mark.parametrize(
    ("domain", "name"),
    [
        ("formula.com.tr", '=HYPERLINK("x")'),
        ("markup.com.tr", "<img src=x onerror=alert(1)>"),
        ("plus.com.tr", "+90 212 555 00 00"),
        ("at.com.tr", "@SUM(1+1)"),
    ],
)
def test_company_names_are_stored_verbatim(api: LiveApi, domain: str, name: str) -> None:
    content = f'Firma,Web Sitesi\r\n"{name.replace(chr(34), chr(34) * 2)}",{domain}\r\n'.encode()
    body = _upload(api, "names.csv", content)["body"]
    assert (body["accepted"], body["errors"]) == (1, [])
    detail = api.client.get(f"/api/leads/{domain}")
    assert detail.status_code == 200 and detail.json()["name"] == name


# --- webhooks --------------------------------------------------------------------------------------------


def _key(api: LiveApi, *, rate: int = 600, revoked: bool = False) -> str:
    with session_factory(api.settings.database()).begin() as session:
        key, row = create_key(session, "crm", rate_per_minute=rate)
        prefix = row.prefix
    if revoked:
        with session_factory(api.settings.database()).begin() as session:
            assert revoke_key(session, prefix)
    return key


HOOK = {"leads": [{"domain": "contoso.com.tr", "name": "Contoso"}, {"website": "https://fabrikam.com/tr"},
                  {"email": "ayse@northwind.com.tr"}, {"email": "x@gmail.com"}, {"domain": "not a site"}]}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Bearer hk_nothere_abcdef"}, 401),
        ({"X-API-Key": "not-a-key"}, 401),
        ("bearer", 202),
        ("x-api-key", 202),
        ("revoked", 401),
    ],
    ids=["none", "empty-bearer", "unknown-key", "junk-key", "bearer", "x-api-key", "revoked"],
)
def test_webhook_needs_a_valid_key_even_on_loopback(api: LiveApi, headers: dict[str, str] | str,
                                                    status: int) -> None:
    if headers == "bearer":
        headers = {"Authorization": f"Bearer {_key(api)}"}
    elif headers == "x-api-key":
        headers = {"X-API-Key": _key(api)}
    elif headers == "revoked":
        headers = {"Authorization": f"Bearer {_key(api, revoked=True)}"}
    assert isinstance(headers, dict)
    response = api.client.post("/api/webhooks/leads", json=HOOK, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    if status == 401:
        assert body == {"error": {"code": "unauthorized", "message": body["error"]["message"], "details": None,
                                  "request_id": response.headers["X-Request-ID"]}}
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert "API key" in body["error"]["message"]
        assert api.dispatched == [] and _company_count(api) == 0
        return
    assert body["accepted"] == 3 and body["queued"] is True
    assert [(i["index"], i["input"], i["reason"]) for i in body["invalid"]] == [
        (3, "x@gmail.com", "consumer_mailbox"), (4, "not a site", "bad_characters")]
    assert api.dispatched == [(body["job_id"], 0)]
    listed = api.client.get("/api/leads", params={"sort": "domain"}).json()
    assert [r["domain"] for r in listed["items"]] == ["contoso.com.tr", "fabrikam.com", "northwind.com.tr"]


def test_webhook_body_is_validated_after_the_key(api: LiveApi) -> None:
    key = _key(api)
    response = api.client.post("/api/webhooks/leads", json={"leads": []}, headers={"X-API-Key": key})
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def _not_at_minute_end() -> None:
    """The limiter counts in fixed minutes; keep a short burst inside one of them."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_webhook_rate_limit_per_key_per_minute(api: LiveApi) -> None:
    slow, other = _key(api, rate=3), _key(api, rate=3)
    _not_at_minute_end()
    one = {"leads": [{"domain": "contoso.com.tr"}]}
    codes = [api.client.post("/api/webhooks/leads", json=one, headers={"Authorization": f"Bearer {slow}"}).status_code
             for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    limited = api.client.post("/api/webhooks/leads", json=one, headers={"X-API-Key": slow})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert api.client.post("/api/webhooks/leads", json=one, headers={"X-API-Key": other}).status_code == 202


# --- auth on /api ----------------------------------------------------------------------------------------


@pytest.fixture
def secured(api_settings: Settings) -> Iterator[LiveApi]:
    """A live API on loopback with keys required."""
    yield from start_api(api_settings.model_copy(update={"auth_required": True}), [])


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/leads", None),
        ("GET", "/api/leads/kpis", None),
        ("GET", "/api/imports/1", None),
        ("POST", "/api/leads", {"domain": "contoso.com.tr"}),
        ("POST", "/api/scans", {"domains": ["contoso.com.tr"]}),
    ],
)
def test_api_routes_need_a_key_when_auth_is_required(secured: LiveApi, method: str, path: str,
                                                     payload: dict | None) -> None:
    response = secured.client.request(method, path, json=payload)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert secured.dispatched == [] and _company_count(secured) == 0


def test_with_a_key_the_api_answers_and_health_stays_open(secured: LiveApi) -> None:
    key = _key(secured)
    assert secured.client.get("/api/leads").status_code == 401
    assert secured.client.get("/api/leads", headers={"Authorization": "Bearer wrong"}).status_code == 401
    listed = secured.client.get("/api/leads", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert secured.client.get("/api/leads", headers={"X-API-Key": key}).status_code == 200
    upload = secured.client.post("/api/imports", files={"file": ("a.csv", b"Domain\ncontoso.com.tr\n")},
                                 headers={"X-API-Key": key})
    assert upload.status_code == 202 and upload.json()["accepted"] == 1
    assert secured.client.post("/api/imports", files={"file": ("a.csv", b"Domain\nx.com\n")}).status_code == 401
    assert secured.client.get("/healthz/live").json() == {"status": "ok"}
    assert secured.client.get("/healthz/ready").status_code == 200
