"""The tree ensemble read out of scikit-learn scores exactly as the fitted model does."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from app.extraction import trees as trees_module
from app.extraction.tree_training import out_of_fold
from app.extraction.trees import TreeEnsemble


def test_the_arrays_give_the_fitted_models_probabilities_and_survive_a_save() -> None:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(2000, 6)).astype(np.float32)
    truth = features[:, 0] + features[:, 1] * features[:, 2] > 0.3
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0)
    model.fit(features, truth)
    trees = TreeEnsemble.from_sklearn(model)
    fresh = rng.normal(size=(500, 6)).astype(np.float32)
    expected = model.predict_proba(fresh)[:, 1]
    assert np.allclose(trees.predict_proba(fresh), expected, atol=1e-6)
    again = TreeEnsemble.from_arrays(trees.arrays("x_"), "x_")
    assert np.array_equal(again.predict_proba(fresh), trees.predict_proba(fresh))
    assert len(trees.roots) == 40 and trees.predict_proba(fresh[:0]).shape == (0,)
    # It learned the interaction a linear model cannot: most rows are on the right side.
    assert ((expected > 0.5) == (fresh[:, 0] + fresh[:, 1] * fresh[:, 2] > 0.3)).mean() > 0.85


def test_the_mean_of_ensembles_averages_their_log_odds() -> None:
    rng = np.random.default_rng(4)
    features = rng.normal(size=(2000, 5)).astype(np.float32)
    truth = features[:, 0] - features[:, 3] > 0.1
    members = [
        TreeEnsemble.from_sklearn(
            HistGradientBoostingClassifier(max_iter=20 + 10 * seed, random_state=seed).fit(
                features, truth
            )
        )
        for seed in range(3)
    ]
    fresh = rng.normal(size=(300, 5)).astype(np.float32)
    averaged = TreeEnsemble.mean(members)
    expected = np.mean([m.decision(fresh) for m in members], axis=0)
    assert np.allclose(averaged.decision(fresh), expected)
    assert len(averaged.roots) == sum(len(m.roots) for m in members)
    again = TreeEnsemble.from_arrays(averaged.arrays("bag_"), "bag_")
    assert np.allclose(again.decision(fresh), expected)


def test_rows_scored_in_chunks_score_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    features = rng.normal(size=(1500, 4)).astype(np.float32)
    truth = features[:, 0] * features[:, 1] > 0
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(features, truth)
    trees = TreeEnsemble.from_sklearn(model)
    fresh = rng.normal(size=(1001, 4)).astype(np.float32)
    whole = trees.decision(fresh)
    # 30 trees and room for 70 (row, tree) pairs: two rows a chunk, the last one alone.
    monkeypatch.setattr(trees_module, "_PAIRS_PER_CHUNK", 70)
    assert np.allclose(trees.decision(fresh), whole, rtol=0, atol=1e-12)
    assert np.allclose(whole, model.decision_function(fresh), atol=1e-5)


def test_the_first_fit_of_a_mean_out_of_fold_is_what_one_fit_gives() -> None:
    rng = np.random.default_rng(6)
    features = rng.normal(size=(600, 4))
    truth = features[:, 0] + rng.normal(scale=0.5, size=600) > 0
    fold_of = np.arange(600) % 3
    # Early stopping on a random tenth of the rows is what makes seeds differ.
    params = {"max_iter": 20, "learning_rate": 0.1, "max_leaf_nodes": 7, "early_stopping": True}
    fitted = out_of_fold(features, truth, fold_of, 3, 13, params, seeds=3)
    one = out_of_fold(features, truth, fold_of, 3, 13, params)
    assert np.array_equal(fitted.first, one.mean) and np.array_equal(one.first, one.mean)
    assert not np.array_equal(fitted.mean, fitted.first)  # the other seeds did change it
