"""The tree ensemble read out of scikit-learn scores exactly as the fitted model does."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

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
