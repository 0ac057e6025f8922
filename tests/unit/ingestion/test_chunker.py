from __future__ import annotations

from app.ingestion.chunker import ClauseChunker
from app.ingestion.pdf import PypdfParser
from app.ingestion.pipeline import chunk_id
from app.ingestion.segment import sentence_spans
from app.ingestion.types import ExtractedText

CONTRACT = """SUPPLY AGREEMENT
This Supply Agreement is made between Acme Corp. and Widget Ltd. on May 1, 2001.
1. Term. This Agreement starts on the Effective Date. It ends after two years.
2. Governing Law. This Agreement is governed by the laws of the State of Delaware.
(a) Each party consents to the courts of Delaware; and
(b) each party waives a jury trial.
"""


def test_units_split_at_headings_numbers_and_sentences() -> None:
    units = [CONTRACT[s:e] for s, e in sentence_spans(CONTRACT)]
    assert units[0] == "SUPPLY AGREEMENT"
    assert (
        "This Supply Agreement is made between Acme Corp. and Widget Ltd. on May 1, 2001." in units
    )
    assert "It ends after two years." in units
    assert any(u.startswith("2. Governing Law.") for u in units)
    assert any(u.startswith("(b) each party waives") for u in units)


def test_units_are_trimmed_offsets_into_the_text() -> None:
    for start, end in sentence_spans(CONTRACT):
        assert CONTRACT[start:end] == CONTRACT[start:end].strip()
        assert end > start


def test_enumerators_stay_with_their_clause() -> None:
    units = [CONTRACT[s:e] for s, e in sentence_spans(CONTRACT)]
    assert "1." not in units and "2." not in units


def test_chunks_keep_pages_and_offsets_and_never_cross_a_page() -> None:
    doc = ExtractedText.from_pages(
        "d" * 64, "x.pdf", [CONTRACT, CONTRACT.replace("Delaware", "Nevada")]
    )
    chunks = ClauseChunker(max_chars=120).chunk(doc)
    assert len(chunks) > 4
    for chunk in chunks:
        page = doc.pages[chunk.page - 1]
        assert page.start <= chunk.start < chunk.end <= page.end
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 120 or "\n" not in chunk.text.strip()
    assert {c.page for c in chunks} == {1, 2}


def test_chunk_ids_are_deterministic(sample_bytes: bytes) -> None:
    doc = PypdfParser().parse(sample_bytes, "agency.pdf")
    first = [chunk_id(c, "m", "ws") for c in ClauseChunker().chunk(doc)]
    second = [chunk_id(c, "m", "ws") for c in ClauseChunker().chunk(doc)]
    assert first == second
    assert len(set(first)) == len(first)
    assert first != [chunk_id(c, "other-embedder", "ws") for c in ClauseChunker().chunk(doc)]
    assert first != [chunk_id(c, "m", "another-workspace") for c in ClauseChunker().chunk(doc)]
