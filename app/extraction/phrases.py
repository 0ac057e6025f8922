"""Short-span candidates: names, titles and dates, which a whole sentence never matches.

CUAD labels parties, document names and agreement/effective dates as short phrases
("Acme Corp.", "SUPPLY AGREEMENT", "May 1, 2001"), or as the one sentence that says it ('Acme
and Globex are each a "Party"...', 'This Agreement shall become effective on ...'). These
generators propose such phrases and sentences with their offsets; the phrase model
(phrase_model.py) scores them. Generated on train, they cover 89.7% of the gold Parties, 94% of
the Agreement Dates and 89% of the Effective Dates (scripted in bench/phrase_coverage.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.ingestion.segment import sentence_spans

HEAD_CHARS = 6000  # names, titles and dates of a contract sit in its first pages
# Signature blocks name the parties again, and in consortium agreements only there ("For and
# on behalf of ABS Telecom plc" for each of 50 carriers). A block starts at "IN WITNESS
# WHEREOF" or "(signed) for and on behalf of" and runs for SIGNATURE_CHARS. On train, 89 of
# the 2,021 gold Parties occur first after the head, 64 of them in the last fifth of the text;
# reading the last 3,000 characters too (blocks with no such opening) found 3 more and 1,500
# more wrong candidates, mostly lists of subsidiaries, and did not help cross-validated F1.
SIGNATURE_CHARS = 8000
_ON_BEHALF = r"(?:signed\s+)?for\s+and\s*\.?\s*on\s+behalf\s+of"  # "For and .on behalf" too
SIGNATURE_START = re.compile(rf"\bIN\s+WITNESS\s+WHEREOF|\b{_ON_BEHALF}\b", re.IGNORECASE)
# What a signature line says before the name: "For and on behalf of", "By:", "LICENSEE:".
SIGNATURE_LABEL = re.compile(rf"^(?:{_ON_BEHALF}|by|for|[A-Z][\w ]{{0,20}}:)[:\s]*", re.IGNORECASE)
SIGNATURE_LINE_WORDS = 8

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_BLANK = r"(?:_+|\[[^\]\n]{0,6}\])"  # "____" or "[·]": a date left to be filled in
_YEAR = r"\d{2,4}_*"
DATE = re.compile(
    r"\b(?:"
    + _MONTH
    + r"\s*(?:\d{1,2}(?:st|nd|rd|th)?|"
    + _BLANK
    + r")?\s*,?\s*\d{4}"  # May 25, 1999 / May ___, 2019 / June , 2010
    + r"|\d{1,2}\s*(?:st|nd|rd|th|t\s?h)?\s+(?:day\s+of\s+)?"
    + _MONTH
    + r",?\s+"
    + _YEAR
    + r"|(?:this\s+)?(?:_+\s*)?day\s+of\s+(?:"
    + _MONTH
    + r")?[_\s,]*"
    + _YEAR  # this ___ day of ____, 2012
    + r"|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}"
    + r")"
    + r"|"
    + _BLANK
    + r"[\s_]*,?\s*(?:\d{4}|\d{2}_*)\b",  # ______, 2015
    re.IGNORECASE,
)
_SUFFIX = (
    r"(?:Inc\.?|inc\.?|Incorporated|INC\.?|LLC|L\.L\.C\.|Ltd\.?|LTD\.?|Limited|LIMITED|"
    r"Corporation|CORPORATION|Corp\.?|CORP\.?|Company|COMPANY|Co\.|LP|L\.P\.|LLP|PLLC|plc|PLC|"
    r"GmbH|AG|AB|S\.A\.|SA|S\.p\.A\.|N\.V\.|B\.V\.|Pte\.?|PTE\.?|Pty\.?|N\.A\.|Trust|Bank|"
    r"AKTIENGESELLSCHAFT|Partners|Holdings|Association|University|Foundation)"
)
_HARD_SUFFIX = r"(?:Inc|INC|inc|LLC|Ltd|LTD|Corp|CORP|GmbH|L\.L\.C)\b"  # ends a name: no joining
# A name word: capitalised, a number ("Layer 2"), a parenthesised word ("(UK)"), a joiner.
_NAME_WORD = (
    rf"(?!{_HARD_SUFFIX})"
    r"(?:[A-Z0-9][\w&'.\-]*|\([A-Z][\w.\-]*\)|&|and|of|the|de|du|la|for)"
)
# A name may open with a lower-case brand word that has a capital or a dot: iVillage, ebix.com.
_FIRST_WORD = r"(?:[A-Z][\w&'.\-]*|[a-z]+[A-Z.][\w&'.\-]*)"


def _company(space: str) -> re.Pattern[str]:
    """A name ending in a company suffix, its words split by `space`."""
    return re.compile(
        rf"(?<![\w.]){_FIRST_WORD}(?:,?{space}{_NAME_WORD}){{0,7}},?{space}{_SUFFIX}(?![\w])"
    )


COMPANY = _company(r"\s+")
# On one line: a signature block's names sit under dates and titles.
COMPANY_ON_A_LINE = _company(r"[ \t]+")
QUOTED = re.compile(r"[\"“]([A-Z][\w&.,'’\- ]{0,50}?)[\"”]")
CAPS_NAME = re.compile(r"\b[A-Z][A-Z0-9&.'\-]+(?:\s+[A-Z][A-Z0-9&.,'\-]+){0,5}\b")
# Two to six capitalised words in the preamble: names without a company suffix.
TITLE_CASE = re.compile(r"\b[A-Z][\w&'.\-]*(?:\s+(?:[A-Z][\w&'.\-]*|&|of|and|the)){1,5}")
TITLE_CASE_CHARS = 2500
# The sentence that names the parties together: '... each a "Party" and together the "Parties"'.
PARTY_TERM = re.compile(r"[\"“](?:Party|Parties|PARTY|PARTIES|party|parties)[\"”.,]")
EFFECTIVE = re.compile(r"\b(?:effective|commence|become binding)", re.IGNORECASE)
SENTENCE_MAX_WORDS = 80
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
    pattern: re.Pattern[str], text: str, limit: int, kind: str, group: int = 0, start: int = 0
) -> list[Phrase]:
    return [
        Phrase(m.start(group), m.end(group), kind)
        for m in pattern.finditer(text, start, limit)
        if m.end(group) > m.start(group)
    ]


def date_phrases(text: str) -> list[Phrase]:
    """Date expressions (blanks to be filled in too), anywhere in the document."""
    return _spans(DATE, text, len(text), "date")


def _sentences(text: str, pattern: re.Pattern[str], limit: int, kind: str) -> list[Phrase]:
    found = []
    for start, end in sentence_spans(text[:limit]):
        if pattern.search(text, start, end) and len(text[start:end].split()) <= SENTENCE_MAX_WORDS:
            found.append(Phrase(start, end, kind))
    return found


def effective_phrases(text: str) -> list[Phrase]:
    """Dates, and the sentences that say when the agreement takes effect or commences."""
    return date_phrases(text) + _sentences(text, EFFECTIVE, len(text), "effective_sentence")


def _quoted_variants(text: str, limit: int) -> list[Phrase]:
    """A quoted defined term as annotators mark it: bare, in its quotes, "(...)", 'the "..."'."""
    found = []
    for match in QUOTED.finditer(text, 0, limit):
        inner_start, inner_end = match.span(1)
        start, end = match.span(0)
        found += [Phrase(inner_start, inner_end, "quoted"), Phrase(start, end, "quoted_marks")]
        if start > 0 and text[start - 1] == "(":
            found.append(Phrase(start - 1, end, "quoted_open_paren"))
            if end < len(text) and text[end] == ")":
                found.append(Phrase(start - 1, end + 1, "quoted_parens"))
        if text[max(0, start - 4) : start].lower() == "the ":
            found.append(Phrase(start - 4, end, "quoted_the"))
    return found


def signature_regions(text: str) -> list[tuple[int, int]]:
    """Where signature blocks may be, after the head: merged (start, end) spans."""
    spans = [(m.start(), m.start() + SIGNATURE_CHARS) for m in SIGNATURE_START.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        start, end = max(start, HEAD_CHARS), min(end, len(text))
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _loose(text: str) -> str:
    """Lower case, words only: "BIOCEPT, INC." and "Biocept, Inc" compare equal."""
    return " ".join(re.findall(r"[a-z0-9&]+", text.lower()))


@dataclass(frozen=True)
class NamedPlaces:
    """A contract's head and signature blocks, loosely normalised, to ask where a name is."""

    head: str
    signatures: str

    @classmethod
    def of(cls, text: str) -> NamedPlaces:
        blocks = " | ".join(_loose(text[s:e]) for s, e in signature_regions(text))
        return cls(_loose(text[:HEAD_CHARS]), blocks)

    @classmethod
    def for_category(cls, text: str, category: str) -> NamedPlaces | None:
        """The places a category's features read (None: it does not sign), the same in
        training and review."""
        return cls.of(text) if category in SIGNING else None

    def in_both(self, phrase: str) -> bool:
        """Whether the name is in the head and in a signature block: a party signs."""
        key = _loose(phrase)
        return bool(key) and key in self.head and key in self.signatures


