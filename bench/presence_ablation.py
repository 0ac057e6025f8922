"""What else the presence model could read, out of fold on CUAD train (never dev).

Runs train-models' cross-validation up to the rescorer (the clause model's out-of-fold scores,
stacked with the shipped unit encoder's out-of-fold logits, the rescorer's out-of-fold
confidences as the mean of its fits), then fits the presence model out of fold over the same
contract folds with its shipped features and with each candidate addition, and prints presence
F1 at the shipped threshold and at the best of the grid, as `lexcrew train-models` counts it
(a gold category without candidates is a miss). For the shipped model it also prints where the
errors are (misses with a matching candidate that scores low, misses without candidates) and
the share of categories present by band of presence probability. Additions tried:

- head prior: each category's out-of-fold probability of being in the contract from the words
  of its first 600 characters (title and parties: the kind of contract), a logistic regression;
- contract prior: the same from the whole contract's TF-IDF;
- stage two: every category's out-of-fold presence probability in the contract;
- other tree settings for the presence model;
- a presence threshold per category instead of one: each chosen on the other folds'
  out-of-fold probabilities (reporting where the probability beats a cost, the F1-optimal rule
  for calibrated probabilities, by category), 0.45 where a category has too few positives.

    .venv/bin/python bench/presence_ablation.py [--train ../shared/cuad/train.jsonl.gz]

About 5 minutes on 2 cores; run it with nothing else busy.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

import app.extraction.rescore_training as R
import app.extraction.training as T
from app.extraction import shipped_folder
from app.extraction.clause_model import ENCODER_DIR
from app.extraction.tree_training import out_of_fold

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cuad"


class _Captured(Exception):
    """Stops train-models' cross-validation once the rescorer's inputs are known."""


def rescorer_inputs(contracts: list[T.LabelledContract]) -> dict[str, Any]:
    """The documents, thresholds and columns train-models hands the rescorer."""
    seen: dict[str, Any] = {}

    def capture(
        docs: Any, categories: Any, thresholds: Any, columns: Any, *_: Any, **__: Any
    ) -> Any:
        seen.update(docs=docs, categories=categories, thresholds=thresholds, columns=columns)
        raise _Captured

    encoder = shipped_folder() / ENCODER_DIR
    with mock.patch.object(T, "fit_rescorer", capture), suppress(_Captured):
        T.fit_clause_model(contracts, T.TrainConfig(), "ablation", lambda _m: None, encoder)
    return seen


def priors(
    texts: list[str], present: npt.NDArray[np.bool_], vectorizer: Any, c: float, folds: int
) -> npt.NDArray[np.float64]:
    """Each contract's out-of-fold probability of each category, from its text alone."""
    fold_of = np.arange(len(texts)) % folds
    out = np.zeros(present.shape)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        fitted = vectorizer.fit_transform([texts[i] for i in np.flatnonzero(train)])
        held = vectorizer.transform([texts[i] for i in np.flatnonzero(test)])
        for j in range(present.shape[1]):
            y = present[train, j]
            if y.all() or not y.any():
                out[test, j] = y.mean()
                continue
            model = LogisticRegression(C=c, max_iter=2000).fit(fitted, y)
            out[test, j] = model.predict_proba(held)[:, 1]
    return out


def errors(pairs: Any, cands: Any, probs: npt.NDArray[np.float64]) -> None:
    """Where the shipped presence model goes wrong at 0.45, and how calibrated it is."""
    matched = {
        (int(d), int(j))
        for d, j, h in zip(cands.documents, cands.columns, cands.gold_hits, strict=True)
        if h
    }
    reported = probs >= 0.45
    has_match = np.asarray([k in matched for k in pairs.keys])
    missed = ~reported & pairs.labels
    print(
        f"    at 0.45: {int((reported & pairs.labels).sum())} TP, "
        f"{int((reported & ~pairs.labels).sum())} FP, {int(missed.sum())} FN among categories "
        f"with candidates ({int((missed & has_match).sum())} of them with a candidate that "
        f"matches a gold clause) and {pairs.n_present - int(pairs.labels.sum())} FN without"
    )
    bands = (0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.01)
    shares = []
    for low, high in itertools.pairwise(bands):
        inside = (probs >= low) & (probs < high)
        shares.append(
            f"{low:.2f}-{min(high, 1):.2f}: {pairs.labels[inside].mean():.3f} "
            f"of {int(inside.sum())}"
        )
    print("    share present by presence probability: " + ", ".join(shares))


