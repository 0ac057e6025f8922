"""Find clause boundaries in contract text: headings, numbered sections and sentences.

The chunker and the clause model both use these spans, so a chunk never cuts a clause that
the clause model would see whole.
"""

from __future__ import annotations

import itertools
import re

# A line that opens a new clause: "ARTICLE 5", "Section 2.1", "12.3 Term.", "(b) ...",
# or a short all-capitals heading line.
HEADING_LINE = re.compile(
    r"^[ \t]*(?:"
    r"(?:ARTICLE|Article|SECTION|Section|EXHIBIT|Exhibit|SCHEDULE|Schedule)\s+[0-9IVXLCA-Z]+\b"
    r"|\d{1,2}(?:\.\d{1,3})*\.?[ \t]+(?=[A-Z(\"])"
    r"|\((?:[a-z]{1,3}|[0-9]{1,2}|[ivx]{1,5})\)[ \t]"
    r"|[A-Z]\.[ \t]+(?=[A-Z])"
    r"|[A-Z][A-Z0-9 ,&'()\-]{3,80}$"
    r")",
    re.MULTILINE,
)

# A short all-capitals line is a title or heading: a unit of its own.
CAPS_LINE = re.compile(r"^[ \t]*[A-Z][A-Z0-9 ,&'()\-.]{3,80}[ \t]*$", re.MULTILINE)

BLANK_LINE = re.compile(r"\n[ \t]*\n")

# Sentence end: ., ; or : then space(s) then something that starts a sentence. The look-behind
# list keeps common legal abbreviations ("Inc.", "No.", "U.S.") inside their sentence.
_ABBREVIATIONS = ("Inc", "No", "Co", "Ltd", "Corp", r"U\.S", "Sec", "Mr", "Ms", "Dr", "St")
_ABBREV = "".join(rf"(?<!\b{a})" for a in (*_ABBREVIATIONS, r"i\.e", r"e\.g", "vs"))
# A bare enumerator ("2.", "A.") at a line start is not a sentence end.
_NOT_ENUMERATOR = r"(?<![\n ][0-9A-Za-z])(?<![\n ][0-9][0-9])"
SENTENCE_END = re.compile(_ABBREV + _NOT_ENUMERATOR + r"[.;](?=\s+[\"'(\[]?[A-Z0-9])")

MAX_UNIT_CHARS = 1200


def heading_starts(text: str, start: int, end: int) -> list[int]:
    """Return offsets in [start, end) where a heading or numbered clause begins."""
    return [m.start() for m in HEADING_LINE.finditer(text, start, end) if m.start() > start]


def _cuts(text: str, start: int, end: int) -> list[int]:
    cuts = set(heading_starts(text, start, end))
    cuts.update(m.end() for m in BLANK_LINE.finditer(text, start, end))
    cuts.update(m.end() for m in CAPS_LINE.finditer(text, start, end))
    cuts.update(m.end() for m in SENTENCE_END.finditer(text, start, end))
    return sorted(c for c in cuts if start < c < end)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    while end - start > MAX_UNIT_CHARS:
        cut = text.rfind(" ", start, start + MAX_UNIT_CHARS)
        cut = cut if cut > start else start + MAX_UNIT_CHARS
        spans.append((start, cut))
        start = cut
    spans.append((start, end))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split text[start:end] into sentence-like units, as trimmed (start, end) offsets."""
    stop = len(text) if end is None else end
    bounds = [start, *_cuts(text, start, stop), stop]
    spans: list[tuple[int, int]] = []
    for left, right in itertools.pairwise(bounds):
        trimmed = _trim(text, left, right)
        if trimmed is not None and any(ch.isalnum() for ch in text[trimmed[0] : trimmed[1]]):
            spans.extend(_split_long(text, *trimmed))
    return spans
