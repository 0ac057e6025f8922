"""Short-span candidates: names, titles and dates, which a whole sentence never matches.

CUAD labels parties, document names and agreement/effective dates as short phrases
("Acme Corp.", "SUPPLY AGREEMENT", "May 1, 2001"). These generators propose such phrases with
their offsets; the phrase model (phrase_model.py) scores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

HEAD_CHARS = 6000  # names, titles and dates of a contract sit in its first pages

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
DATE = re.compile(
    r"\b(?:"
    + _MONTH
    + r"\s+\d{1,2}(?:st|nd|rd|th)?\s*,?\s*\d{4}"  # May 25, 1999
    + r"|\d{1,2}\s*(?:st|nd|rd|th|t\s?h)?\s+(?:day\s+of\s+)?"
    + _MONTH
    + r",?\s+\d{4}"
    + r"|(?:this\s+)?[_\s]*day\s+of\s+"
    + _MONTH
    + r"?[_\s,]*\d{4}"  # this ___ day of ____, 2012
    + r"|\d{1,2}/\d{1,2}/\d{2,4}"
    + r"|"
    + _MONTH
    + r",?\s+\d{4}"
    + r")",
    re.IGNORECASE,
)
_SUFFIX = (
    r"(?:Inc\.?|Incorporated|INC\.?|LLC|L\.L\.C\.|Ltd\.?|LTD\.?|Limited|LIMITED|Corporation|"
    r"CORPORATION|Corp\.?|CORP\.?|Company|COMPANY|Co\.|LP|L\.P\.|LLP|plc|PLC|GmbH|AG|S\.A\.|"
    r"N\.V\.|B\.V\.|Trust|Bank|AKTIENGESELLSCHAFT|Partners|Holdings)"
)
_NAME_WORD = r"(?:[A-Z][\w&'.\-]*|&|and|of|the|de|du|la)"
COMPANY = re.compile(rf"\b[A-Z][\w&'.\-]*(?:,?\s+{_NAME_WORD}){{0,7}},?\s+{_SUFFIX}(?![\w])")
QUOTED = re.compile(r"[\"“]([A-Z][\w&.,'’\- ]{0,50}?)[\"”]")
CAPS_NAME = re.compile(r"\b[A-Z][A-Z0-9&.'\-]+(?:\s+[A-Z][A-Z0-9&.,'\-]+){0,5}\b")
TITLE_WORDS = re.compile(
    r"\b(?:AGREEMENT|Agreement|CONTRACT|Contract|AMENDMENT|Amendment|LICENSE|License|LEASE|"
    r"Lease|PLAN|Plan|ARRANGEMENT|Arrangement|MEMORANDUM|Memorandum|ADDENDUM|Addendum)\b"
)
THIS_TITLE = re.compile(
    r"\b[Tt]his\s+((?:[A-Z][\w&\-]*\s+){0,8}?(?:Agreement|AGREEMENT|Contract|Amendment))"
)


@dataclass(frozen=True)
class Phrase:
    """A candidate phrase: offsets into the document text and how it was found."""

    start: int
    end: int
    kind: str


def _spans(
    pattern: re.Pattern[str], text: str, limit: int, kind: str, group: int = 0
) -> list[Phrase]:
    return [
        Phrase(m.start(group), m.end(group), kind)
        for m in pattern.finditer(text, 0, limit)
        if m.end(group) > m.start(group)
    ]


def date_phrases(text: str) -> list[Phrase]:
    """Date expressions in the head of the document."""
    return _spans(DATE, text, min(len(text), HEAD_CHARS), "date")


def party_phrases(text: str) -> list[Phrase]:
    """Company names, quoted defined terms and all-caps names in the head of the document."""
    limit = min(len(text), HEAD_CHARS)
    found = _spans(COMPANY, text, limit, "company") + _spans(QUOTED, text, limit, "quoted", 1)
    found += [p for p in _spans(CAPS_NAME, text, limit, "caps") if p.end - p.start >= 3]
    return found


def title_phrases(text: str) -> list[Phrase]:
    """Short lines that name an agreement, and "This ... Agreement" in the preamble."""
    limit = min(len(text), HEAD_CHARS // 2)
    found = _spans(THIS_TITLE, text, limit, "this_title", 1)
    for line in re.finditer(r"[^\n]+", text[:limit]):
        content = line.group(0).strip()
        if content and len(content.split()) <= 14 and TITLE_WORDS.search(content):
            start = line.start() + line.group(0).index(content)
            found.append(Phrase(start, start + len(content), "title_line"))
    return found


GENERATORS: dict[str, Callable[[str], list[Phrase]]] = {
    "Document Name": title_phrases,
    "Parties": party_phrases,
    "Agreement Date": date_phrases,
    "Effective Date": date_phrases,
}


def distinct_phrases(
    text: str, generator: Callable[[str], list[Phrase]]
) -> list[tuple[Phrase, int]]:
    """First occurrence of each distinct phrase text, with how often that text occurs."""
    first: dict[str, Phrase] = {}
    for phrase in sorted(generator(text), key=lambda p: (p.start, -p.end)):
        key = " ".join(text[phrase.start : phrase.end].split()).lower()
        first.setdefault(key, phrase)
    return [(p, text.count(text[p.start : p.end])) for p in first.values()]
