"""Shared fixtures: the bundled sample contracts and small hostile PDFs made on the fly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SAMPLE_PDF = SAMPLES / "AMERICANPHYSICIANSCAPITALINC_03_31_2003-EX-10.26-AGENCY_AGREEMENT.pdf"


@pytest.fixture(scope="session")
def sample_pdf() -> Path:
    return SAMPLE_PDF


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return SAMPLE_PDF.read_bytes()


def blank_pdf(pages: int = 1, password: str | None = None) -> bytes:
    """Return a PDF of blank pages (no text layer), optionally encrypted."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def hostile_files(sample_bytes: bytes) -> dict[str, bytes]:
    """Bad inputs, each with a distinct failure: name -> bytes."""
    return {
        "empty.pdf": b"",
        "not_a_pdf.pdf": b"Hello, this is a text file pretending to be a PDF.\n" * 20,
        "encrypted.pdf": blank_pdf(1, password="secret"),
        "zero_pages.pdf": blank_pdf(0),
        "scanned.pdf": blank_pdf(2),
        "truncated.pdf": sample_bytes[: len(sample_bytes) // 3],
        "corrupt.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
    }
