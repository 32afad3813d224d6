"""The one-page PDF through the HTTP API: text extracted with pypdf (Turkish letters intact, fields present,
a hostile company name printed literally), one page per audience, the customer page free of scores and
sales text; pages rendered to PNG with pypdfium2 (``HUNTER_DOCS_PNG=1`` writes them to docs/)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2
from api_support import LiveApi
from brief_support import brief_api, seed
from pypdf import PdfReader

__all__ = ["brief_api"]
HOSTILE = "**<b>Örnek</b>** {domain} %s (İşçi) \\ ĞÜŞÇ ğüşıöç"
TURKISH = "çğıİöşüÇĞÖŞÜ"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def fetch(api: LiveApi, domain: str, **params: str) -> bytes:
    response = api.client.get(f"/api/leads/{domain}/summary.pdf", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_internal_pdf_turkish_text_and_fields(brief_api: LiveApi) -> None:
    seed(brief_api, names={"full.com.tr": HOSTILE})
    pages, text = text_of(fetch(brief_api, "full.com.tr", lang="tr", audience="internal"))
    assert pages == 1
    words = flat(text)
    assert HOSTILE in words  # printed as written: no markdown, no markup, no template filling
    assert "Satış özeti (şirket içi)" in words and "Puan dökümü" in words and "Microsoft ayak izi" in words
    assert "Ayşe Yılmaz" in words and "Contoso Bilişim" in words
    assert "Arama metni" in words and "Keşif soruları" in words and "Sonraki adım" in words
    assert all(letter in text for letter in TURKISH), [c for c in TURKISH if c not in text]


def test_customer_pdf_is_a_scorecard_without_scores_or_sales(brief_api: LiveApi) -> None:
    seed(brief_api)
    pages, text = text_of(fetch(brief_api, "aws.com", lang="en", audience="customer"))
    words = flat(text)
    assert pages == 1
    assert "E-mail security scorecard" in words and "Spoofing protection (DMARC)" in words
    for sales in ("Score", "/100", "Call script", "Offer", "Business Premium", "Category", "Ayşe Yılmaz"):
        assert sales not in words, sales
    assert "Prepared by Contoso Bilişim" in words
    _, turkish = text_of(fetch(brief_api, "aws.com", lang="tr", audience="customer"))
    assert "E-posta güvenliği karnesi" in flat(turkish) and "Sahtecilik koruması (DMARC)" in flat(turkish)


def test_pdf_errors(brief_api: LiveApi) -> None:
    seed(brief_api)
    assert brief_api.client.get("/api/leads/aws.com/summary.pdf", params={"audience": "boss"}).status_code == 422
    assert brief_api.client.get("/api/leads/nope.com/summary.pdf").status_code == 404
    assert brief_api.client.get("/api/leads/new.com/summary.pdf").status_code == 409


def test_pages_render_to_png(brief_api: LiveApi, tmp_path: Path) -> None:
    seed(brief_api, names={"full.com.tr": "Örnek Gıda Sanayi ve Ticaret A.Ş."})
    keep = os.environ.get("HUNTER_DOCS_PNG") == "1"
    for domain, audience, lang in (("full.com.tr", "internal", "tr"), ("aws.com", "customer", "tr")):
        document = pypdfium2.PdfDocument(fetch(brief_api, domain, lang=lang, audience=audience))
        assert len(document) == 1
        image = document[0].render(scale=1.6).to_pil()
        width, height = image.size
        assert height > width > 800  # A4 portrait
        grey = image.convert("L")
        assert grey.getextrema()[0] < 60  # there is dark text on the page
        target = (DOCS if keep else tmp_path) / f"summary-{audience}.png"
        image.save(target)
        document.close()
