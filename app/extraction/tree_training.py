"""Fitting gradient-boosted trees for the rescorer, the presence model and the phrase second pass.

Each fit is scikit-learn's HistGradientBoostingClassifier read into a `TreeEnsemble`. Above
10,000 rows scikit-learn stops adding trees on its own random tenth of them, so fits with
different seeds differ; `fit_trees` can average several (their log-odds) to steady that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier

from app.extraction.trees import TreeEnsemble


def _fits(
    features: npt.NDArray[np.floating[Any]],
    labels: npt.NDArray[np.bool_],
    seed: int,
    params: dict[str, float],
    seeds: int,
) -> list[TreeEnsemble]:
    return [
        TreeEnsemble.from_sklearn(
            HistGradientBoostingClassifier(**params, random_state=seed + k).fit(features, labels)
        )
        for k in range(seeds)
    ]


def fit_trees(
    features: npt.NDArray[np.floating[Any]],
    labels: npt.NDArray[np.bool_],
    seed: int,
    params: dict[str, float],
    seeds: int = 1,
) -> TreeEnsemble:
    """Trees fitted with `seeds` consecutive seeds from `seed`, their log-odds averaged."""
    return TreeEnsemble.mean(_fits(features, labels, seed, params, seeds))


@dataclass(frozen=True)
class OutOfFold:
    """Each row's probability from trees fitted on the other folds: the mean of the fits, and
    the first fit alone (seed `seed`: what a single fit gives, without fitting it again)."""

    mean: npt.NDArray[np.float64]
    first: npt.NDArray[np.float64]


def out_of_fold(
    features: npt.NDArray[np.floating[Any]],
    labels: npt.NDArray[np.bool_],
    fold_of: npt.NDArray[np.integer[Any]],
    folds: int,
    seed: int,
    params: dict[str, float],
    seeds: int = 1,
) -> OutOfFold:
    """Each row's probability from trees fitted on the other folds: the mean of `seeds` fits,
    and the first of them alone."""
    mean = np.zeros(len(labels), dtype=np.float64)
    first = np.zeros(len(labels), dtype=np.float64)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        members = _fits(features[train], labels[train], seed, params, seeds)
        mean[test] = TreeEnsemble.mean(members).predict_proba(features[test])
        first[test] = members[0].predict_proba(features[test])
    return OutOfFold(mean, first)
