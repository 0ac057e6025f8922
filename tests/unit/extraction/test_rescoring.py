from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from app.config import ExtractionSettings
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.rescore_training import TrainingDocument, fit_rescorer
from app.extraction.rescoring import (
    FEATURES,
    PRESENCE_COUNTS,
    PRESENCE_TOP,
    TOP_PER_DOCUMENT,
    UNIT_FLOOR,
    DocumentUnits,
    candidate_rows,
    presence_rows,
)
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates, present_columns, score_units

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _sample_text() -> str:
    import json

    path = sorted(SAMPLES.glob("*.json"))[0]
    return str(json.loads(path.read_text(encoding="utf-8"))["text"])


def _document(probs: np.ndarray, texts: list[str] | None = None) -> DocumentUnits:
    n = probs.shape[0]
    logits = np.log(probs / (1 - probs)).astype(np.float32)
    return DocumentUnits(
        texts=texts or ["one two three four five six seven eight nine ten eleven twelve."] * n,
        starts=np.arange(n, dtype=np.int64) * 100,
        doc_length=n * 100,
        probabilities=probs,
        tfidf=logits - 1,
        encoder=logits + 1,
    )


def _feature(rows: object, name: str) -> np.ndarray:
    return rows.features[:, FEATURES.index(name)]  # type: ignore[attr-defined]


def test_candidates_are_the_best_units_above_the_floor_ranked_in_their_document() -> None:
    probs = np.full((40, 3), 0.0001, dtype=np.float32)
    probs[:, 0] = np.linspace(0.9, 0.01, 40)  # all above the floor: only the top ones kept
    probs[[5, 7], 1] = [0.2, 0.6]
    rows = candidate_rows(_document(probs), np.asarray([0.5, 0.5, 0.5], dtype=np.float32), [0, 1])
    assert rows.features.shape == (len(rows.units), len(FEATURES))
    first = rows.units[rows.columns == 0]
    assert list(first) == list(range(TOP_PER_DOCUMENT))
    second = rows.units[rows.columns == 1]
    assert list(second) == [7, 5]  # best first; the rest are under the floor
    assert probs[:, 2].max() < UNIT_FLOOR and not (rows.columns == 2).any()
    assert list(_feature(rows, "rank")[rows.columns == 1]) == [0, 1]
    passing = _feature(rows, "log_units_passing")[rows.columns == 0][0]
    assert passing == pytest.approx(np.log1p(np.count_nonzero(probs[:, 0] >= 0.5)))
    assert list(_feature(rows, "category")) == list(rows.columns)


def test_candidate_features_read_neighbours_other_categories_and_the_logits_behind() -> None:
    probs = np.full((4, 2), 0.01, dtype=np.float32)
    probs[:, 0] = [0.1, 0.8, 0.3, 0.02]
    probs[1, 1] = 0.95  # unit 1 scores higher for the other category
    texts = ["Heading", "The Supplier shall insure:", "(a) general liability", "Signed"]
    rows = candidate_rows(_document(probs, texts), np.full(2, 0.5, dtype=np.float32), [0])
    unit1 = int(np.flatnonzero(rows.units == 1)[0])
    logit = np.log(0.8 / 0.2)
    assert _feature(rows, "before_logit")[unit1] == pytest.approx(np.log(0.1 / 0.9), abs=1e-5)
    assert _feature(rows, "after_logit")[unit1] == pytest.approx(np.log(0.3 / 0.7), abs=1e-5)
    assert _feature(rows, "second_before_logit")[unit1] == -14.0  # beyond the document
    assert _feature(rows, "categories_scoring_higher")[unit1] == 1
    margin = logit - np.log(0.95 / 0.05)
    assert _feature(rows, "margin_over_other_categories")[unit1] == pytest.approx(margin, abs=1e-5)
    assert _feature(rows, "ends_with_colon")[unit1] == 1
    assert _feature(rows, "ends_with_letter_or_digit")[unit1] == 0
    assert _feature(rows, "tfidf_logit")[unit1] == pytest.approx(logit - 1, abs=1e-5)
    assert _feature(rows, "encoder_logit")[unit1] == pytest.approx(logit + 1, abs=1e-5)


def test_the_shipped_rescorer_ranks_a_clear_clause_over_a_weak_one() -> None:
    model = ClauseModel.load()
    j = model.categories.index("Governing Law")
    probs = np.full((30, len(model.categories)), 0.002, dtype=np.float32)
    probs[3, j], probs[20, j] = 0.97, 0.05
    rows = candidate_rows(_document(probs), model.thresholds, [j])
    confidence = model.rescorer.probabilities(rows)
    by_unit = dict(zip(rows.units.tolist(), confidence.tolist(), strict=True))
    assert by_unit[3] > model.rescorer.clause_threshold > by_unit[20]


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


