"""The extractor's candidate finder: model scores turned into verbatim clause spans.

Two lists come out. Findings are the clauses the report states. Possible clauses are the
next-best candidates, below the reporting threshold but above a floor: they are shown apart,
for a reviewer who wants to read further down the list, and they extend the confidence
ranking that AUPR and precision at recall are measured on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.config import ExtractionSettings
from app.extraction.clause_model import ClauseModel, Unit, UnitScores
from app.extraction.phrase_model import PhraseModel
from app.extraction.rescoring import CandidateRows, DocumentUnits, candidate_rows
from app.ingestion.segment import sentence_spans
from app.ingestion.types import ExtractedText


@dataclass(frozen=True)
class Candidate:
    """A clause found by the models, verbatim from the document text."""

    category: str
    text: str
    page: int
    start: int
    end: int
    confidence: float


@dataclass(frozen=True)
class Candidates:
    """The findings and, below the reporting threshold, the possible clauses."""

    findings: list[Candidate]
    possible: list[Candidate] = field(default_factory=list)


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
    for i in sorted(indices) if merge else indices:
        if merge and runs and runs[-1][-1] == i - 1 and pages[i] == pages[runs[-1][-1]]:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _possible(rest: list[Candidate], options: ExtractionSettings) -> list[Candidate]:
    """The candidates after the findings, best first: those over the floor, up to the cap."""
    kept = [c for c in rest if c.confidence >= options.possible_floor]
    return kept[: options.possible_per_category]


def phrase_candidates(
    doc: ExtractedText, model: PhraseModel, options: ExtractionSettings
) -> Candidates:
    """Names, titles and dates: short spans scored by the phrase model."""
    found = Candidates([], [])
    for category in model.categories:
        params = model.models[category]
        cut = params.threshold * options.threshold_scale
        ranked = [
            Candidate(
                category,
                doc.text[s.start : s.end],
                doc.page_at(s.start),
                s.start,
                s.end,
                s.probability,
            )
            for s in model.scored(doc.text, category)
        ]
        above = sum(1 for c in ranked if c.confidence >= cut)
        # The phrase model's own cap (top_k, chosen by cross-validation on train) bounds its
        # categories: a consortium agreement may name fifty parties.
        taken = min(params.top_k, above)
        found.findings.extend(ranked[:taken])
        found.possible.extend(_possible(ranked[taken:], options))
    return found


def described_units(doc: ExtractedText, units: list[Unit], scores: UnitScores) -> DocumentUnits:
    """The contract's units and their clause-model scores, as the rescorer reads them."""
    return DocumentUnits(
        texts=[u.text for u in units],
        starts=np.asarray([u.start for u in units], dtype=np.int64),
        doc_length=len(doc.text),
        probabilities=scores.probabilities,
        tfidf=scores.tfidf,
        encoder=scores.encoder,
    )


def present_columns(
    model: ClauseModel,
    rows: CandidateRows,
    confidence: npt.NDArray[np.float64],
    options: ExtractionSettings,
) -> set[int]:
    """The category columns the presence model finds in the contract: those whose probability
    reaches the presence threshold (scaled by `threshold_scale`)."""
    presence = model.rescorer.presence(rows, confidence, len(model.categories))
    present_at = model.rescorer.presence_threshold * options.threshold_scale
    return {j for j, p in presence.items() if p >= present_at}


@dataclass(frozen=True)
class ScoredUnits:
    """A contract's units, its candidate rows rescored, and the categories found present."""

    units: list[Unit]
    pages: list[int]
    rows: CandidateRows
    confidence: npt.NDArray[np.float64]
    present: set[int]


def score_units(
    doc: ExtractedText, model: ClauseModel, columns: list[int], options: ExtractionSettings
) -> ScoredUnits | None:
    """Score the contract's units for the category `columns`, rescore each category's best in
    the light of the whole document, and decide which categories are present (None: no units)."""
    units, pages = document_units(doc)
    if not units:
        return None
    described = described_units(doc, units, model.score(doc.text, units))
    rows = candidate_rows(described, model.thresholds, columns)
    confidence = model.rescorer.probabilities(rows)
    present = present_columns(model, rows, confidence, options)
    return ScoredUnits(units, pages, rows, confidence, present)


def clause_candidates(
    doc: ExtractedText, model: ClauseModel, skip: frozenset[str], options: ExtractionSettings
) -> Candidates:
    """Units scored by the clause model, then rescored in the light of the whole document.

    A category is present when the presence model's probability reaches its threshold; then
    its best candidate and the others reaching the clause threshold are findings (with
    `merge_adjacent`, neighbouring ones on a page become one clause).
    """
    found = Candidates([], [])
    columns = [j for j, c in enumerate(model.categories) if c not in skip]
    scored = score_units(doc, model, columns, options)
    if scored is None:
        return found
    units, pages, rows, confidence = scored.units, scored.pages, scored.rows, scored.confidence
    clause = model.rescorer.clause_threshold * options.threshold_scale
    for j in columns:
        mine = np.flatnonzero(rows.columns == j)
        if not len(mine):
            continue
        order = mine[np.argsort(-confidence[mine], kind="stable")]
        chosen = []
        if j in scored.present:
            chosen = [int(rows.units[order[0]])]
            chosen += [int(rows.units[k]) for k in order[1:] if confidence[k] >= clause]
        chosen = chosen[: options.max_clauses_per_category]
        score_of = {int(rows.units[k]): float(confidence[k]) for k in order}
        reported = set(chosen)
        findings = []
        for run in _runs(chosen, pages, options.merge_adjacent):
            start, end = units[run[0]].start, units[run[-1]].end
            best = max(score_of[i] for i in run)
            findings.append(
                Candidate(model.categories[j], doc.text[start:end], pages[run[0]], start, end, best)
            )
        findings.sort(key=lambda c: -c.confidence)
        rest = [
            Candidate(
                model.categories[j],
                units[i].text,
                pages[i],
                units[i].start,
                units[i].end,
                score_of[i],
            )
            for i in (int(rows.units[k]) for k in order)
            if i not in reported
        ]
        found.findings.extend(findings)
        found.possible.extend(_possible(rest, options))
    return found


def find_candidates(
    doc: ExtractedText, model: ClauseModel, phrases: PhraseModel, options: ExtractionSettings
) -> Candidates:
    """Phrase-model spans for short categories; rescored clause-model units for the rest."""
    short = phrase_candidates(doc, phrases, options)
    long = clause_candidates(doc, model, frozenset(phrases.categories), options)
    return Candidates(short.findings + long.findings, short.possible + long.possible)
