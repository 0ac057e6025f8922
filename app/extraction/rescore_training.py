"""Fit the rescorer on out-of-fold clause-model scores of CUAD train (never dev).

Each candidate unit is labelled by the scoring rule: does it match (Jaccard >= 0.5) a gold
clause of its category in its contract? A second cross-validation over the same contract folds
gives out-of-fold rescored probabilities, on which the presence and clause thresholds are
chosen for clause F1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier

from app.evaluation.metrics import gold_words, is_match, normalize_words
from app.extraction.rescoring import (
    FEATURES,
    DocumentUnits,
    Rescorer,
    candidate_rows,
)
from app.extraction.trees import TreeEnsemble

PRESENCE_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
CLAUSE_GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
# Chosen on train's out-of-fold clause F1 with an earlier, smaller feature set: 0.6585 with 31
# leaves, 0.6569 with 63 leaves of at least 40 rows, the same with 600 trees as with 300.
# scikit-learn stops adding trees early on a 10% validation split of the rows it is given (the
# shipped rescorer kept 155).
TREES = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 31}


@dataclass(frozen=True)
class TrainingDocument:
    """One train contract as the rescorer sees it: text, unit offsets, gold clauses, OOF scores.

    `probabilities` are the clause model's out-of-fold scores; `tfidf` and `encoder` the
    out-of-fold logits behind them (the encoder's are zeros when it is not used).
    """

    text: str
    spans: list[tuple[int, int]]
    labels: dict[str, list[str]]
    probabilities: npt.NDArray[np.float32]
    tfidf: npt.NDArray[np.float32]
    encoder: npt.NDArray[np.float32]

    def units(self) -> DocumentUnits:
        """The contract's units as the rescorer reads them."""
        return DocumentUnits(
            texts=[self.text[s:e] for s, e in self.spans],
            starts=np.asarray([s for s, _ in self.spans], dtype=np.int64),
            doc_length=len(self.text),
            probabilities=self.probabilities,
            tfidf=self.tfidf,
            encoder=self.encoder,
        )


@dataclass(frozen=True)
class _Candidates:
    features: npt.NDArray[np.float64]
    columns: npt.NDArray[np.int64]
    documents: npt.NDArray[np.int64]
    gold_hits: list[frozenset[tuple[int, int, int]]]  # (document, column, gold index)
    n_gold: int

    @property
    def labels(self) -> npt.NDArray[np.bool_]:
        return np.asarray([bool(h) for h in self.gold_hits])


def _candidates(
    docs: Sequence[TrainingDocument],
    categories: Sequence[str],
    thresholds: npt.NDArray[np.float32],
    columns: list[int],
) -> _Candidates:
    features, cols, owners, hits = [], [], [], []
    n_gold = 0
    for d, doc in enumerate(docs):
        gold = {j: [gold_words(g) for g in doc.labels.get(categories[j], [])] for j in columns}
        n_gold += sum(len(g) for g in gold.values())
        rows = candidate_rows(doc.units(), thresholds, columns)
        for unit, j in zip(rows.units, rows.columns, strict=True):
            start, end = doc.spans[int(unit)]
            words = normalize_words(doc.text[start:end])
            hits.append(
                frozenset((d, int(j), k) for k, g in enumerate(gold[int(j)]) if is_match(words, g))
            )
        features.append(rows.features)
        cols.append(rows.columns)
        owners.append(np.full(len(rows.columns), d, dtype=np.int64))
    return _Candidates(
        np.vstack(features) if features else np.zeros((0, len(FEATURES))),
        np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
        np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64),
        hits,
        n_gold,
    )


def _fit(cands: _Candidates, rows: npt.NDArray[np.bool_], seed: int) -> TreeEnsemble:
    model = HistGradientBoostingClassifier(**TREES, random_state=seed)
    model.fit(cands.features[rows], cands.labels[rows])
    return TreeEnsemble.from_sklearn(model)


def clause_f1_at(
    cands: _Candidates,
    probs: npt.NDArray[np.float64],
    presence: float,
    clause: float,
    max_per_category: int,
) -> float:
    """Clause F1 under the scoring rule when findings are chosen with these thresholds."""
    best: dict[tuple[int, int], float] = {}
    for d, j, p in zip(cands.documents, cands.columns, probs, strict=True):
        key = (int(d), int(j))
        best[key] = max(best.get(key, 0.0), float(p))
    order = np.argsort(-probs, kind="stable")
    taken: dict[tuple[int, int], int] = {}
    predicted = matched = 0
    gold: set[tuple[int, int, int]] = set()
    for k in order:
        key = (int(cands.documents[k]), int(cands.columns[k]))
        if probs[k] < clause or best[key] < presence or taken.get(key, 0) >= max_per_category:
            continue
        taken[key] = taken.get(key, 0) + 1
        predicted += 1
        matched += bool(cands.gold_hits[k])
        gold |= cands.gold_hits[k]
    precision = matched / predicted if predicted else 0.0
    recall = len(gold) / cands.n_gold if cands.n_gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def fit_rescorer(
    docs: Sequence[TrainingDocument],
    categories: Sequence[str],
    thresholds: npt.NDArray[np.float32],
    columns: list[int],
    folds: int,
    seed: int,
    max_per_category: int = 10,
    log: Callable[[str], None] = print,
) -> tuple[Rescorer, dict[str, float]]:
    """Fit the rescorer and choose its thresholds by cross-validation over contracts."""
    cands = _candidates(docs, categories, thresholds, columns)
    labels = cands.labels
    log(f"rescorer: {len(labels)} candidates, {int(labels.sum())} match a gold clause")
    oof = np.zeros(len(labels), dtype=np.float64)
    fold_of = cands.documents % folds
    for fold in range(folds):
        trees = _fit(cands, fold_of != fold, seed)
        test = fold_of == fold
        oof[test] = trees.predict_proba(cands.features[test])
    grid = [(p, c) for p in PRESENCE_GRID for c in CLAUSE_GRID if c <= p]
    scored = [(clause_f1_at(cands, oof, p, c, max_per_category), p, c) for p, c in grid]
    f1, presence, clause = max(scored)
    log(f"rescorer: out-of-fold clause F1 {f1:.4f} at presence {presence}, clause {clause}")
    rescorer = Rescorer(
        trees=_fit(cands, np.ones(len(labels), dtype=bool), seed),
        presence_threshold=presence,
        clause_threshold=clause,
    )
    return rescorer, {"cv_clause_f1": round(f1, 4), "candidates": float(len(labels))}