def test_threshold_scale_moves_the_presence_cut_of_reviews_and_of_the_bench() -> None:
    """A review's presence decision and the presence bench share `score_units`; the scale set
    in LEXCREW_EXTRACTION__THRESHOLD_SCALE moves it."""
    doc = ExtractedText.from_pages("d" * 64, "sample.pdf", [_sample_text()])
    model = ClauseModel.load()
    columns = list(range(len(model.categories)))
    scored = score_units(doc, model, columns, ExtractionSettings())
    assert scored is not None
    rows, confidence = scored.rows, scored.confidence
    with_candidates = set(model.rescorer.presence(rows, confidence, len(model.categories)))

    def present(scale: float) -> set[int]:
        return present_columns(model, rows, confidence, ExtractionSettings(threshold_scale=scale))

    default, stricter = present(1.0), present(1.5)
    assert scored.present == default
    assert stricter < default < with_candidates
    assert present(0.0) == with_candidates and present(100.0) == set()
    phrases = PhraseModel.load()
    found = find_candidates(doc, model, phrases, ExtractionSettings())
    reported = {f.category for f in found.findings}
    clause_model_only = reported - set(phrases.categories)
    assert clause_model_only == {model.categories[j] for j in default} - set(phrases.categories)
    empty = ExtractedText.from_pages("e" * 64, "empty.pdf", [""])
    assert score_units(empty, model, columns, ExtractionSettings()) is None


def _training_documents(n: int, seed: int) -> list[TrainingDocument]:
    """Contracts of 20 numbered sentences; in about two of three, sentence 3 is the gold clause of
    category 0, and the clause model scores it highest."""
    rng = np.random.default_rng(seed)
    docs = []
    for d in range(n):
        sentences = [f"Alpha{k} beta{k} gamma{k} delta{k} in contract{d}." for k in range(20)]
        text = " ".join(sentences)
        spans, at = [], 0
        for s in sentences:
            spans.append((at, at + len(s)))
            at += len(s) + 1
        probs = rng.uniform(0.01, 0.4, size=(20, 2)).astype(np.float32)
        present = bool(rng.uniform() < 2 / 3)
        if present:
            probs[3, 0] = rng.uniform(0.5, 0.95)
        labels = {"A": [sentences[3]] if present else [], "B": []}
        logits = np.log(probs / (1 - probs)).astype(np.float32)
        docs.append(TrainingDocument(text, spans, labels, probs, logits, np.zeros_like(logits)))
    return docs


def test_the_rescorer_learns_which_candidates_match_out_of_fold() -> None:
    docs = _training_documents(240, seed=1)  # the presence model keeps 60 rows a leaf
    thresholds = np.full(2, 0.5, dtype=np.float32)
    rescorer, meta = fit_rescorer(docs, ("A", "B"), thresholds, [0], 3, 13, log=lambda _m: None)
    assert meta["cv_clause_f1"] > 0.9
    assert meta["cv_presence_f1"] > 0.9
    # The clause is the best-scored unit where present: the ranking finds every gold clause.
    assert meta["cv_aupr"] > 0.9 and meta["cv_precision_at_80_recall"] > 0.9
    fresh = _training_documents(12, seed=2)
    with_clause = next(d for d in fresh if d.labels["A"])
    rows = candidate_rows(with_clause.units(), thresholds, [0])
    confidence = rescorer.probabilities(rows)
    assert int(rows.units[int(np.argmax(confidence))]) == 3
    for doc in fresh:  # the presence model tells the contracts with the clause from the rest
        rows = candidate_rows(doc.units(), thresholds, [0])
        presence = rescorer.presence(rows, rescorer.probabilities(rows), 2)
        assert (presence[0] >= rescorer.presence_threshold) == bool(doc.labels["A"])


def test_presence_rows_describe_each_category_from_its_candidates() -> None:
    columns = np.asarray([0, 0, 2, 0], dtype=np.int64)
    features = np.arange(4 * len(FEATURES), dtype=np.float64).reshape(4, len(FEATURES))
    confidence = np.asarray([0.3, 0.6, 0.15, 0.05])
    rows = presence_rows(columns, features, confidence, 3)
    assert list(rows.columns) == [0, 2]
    first, second = rows.features
    assert list(first[:PRESENCE_TOP]) == [0.6, 0.3, 0.05]
    assert list(second[:PRESENCE_TOP]) == [0.15, 0.0, 0.0]  # fewer candidates than PRESENCE_TOP
    counts = first[PRESENCE_TOP : PRESENCE_TOP + len(PRESENCE_COUNTS)]
    assert list(counts) == pytest.approx(list(np.log1p([2, 2, 1, 1])))  # >= 0.1, 0.2, 0.35, 0.5
    at = PRESENCE_TOP + len(PRESENCE_COUNTS)
    assert list(first[at : at + len(FEATURES)]) == list(features[1])  # its best candidate's
    assert list(second[at : at + len(FEATURES)]) == list(features[2])
    assert list(first[at + len(FEATURES) :]) == [0.6, 0.0, 0.15]  # the document's best per category
    assert list(second[at + len(FEATURES) :]) == [0.6, 0.0, 0.15]
