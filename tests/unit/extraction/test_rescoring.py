from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from app.config import ExtractionSettings
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.rescoring import TOP_PER_DOCUMENT, UNIT_FLOOR, candidate_rows
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _sample_text() -> str:
    import json

    path = sorted(SAMPLES.glob("*.json"))[0]
    return str(json.loads(path.read_text(encoding="utf-8"))["text"])


def test_candidates_are_the_best_units_above_the_floor_ranked_in_their_document() -> None:
    probs = np.full((40, 3), 0.0001, dtype=np.float32)
    probs[:, 0] = np.linspace(0.9, 0.01, 40)  # all above the floor: only the top ones kept
    probs[[5, 7], 1] = [0.2, 0.6]
    rows = candidate_rows(
        probs,
        np.arange(40, dtype=np.int64) * 100,
        np.full(40, 12, dtype=np.int64),
        4000,
        np.asarray([0.5, 0.5, 0.5], dtype=np.float32),
        [0, 1],
    )
    first = rows.units[rows.columns == 0]
    assert list(first) == list(range(TOP_PER_DOCUMENT))
    second = rows.units[rows.columns == 1]
    assert list(second) == [7, 5]  # best first; the rest are under the floor
    assert probs[:, 2].max() < UNIT_FLOOR and not (rows.columns == 2).any()
    ranks = rows.features[rows.columns == 1][:, 3]
    assert list(ranks) == [0, 1]
    passing = rows.features[rows.columns == 0][0, 4]
    assert passing == pytest.approx(np.log1p(np.count_nonzero(probs[:, 0] >= 0.5)))


def test_findings_outrank_possible_clauses_and_possible_ones_keep_their_limits() -> None:
    text = _sample_text()
    doc = ExtractedText.from_pages("d" * 64, "sample.pdf", [text])
    options = ExtractionSettings(possible_floor=0.05, possible_per_category=3)
    found = find_candidates(doc, ClauseModel.load(), PhraseModel.load(), options)
    assert found.findings and found.possible
    per_category = Counter(p.category for p in found.possible)
    assert max(per_category.values()) <= 3
    assert all(p.confidence >= 0.05 for p in found.possible)
    reported = {(f.category, f.start, f.end) for f in found.findings}
    assert not reported & {(p.category, p.start, p.end) for p in found.possible}
    for category in per_category:
        mine = [f.confidence for f in found.findings if f.category == category]
        if mine:
            assert min(mine) >= max(p.confidence for p in found.possible if p.category == category)
    for c in [*found.findings, *found.possible]:
        assert text[c.start : c.end] == c.text


def test_no_possible_clauses_when_switched_off() -> None:
    doc = ExtractedText.from_pages("d" * 64, "sample.pdf", [_sample_text()])
    options = ExtractionSettings(possible_per_category=0)
    found = find_candidates(doc, ClauseModel.load(), PhraseModel.load(), options)
    assert found.findings and not found.possible
