"""The extractor's candidate finder: clause-model scores turned into verbatim clause spans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.extraction.clause_model import ClauseModel, Unit
from app.extraction.phrase_model import PhraseModel
from app.ingestion.segment import sentence_spans
from app.ingestion.types import ExtractedText


@dataclass(frozen=True)
class Candidate:
    """A clause found by the clause model, verbatim from the document text."""

    category: str
    text: str
    page: int
    start: int
    end: int
    confidence: float


def document_units(doc: ExtractedText) -> tuple[list[Unit], list[int]]:
    """Split each page into sentence-like units; return them with their page numbers."""
    units: list[Unit] = []
    pages: list[int] = []
    for page in doc.pages:
        for start, end in sentence_spans(doc.text, page.start, page.end):
            units.append(Unit(start=start, end=end, text=doc.text[start:end]))
            pages.append(page.number)
    return units, pages


def _runs(indices: list[int], pages: list[int], merge: bool) -> list[list[int]]:
    """Group consecutive unit indices on the same page into runs (or keep each alone)."""
    runs: list[list[int]] = []
    for i in indices:
        if merge and runs and runs[-1][-1] == i - 1 and pages[i] == pages[runs[-1][-1]]:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def phrase_candidates(doc: ExtractedText, model: PhraseModel) -> list[Candidate]:
    """Names, titles and dates: short spans scored by the phrase model."""
    found = []
    for category in model.categories:
        for phrase in model.score(doc.text, category):
            text = doc.text[phrase.start : phrase.end]
            page = doc.page_at(phrase.start)
            found.append(
                Candidate(category, text, page, phrase.start, phrase.end, phrase.probability)
            )
    return found


def find_candidates(
    doc: ExtractedText,
    model: ClauseModel,
    phrases: PhraseModel,
    threshold_scale: float,
    max_per_category: int,
    merge: bool,
) -> list[Candidate]:
    """Phrase-model spans for short categories; clause-model units for the rest.

    For the clause model, with `merge`, adjacent units over the threshold become one clause.
    """
    units, pages = document_units(doc)
    scores = model.score(doc.text, units).probabilities
    found = phrase_candidates(doc, phrases)
    for j, category in enumerate(model.categories):
        if category in phrases.categories:
            continue
        column = scores[:, j] if len(units) else np.zeros(0, dtype=np.float32)
        cut = float(model.thresholds[j]) * threshold_scale
        positive = [int(i) for i in np.flatnonzero(column >= cut)]
        spans = []
        for run in _runs(positive, pages, merge):
            start, end = units[run[0]].start, units[run[-1]].end
            confidence = float(column[run].max())
            spans.append(
                Candidate(category, doc.text[start:end], pages[run[0]], start, end, confidence)
            )
        spans.sort(key=lambda c: -c.confidence)
        found.extend(spans[:max_per_category])
    return found