def _signature_lines(text: str, start: int, end: int) -> list[Phrase]:
    """Each short cell of a signature block (cells: runs of words split by under three
    spaces; blocks are often set in columns), without its label ("By:", "For ... of")."""
    found = []
    for cell in re.finditer(r"[^\s](?:[^\n ]| {1,2}(?! ))*", text[start:end]):
        content = cell.group(0)
        label = SIGNATURE_LABEL.match(content)
        lead = label.end() if label else 0
        name = content[lead:].rstrip()
        if name[:1].isupper() and len(name.split()) <= SIGNATURE_LINE_WORDS:
            first = start + cell.start() + lead
            found.append(Phrase(first, first + len(name), "sig_line"))
    return found


def party_phrases(text: str) -> list[Phrase]:
    """Names, defined terms and the "Parties" sentence in the head; names in signature blocks."""
    limit = min(len(text), HEAD_CHARS)
    found = _spans(COMPANY, text, limit, "company") + _quoted_variants(text, limit)
    found += [p for p in _spans(CAPS_NAME, text, limit, "caps") if p.end - p.start >= 3]
    found += _spans(TITLE_CASE, text, min(len(text), TITLE_CASE_CHARS), "title_case")
    found += _sentences(text, PARTY_TERM, limit, "party_sentence")
    for start, end in signature_regions(text):
        found += _spans(COMPANY_ON_A_LINE, text, end, "sig_company", start=start)
        found += _signature_lines(text, start, end)
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
    "Effective Date": effective_phrases,
}

# The categories whose names are signed for: their candidates say whether the contract names
# them both in its head and in a signature block.
SIGNING = frozenset({"Parties"})


def distinct_phrases(
    text: str, generator: Callable[[str], list[Phrase]]
) -> list[tuple[Phrase, int]]:
    """First occurrence of each distinct phrase text, with how often that text occurs."""
    first: dict[str, Phrase] = {}
    for phrase in sorted(generator(text), key=lambda p: (p.start, -p.end)):
        key = " ".join(text[phrase.start : phrase.end].split()).lower()
        first.setdefault(key, phrase)
    return [(p, text.count(text[p.start : p.end])) for p in first.values()]
