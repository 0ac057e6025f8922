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

from app.evaluation.metrics import gold_words, is_match, normalize_words, ranking_scores
from app.extraction.rescoring import (
    BEST_CONFIDENCE,
    FEATURES,
    DocumentUnits,
    PresenceRows,
    Rescorer,
    candidate_rows,
    presence_rows,
)
from app.extraction.tree_training import fit_trees, out_of_fold

PRESENCE_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
CLAUSE_GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
# Chosen on train's out-of-fold clause F1 with an earlier, smaller feature set: 0.6585 with 31
# leaves, 0.6569 with 63 leaves of at least 40 rows, the same with 600 trees as with 300.
# scikit-learn stops adding trees early on a 10% validation split of the rows it is given (the
# five fits of the shipped rescorer kept 1,100 trees together).
TREES = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 31}
# The rescorer is the mean of this many fits with consecutive seeds: each stops on its own
# random validation split, so single fits differ (out-of-fold precision at 80% recall over
# train's candidates 0.363 to 0.367 for three seeds); the mean of five gave 0.372 and AUPR
# 0.6925 against 0.6879 to 0.6903, ten no better (0.373, 0.6928); `lexcrew train-models`
# prints the mean against one fit. The presence model's rows are fewer and its trees smaller;
# five of it gave the same presence F1 as one.
RESCORER_SEEDS = 5
BEST_CANDIDATE_RULE = 0.35  # the presence rule before the presence model, logged beside it
# The presence model has about 11,000 rows (categories with candidates, per contract), so
# smaller trees: out-of-fold presence F1 on train 0.8445 with these, 0.8419 with 15 leaves of at
# least 40 rows at rate 0.05 (the rule it replaced, best confidence >= 0.35: 0.8388).
PRESENCE_TREES = {
    "max_iter": 300,
    "learning_rate": 0.03,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 60,
}


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


@dataclass(frozen=True)
class _Pairs:
    """Every (document, category) with candidates, described for the presence model."""

    keys: list[tuple[int, int]]
    features: npt.NDArray[np.float64]
    labels: npt.NDArray[np.bool_]
    n_present: int  # (document, category) pairs with a gold clause, candidates or not


def _pairs(
    cands: _Candidates,
    confidence: npt.NDArray[np.float64],
    docs: Sequence[TrainingDocument],
    categories: Sequence[str],
    columns: list[int],
) -> _Pairs:
    keys: list[tuple[int, int]] = []
    parts: list[PresenceRows] = []
    for d in range(len(docs)):
        mine = cands.documents == d
        rows = presence_rows(
            cands.columns[mine], cands.features[mine], confidence[mine], len(categories)
        )
        keys.extend((d, int(j)) for j in rows.columns)
        parts.append(rows)
    width = parts[0].features.shape[1] if parts else 0
    features = np.vstack([p.features for p in parts]) if parts else np.zeros((0, width))
    labels = np.asarray([bool(docs[d].labels.get(categories[j])) for d, j in keys], dtype=bool)
    n_present = sum(1 for doc in docs for j in columns if doc.labels.get(categories[j]))
    return _Pairs(keys, features, labels, n_present)


def presence_f1_at(pairs: _Pairs, probs: npt.NDArray[np.float64], presence: float) -> float:
    """Presence F1 when categories whose presence probability reaches `presence` are reported
    (a gold category without any candidate is always missed)."""
    reported = probs >= presence
    tp = int(np.count_nonzero(reported & pairs.labels))
    fp = int(np.count_nonzero(reported & ~pairs.labels))
    fn = pairs.n_present - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def clause_f1_at(
    cands: _Candidates,
    probs: npt.NDArray[np.float64],
    present: set[tuple[int, int]],
    clause: float,
    max_per_category: int,
) -> float:
    """Clause F1 under the scoring rule when the categories in `present` are reported with their
    best candidate and every other candidate reaching `clause`."""
    order = np.argsort(-probs, kind="stable")
    taken: dict[tuple[int, int], int] = {}
    predicted = matched = 0
    gold: set[tuple[int, int, int]] = set()
    for k in order:
        key = (int(cands.documents[k]), int(cands.columns[k]))
        first = key not in taken
        if key not in present or taken.get(key, 0) >= max_per_category:
            continue
        if probs[k] < clause and not first:
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
    fitted = out_of_fold(
        cands.features, labels, cands.documents % folds, folds, seed, TREES, RESCORER_SEEDS
    )
    oof = fitted.mean
    ranked = ranking_scores(oof.tolist(), cands.gold_hits, cands.n_gold)
    # The first fit of each fold's mean, alone: what the mean gains over one fit, for the log.
    single = ranking_scores(fitted.first.tolist(), cands.gold_hits, cands.n_gold)
    log(
        f"rescorer: out-of-fold ranking of the candidates, the mean of {RESCORER_SEEDS} fits: "
        f"AUPR {ranked.aupr:.4f}, precision at 80% recall {ranked.precision_at_80_recall:.4f} "
        f"(one fit: {single.aupr:.4f}, {single.precision_at_80_recall:.4f})"
    )
    pairs = _pairs(cands, oof, docs, categories, columns)
    pair_folds = np.asarray([d % folds for d, _ in pairs.keys], dtype=np.int64)
    presence_oof = out_of_fold(
        pairs.features, pairs.labels, pair_folds, folds, seed, PRESENCE_TREES
    ).mean
    presence_f1, presence = max((presence_f1_at(pairs, presence_oof, p), p) for p in PRESENCE_GRID)
    present = {k for k, p in zip(pairs.keys, presence_oof, strict=True) if p >= presence}
    f1, clause = max(
        (clause_f1_at(cands, oof, present, c, max_per_category), c) for c in CLAUSE_GRID
    )
    log(
        f"rescorer: out-of-fold presence F1 {presence_f1:.4f} at {presence}, "
        f"clause F1 {f1:.4f} at {clause}"
    )
    best = pairs.features[:, BEST_CONFIDENCE]
    rule = {k for k, b in zip(pairs.keys, best, strict=True) if b >= BEST_CANDIDATE_RULE}
    rule_presence = presence_f1_at(pairs, best, BEST_CANDIDATE_RULE)
    rule_clause = clause_f1_at(cands, oof, rule, BEST_CANDIDATE_RULE, max_per_category)
    log(
        f"rescorer: the rule it replaced (present when the best candidate reaches "
        f"{BEST_CANDIDATE_RULE}): presence F1 {rule_presence:.4f}, clause F1 {rule_clause:.4f}"
    )
    rescorer = Rescorer(
        trees=fit_trees(cands.features, labels, seed, TREES, RESCORER_SEEDS),
        presence_trees=fit_trees(pairs.features, pairs.labels, seed, PRESENCE_TREES),
        presence_threshold=presence,
        clause_threshold=clause,
    )
    meta = {
        "cv_clause_f1": round(f1, 4),
        "cv_presence_f1": round(presence_f1, 4),
        "cv_aupr": round(ranked.aupr, 4),
        "cv_precision_at_80_recall": round(ranked.precision_at_80_recall, 4),
        "candidates": float(len(labels)),
    }
    return rescorer, meta
