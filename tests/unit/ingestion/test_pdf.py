from __future__ import annotations

import pytest

from app.errors import BadDocumentError, UnsupportedMediaError
from app.ingestion.pdf import PypdfParser, document_id_for
from app.ingestion.types import PAGE_SEPARATOR


def test_pages_index_the_served_text(sample_bytes: bytes) -> None:
    doc = PypdfParser().parse(sample_bytes, "agency.pdf")
    assert len(doc.pages) == 6
    assert doc.pages[0].start == 0
    for page, following in zip(doc.pages, doc.pages[1:], strict=False):
        assert following.start == page.end + len(PAGE_SEPARATOR)
    assert "governed" in doc.page_text(3).lower() or "laws of the state" in doc.text.lower()
    assert doc.page_at(doc.pages[2].start + 5) == 3


def test_document_id_is_the_sha256_of_the_bytes(sample_bytes: bytes) -> None:
    doc = PypdfParser().parse(sample_bytes, "agency.pdf")
    assert doc.document_id == document_id_for(sample_bytes)
    assert len(doc.document_id) == 64


def test_unicode_spaces_become_plain_spaces(sample_bytes: bytes) -> None:
    doc = PypdfParser().parse(sample_bytes, "agency.pdf")
    assert "\xa0" not in doc.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.pdf", "empty file"),
        ("not_a_pdf.pdf", "not a PDF"),
        ("encrypted.pdf", "encrypted"),
        ("zero_pages.pdf", "zero pages"),
        ("scanned.pdf", "no text layer"),
        ("truncated.pdf", ""),
        ("corrupt.pdf", "corrupt"),
    ],
)
def test_bad_input_gets_a_one_line_reason(
    hostile_files: dict[str, bytes], name: str, reason: str
) -> None:
    with pytest.raises(BadDocumentError) as caught:
        PypdfParser().parse(hostile_files[name], name)
    assert reason in caught.value.reason
    assert "\n" not in caught.value.reason


def test_non_pdf_is_unsupported_media(hostile_files: dict[str, bytes]) -> None:
    with pytest.raises(UnsupportedMediaError) as caught:
        PypdfParser().parse(hostile_files["not_a_pdf.pdf"], "x.pdf")
    assert caught.value.status_code == 415


def test_page_limit_is_enforced(sample_bytes: bytes) -> None:
    with pytest.raises(BadDocumentError, match="more than the limit 2"):
        PypdfParser(max_pages=2).parse(sample_bytes, "agency.pdf")