def per_category_cuts(
    pairs: Any, probs: npt.NDArray[np.float64], pair_folds: npt.NDArray[np.int64], folds: int
) -> None:
    """Presence F1 with a cut per category, each chosen without the fold it is applied to."""
    column = np.asarray([j for _, j in pairs.keys])
    grid = np.round(np.arange(0.15, 0.8, 0.05), 2)
    for cost, fewest in ((0.42, 20), (0.45, 40)):
        reported = np.zeros(len(probs), dtype=bool)
        for fold in range(folds):
            held = pair_folds == fold
            for j in np.unique(column):
                fit, mine = ~held & (column == j), held & (column == j)
                cut = 0.45
                if pairs.labels[fit].sum() >= fewest:
                    gain = pairs.labels[fit] - cost
                    cut = float(grid[np.argmax([gain[probs[fit] >= c].sum() for c in grid])])
                reported[mine] = probs[mine] >= cut
        tp = int((reported & pairs.labels).sum())
        fp = int((reported & ~pairs.labels).sum())
        f1 = 2 * tp / (2 * tp + fp + pairs.n_present - tp)
        label = f"a cut per category (cost {cost}, at least {fewest} positives)"
        print(f"  {label:62s} presence F1 {f1:.4f} ({tp} TP, {fp} FP)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=SHARED / "train.jsonl.gz")
    args = parser.parse_args()
    print("$ .venv/bin/python bench/presence_ablation.py " + shlex.join(sys.argv[1:]), flush=True)
    contracts = list(T.read_contracts(args.train))
    folds, seed = T.TrainConfig().folds, T.TrainConfig().seed
    got = rescorer_inputs(contracts)
    docs, categories, columns = got["docs"], got["categories"], got["columns"]
    cands = R._candidates(docs, categories, got["thresholds"], columns)
    confidence = out_of_fold(
        cands.features,
        cands.labels,
        cands.documents % folds,
        folds,
        seed,
        R.TREES,
        R.RESCORER_SEEDS,
    ).mean
    pairs = R._pairs(cands, confidence, docs, categories, columns)
    pair_folds = np.asarray([d % folds for d, _ in pairs.keys])
    rows = [d for d, _ in pairs.keys]
    print(
        f"{len(cands.labels)} candidates, {len(pairs.keys)} (contract, category) pairs, "
        f"{pairs.n_present} present",
        flush=True,
    )

    def presence(
        features: npt.NDArray[np.float64], label: str, params: dict[str, float] | None = None
    ) -> npt.NDArray[np.float64]:
        probs = out_of_fold(
            features, pairs.labels, pair_folds, folds, seed, params or R.PRESENCE_TREES
        ).mean
        grid = {p: R.presence_f1_at(pairs, probs, p) for p in R.PRESENCE_GRID}
        best = max(grid, key=lambda p: grid[p])
        print(
            f"  {label:62s} presence F1 {grid[0.45]:.4f} at 0.45, best {grid[best]:.4f} at {best}",
            flush=True,
        )
        return probs

    print("presence model, out of fold:")
    shipped = presence(pairs.features, "shipped features and trees")
    errors(pairs, cands, shipped)
    per_category_cuts(pairs, shipped, pair_folds, folds)
    present = np.asarray([[bool(c.labels.get(k)) for k in categories] for c in contracts])
    head = CountVectorizer(binary=True, ngram_range=(1, 2), min_df=5)
    whole = TfidfVectorizer(sublinear_tf=True, min_df=5, max_features=30000, ngram_range=(1, 2))
    for label, texts, vectorizer, c in (
        ("+ head prior (first 600 characters)", [c.text[:600] for c in contracts], head, 0.3),
        ("+ contract prior (whole-contract TF-IDF)", [c.text for c in contracts], whole, 10.0),
    ):
        prior = priors(texts, present, vectorizer, c, folds)
        own = np.asarray([prior[d, j] for d, j in pairs.keys])[:, None]
        presence(np.hstack([pairs.features, own]), label)
        presence(np.hstack([pairs.features, own, prior[rows]]), label + ", every category's")
    stage = np.zeros((len(contracts), len(categories)))
    for (d, j), p in zip(pairs.keys, shipped, strict=True):
        stage[d, j] = p
    presence(np.hstack([pairs.features, stage[rows]]), "+ stage two: every category's presence")
    for label, change in (
        ("15 leaves of at least 30 rows", {"max_leaf_nodes": 15, "min_samples_leaf": 30}),
        ("learning rate 0.06", {"learning_rate": 0.06}),
        ("l2 regularisation 1.0", {"l2_regularization": 1.0}),
        ("600 trees at rate 0.015", {"max_iter": 600, "learning_rate": 0.015}),
    ):
        presence(pairs.features, label, {**R.PRESENCE_TREES, **change})


if __name__ == "__main__":
    main()
