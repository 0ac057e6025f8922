"""Prompt injection: contract text is untrusted data. Passages that read as instructions to an
AI, and text the PDF hides from its readers, are flagged in the report and cut out before the
review: they cannot become findings and never reach a model.

The instruction rules are deliberately narrow (they name instructions, prompts, an AI or a
model, or tell the reader what to report); `bench/injection.py` counts what they flag on
real contracts, where nothing should be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from app.ingestion.types import ExtractedText
from app.review.candidates import Candidate

_AI = (
    r"(?:ai|a\.i\.|llm|language model|assistant|chatbot|gpt|claude|model|reviewer bot|ai reviewer)"
)
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "override",
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?"
            r"\b(?:previous|prior|above|earlier|preceding|all|any|your|system|these)\b[^.\n]{0,30}?"
            r"\b(?:instructions?|prompts?|rules|directions|guidelines|context)\b",
        ),
        ("role", rf"\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?{_AI}\b"),
        (
            "prompt",
            r"\b(?:system|developer)\s+(?:prompt|message|instructions?)\s*:"
            r"|\b(?:your|the\s+above|previous)\s+(?:system\s+)?prompt\b",
        ),
        (
            "addressed",
            rf"\b{_AI}s?\s*[:,]\s*(?:please\s+)?(?:ignore|disregard|report|say|answer|"
            r"respond|output|classify|mark|treat|do not)\b",
        ),
        (
            "suppress",
            r"\b(?:do\s+not|don't|never)\s+(?:report|flag|mention|extract|identify|list)\b"
            r"[^.\n]{0,60}\b(?:clause|provision|finding|risk|cap|liability|non-compete|exclusivity)",
        ),
        (
            "dictate",
            r"\b(?:report|state|answer|respond|output|conclude)\s+(?:that\s+)?"
            r"(?:there\s+is\s+no|this\s+(?:agreement|contract)\s+has\s+no|no)\b[^.\n]{0,60}"
            r"\b(?:cap|limit|liability|clause|risk|termination|non-compete|exclusivity)",
        ),
        ("markup", r"</?\s*(?:contract_text|system|assistant|instructions?)\s*>|\[/?INST\]"),
    )
)
_SENTENCE_END = re.compile(r"[.!?]\s")


@dataclass(frozen=True)
class Flag:
    """A flagged passage of the document text."""

    kind: str  # instruction | hidden_text
    rule: str
    page: int
    start: int
    end: int


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a match to its sentence, within its line: PDF lines are not sentences, and a
    wider cut would take the contract's own text with it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = [m.end() for m in _SENTENCE_END.finditer(text, line_start, start)]
    after = _SENTENCE_END.search(text, end, line_end)
    return (before[-1] if before else line_start), (after.start() + 1 if after else line_end)


def find_flags(doc: ExtractedText) -> list[Flag]:
    """Instruction-like passages and hidden text, merged where they overlap, in text order
    (a merged passage that is hidden counts as hidden text)."""
    found: list[tuple[int, int, str, str]] = []
    for rule, pattern in RULES:
        for match in pattern.finditer(doc.text):
            begin, finish = _sentence(doc.text, match.start(), match.end())
            found.append((begin, finish, "instruction", rule))
    found += [(a, b, "hidden_text", "hidden") for a, b in doc.hidden]
    flags: list[Flag] = []
    for begin, finish, kind, rule in sorted(found):
        last = flags[-1] if flags else None
        if last is not None and begin <= last.end:
            hidden = "hidden_text" in (kind, last.kind)
            flags[-1] = replace(
                last,
                end=max(last.end, finish),
                kind="hidden_text" if hidden else last.kind,
                rule=last.rule if last.rule != "hidden" else rule,
            )
            continue
        flags.append(Flag(kind, rule, doc.page_at(begin), begin, finish))
    return flags


def _cuts(doc: ExtractedText, flags: list[Flag]) -> list[tuple[int, int]]:
    """Flagged ranges clipped to their pages, each with the line break before it when the
    passage fills its own line (so the rest of the page reads as if it had never been there)."""
    cuts = []
    for flag in flags:
        for page in doc.pages:
            start, end = max(flag.start, page.start), min(flag.end, page.end)
            if start >= end:
                continue
            line_end = end == page.end or doc.text[end] == "\n"
            if line_end and start > page.start and doc.text[start - 1] == "\n":
                start -= 1
            cuts.append((start, end))
    return sorted(cuts)


@dataclass(frozen=True)
class CleanText:
    """The document without its flagged passages, and the way back to the document's offsets."""

    doc: ExtractedText
    segments: tuple[tuple[int, int, int], ...]  # (clean start, document start, length)

    def to_document(self, offset: int) -> int:
        """A clean-text offset as a document offset."""
        for clean, original, length in self.segments:
            if clean <= offset < clean + length:
                return original + offset - clean
        last = self.segments[-1] if self.segments else (0, 0, 0)
        return last[1] + last[2] + max(0, offset - last[0] - last[2])


