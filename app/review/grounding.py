"""The validator's deterministic checks: is a clause verbatim on its cited page."""

from __future__ import annotations

import re

from app.ingestion.types import ExtractedText

_SPACE = re.compile(r"\s+")
MAX_CLAUSE_CHARS = 6000


def squash(text: str) -> str:
    """Collapse every run of whitespace to one space and trim."""
    return _SPACE.sub(" ", text).strip()


def grounding_checks(
    doc: ExtractedText, text: str, page: int, start: int, end: int
) -> dict[str, bool]:
    """Return the deterministic checks of one clause; all must hold for it to be kept."""
    in_range = 1 <= page <= len(doc.pages) and 0 <= start < end <= len(doc.text)
    page_span = doc.pages[page - 1] if in_range else None
    on_page = page_span is not None and page_span.start <= start and end <= page_span.end
    grounded = bool(squash(text)) and in_range and squash(text) in squash(doc.page_text(page))
    return {
        "grounded": grounded,
        "offsets_match": in_range and doc.text[start:end] == text,
        "on_cited_page": on_page,
        "length_ok": 0 < len(text) <= MAX_CLAUSE_CHARS,
    }


def value_is_grounded(value: str, clause_text: str) -> bool:
    """A model-given value counts only when its words are in the clause (case-insensitive)."""
    needle = squash(value).lower().strip(" .,;:\"'")
    return bool(needle) and needle in squash(clause_text).lower()
