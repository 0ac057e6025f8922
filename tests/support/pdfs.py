"""Small real contracts for service tests: single pages cut from the bundled CUAD samples."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MIN_CHARS = 400


def _text_pages() -> list[tuple[str, object]]:
    found = []
    for sample in sorted(SAMPLES.glob("*.pdf")):
        for number, page in enumerate(PdfReader(sample).pages, start=1):
            if len((page.extract_text() or "").strip()) >= MIN_CHARS:
                found.append((f"{sample.stem[:24]}-p{number}", page))
    return found


def page_documents(count: int) -> list[tuple[str, bytes]]:
    """Return `count` distinct one-page PDFs (name, bytes) cut from the samples.

    There are 12 text pages; past that, pages repeat with a different title in their metadata,
    so every file has its own bytes (and so its own document id).
    """
    pages = _text_pages()
    docs: list[tuple[str, bytes]] = []
    for n in range(count):
        stem, page = pages[n % len(pages)]
        writer = PdfWriter()
        writer.add_page(page)  # type: ignore[arg-type]
        writer.add_metadata({"/Title": f"lexcrew test document {n}"})
        buffer = io.BytesIO()
        writer.write(buffer)
        docs.append((f"{stem}-{n}.pdf", buffer.getvalue()))
    return docs