def without(doc: ExtractedText, flags: list[Flag]) -> CleanText:
    """The document with flagged passages cut out. Unlike blanking them, cutting leaves every
    other unit's position in the document (a clause-model feature) as it was before."""
    cuts = _cuts(doc, flags)
    pages: list[str] = []
    local: list[list[tuple[int, int, int]]] = []  # per page: (clean local, document, length)
    for page in doc.pages:
        kept, spans, cursor, length = [], [], page.start, 0
        for start, end in [c for c in cuts if page.start <= c[0] < page.end]:
            if start > cursor:
                kept.append(doc.text[cursor:start])
                spans.append((length, cursor, start - cursor))
                length += start - cursor
            cursor = max(cursor, end)
        if page.end > cursor:
            kept.append(doc.text[cursor : page.end])
            spans.append((length, cursor, page.end - cursor))
        pages.append("".join(kept))
        local.append(spans)
    clean = ExtractedText.from_pages(doc.document_id, doc.filename, pages)
    segments = tuple(
        (span.start + at, original, length)
        for span, spans in zip(clean.pages, local, strict=True)
        for at, original, length in spans
    )
    return CleanText(clean, segments)


def back_to_document(
    candidates: list[Candidate], clean: CleanText, doc: ExtractedText
) -> list[Candidate]:
    """Candidates found on the clean text, with the document's offsets and text."""
    mapped = []
    for cand in candidates:
        start = clean.to_document(cand.start)
        end = clean.to_document(cand.end - 1) + 1
        mapped.append(replace(cand, start=start, end=end, text=doc.text[start:end]))
    return mapped


def _clean_pieces(start: int, end: int, flags: list[Flag]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for flag in flags:
        cut: list[tuple[int, int]] = []
        for a, b in pieces:
            if flag.end <= a or b <= flag.start:
                cut.append((a, b))
                continue
            if a < flag.start:
                cut.append((a, flag.start))
            if flag.end < b:
                cut.append((flag.end, b))
        pieces = cut
    return pieces


def outside(candidates: list[Candidate], doc: ExtractedText, flags: list[Flag]) -> list[Candidate]:
    """Candidates with flagged passages cut out: the longest clean piece of each is kept."""
    if not flags:
        return candidates
    kept = []
    for cand in candidates:
        pieces = _clean_pieces(cand.start, cand.end, flags)
        best = max(pieces, key=lambda p: len(doc.text[p[0] : p[1]].strip()), default=None)
        if best is None or not doc.text[best[0] : best[1]].strip():
            continue
        raw = doc.text[best[0] : best[1]]
        start = best[0] + len(raw) - len(raw.lstrip())
        end = best[1] - (len(raw) - len(raw.rstrip()))
        kept.append(replace(cand, text=doc.text[start:end], start=start, end=end))
    return kept
