"""Experiment: does a unit's likeness to other contracts' gold clauses add to the clause model?

CUAD's contracts reuse boilerplate: a unit that reads almost word for word like a gold clause of
another contract is likely a clause of that category. The TF-IDF regression weighs words one by
one; this asks whether the nearest gold clause, as a whole, says more. For every unit of CUAD
train and every category, the feature is the highest cosine similarity (TF-IDF, as the clause
model's vectoriser) to the positive units of that category in the *other* contract folds, the
same three folds as `lexcrew train-models`, so no unit is compared with its own contract's gold.

It prints the out-of-fold unit F1 (best cut per category, mean over the 37 clause-model
categories, as train-models logs it) of: TF-IDF alone; TF-IDF stacked with the shipped unit
encoder's out-of-fold logits (train-models' stack, the shipped choice); and a per-category
logistic regression over TF-IDF, encoder and the likeness, cross-fitted over the same folds.
Train only, never dev. About 4 minutes on 2 cores.

Measured (2026-12-05): TF-IDF 0.5258, the shipped stack 0.5507, with the likeness 0.5348 (a
stack over all three for every category loses what the shipped stack's per-category choice
keeps; no category gains more than 0.004), the likeness alone 0.1881. Not shipped.

    .venv/bin/python bench/knn_features.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from app.extraction import shipped_folder
from app.extraction.categories import category_names
from app.extraction.clause_model import ENCODER_DIR, VECTORIZER_PARAMS
from app.extraction.phrases import GENERATORS
from app.extraction.training import (
    TrainConfig,
    _fit_columns,
    _logits,
    _unit_f1,
    build_dataset,
    encoder_logits,
    fit_stack,
    read_contracts,
)

TRAIN = Path("../shared/cuad/train.jsonl.gz")
CHUNK = 4000  # held-out units compared with the exemplars at a time


def likeness(
    features: sparse.csr_matrix,
    labels: npt.NDArray[np.bool_],
    fold_of: npt.NDArray[np.int32],
    folds: int,
) -> npt.NDArray[np.float32]:
    """Per unit and category, the best cosine similarity to that category's positive units in
    the other folds (0 where there are none)."""
    out = np.zeros(labels.shape, dtype=np.float32)
    for fold in range(folds):
        held = np.flatnonzero(fold_of == fold)
        exemplars = np.flatnonzero((fold_of != fold) & labels.any(axis=1))
        bank = features[exemplars].T.tocsc()
        of_category = labels[exemplars]
        for at in range(0, len(held), CHUNK):
            rows = held[at : at + CHUNK]
            sims = (features[rows] @ bank).toarray()
            for j in range(labels.shape[1]):
                mine = of_category[:, j]
                if mine.any():
                    out[rows, j] = sims[:, mine].max(axis=1)
    return out


def crossed_stack(
    inputs: list[npt.NDArray[np.float32]],
    labels: npt.NDArray[np.bool_],
    fold_of: npt.NDArray[np.int32],
    folds: int,
    j: int,
) -> npt.NDArray[np.float32]:
    """Out-of-fold logits of a logistic regression over one category's columns of `inputs`."""
    matrix = np.column_stack([x[:, j] for x in inputs])
    truth = labels[:, j]
    out = np.zeros(len(truth), dtype=np.float32)
    for fold in range(folds):
        train_rows, test_rows = fold_of != fold, fold_of == fold
        model = LogisticRegression(C=1.0).fit(matrix[train_rows], truth[train_rows])
        out[test_rows] = model.decision_function(matrix[test_rows])
    return out


def main() -> None:
    print("$ .venv/bin/python bench/knn_features.py", flush=True)
    started = time.perf_counter()
    config = TrainConfig()
    categories = category_names()
    contracts = list(read_contracts(TRAIN))
    data = build_dataset(contracts, categories, config.tags)
    features = TfidfVectorizer(**VECTORIZER_PARAMS).fit_transform(data.texts).tocsr()
    fold_of = (data.groups % config.folds).astype(np.int32)
    tfidf = np.zeros(data.labels.shape, dtype=np.float32)
    for fold in range(config.folds):
        train_rows, test_rows = fold_of != fold, fold_of == fold
        coef, bias = _fit_columns(
            features[train_rows], data.labels[train_rows], config.c_value, config.seed
        )
        tfidf[test_rows] = _logits(features[test_rows], coef, bias)
    print(f"TF-IDF out of fold ({time.perf_counter() - started:.0f} s)", flush=True)
    encoder = encoder_logits(shipped_folder() / ENCODER_DIR, data, categories)
    stacked, _stack = fit_stack(tfidf, encoder, data.labels, fold_of, config.folds)
    near = likeness(features, data.labels, fold_of, config.folds)
    print(f"likeness ({time.perf_counter() - started:.0f} s)", flush=True)
    columns = [j for j, c in enumerate(categories) if c not in GENERATORS]
    rows: dict[str, list[float]] = {
        "TF-IDF": [],
        "TF-IDF + encoder (shipped stack)": [],
        "+ likeness": [],
    }
    likeness_alone: list[float] = []
    for j in columns:
        truth = data.labels[:, j]
        rows["TF-IDF"].append(_unit_f1(tfidf[:, j], truth))
        rows["TF-IDF + encoder (shipped stack)"].append(_unit_f1(stacked[:, j], truth))
        both = crossed_stack([tfidf, encoder, near], data.labels, fold_of, config.folds, j)
        rows["+ likeness"].append(_unit_f1(both, truth))
        with np.errstate(over="ignore"):  # a likeness of 0 is a logit of -138
            likeness_alone.append(_unit_f1(np.log(near[:, j] + 1e-6) * 10, truth))
    for name, values in rows.items():
        print(f"{name}: out-of-fold unit F1 {np.mean(values):.4f}")
    print(f"likeness alone: {np.mean(likeness_alone):.4f}")
    gains = np.array(rows["+ likeness"]) - np.array(rows["TF-IDF + encoder (shipped stack)"])
    best = np.argsort(-gains)[:8]
    shown = ", ".join(f"{categories[columns[k]]} {gains[k]:+.3f}" for k in best)
    print(f"largest gains over the shipped stack: {shown}")
    print(f"{time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
