"""Clause-aware chunks: split each page at headings and numbered sections, then pack."""

from __future__ import annotations

import itertools

from app.ingestion.segment import heading_starts, sentence_spans
from app.ingestion.types import Chunk, ExtractedText

CHUNKER_VERSION = "1"


def _blocks(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    bounds = [start, *heading_starts(text, start, end), end]
    blocks: list[tuple[int, int]] = []
    for left, right in itertools.pairwise(bounds):
        if right - left <= max_chars:
            blocks.append((left, right))
        else:
            blocks.extend(sentence_spans(text, left, right))
    return blocks


def _section_title(text: str, start: int, end: int) -> str:
    line = text[start:end].strip().split("\n", 1)[0].strip()
    return line[:80]


class ClauseChunker:
    """Packs whole clauses into chunks of at most `max_chars`, never across a page."""

    def __init__(self, max_chars: int = 1500) -> None:
        self.max_chars = max_chars

    def chunk(self, doc: ExtractedText) -> list[Chunk]:
        """Return the document's chunks in reading order with page, offsets and section."""
        chunks: list[Chunk] = []
        section = ""
        for page in doc.pages:
            current: tuple[int, int] | None = None
            for left, right in _blocks(doc.text, page.start, page.end, self.max_chars):
                if current is not None and right - current[0] > self.max_chars:
                    chunks.append(self._make(doc, len(chunks), current, page.number, section))
                    current = None
                if current is None:
                    current = (left, right)
                    section = self._section(doc.text, left, right, section)
                else:
                    current = (current[0], right)
            if current is not None:
                chunks.append(self._make(doc, len(chunks), current, page.number, section))
        return [c for c in chunks if c.text.strip()]

    @staticmethod
    def _section(text: str, left: int, right: int, previous: str) -> str:
        is_heading = left in heading_starts(text, left - 1, right) if left > 0 else True
        return _section_title(text, left, right) if is_heading else previous

    @staticmethod
    def _make(
        doc: ExtractedText, index: int, span: tuple[int, int], page: int, section: str
    ) -> Chunk:
        start, end = span
        return Chunk(
            document_id=doc.document_id,
            index=index,
            text=doc.text[start:end],
            page=page,
            start=start,
            end=end,
            section=section,
        )
