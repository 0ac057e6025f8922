"""A fitted gradient-boosted tree ensemble as plain arrays: saved without pickle, scored in numpy.

scikit-learn's HistGradientBoostingClassifier (binary, numeric features, no missing values)
is read into node arrays once after fitting; `predict_proba` walks every tree for all rows at
once and gives the same probabilities as the fitted model (a unit test holds it to that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_FIELDS = ("feature", "threshold", "left", "right", "leaf", "value", "roots")
_PAIRS_PER_CHUNK = 1 << 21  # (row, tree) pairs walked at once: some 50 MB of work arrays


@dataclass(frozen=True)
class TreeEnsemble:
    """Nodes of all trees back to back; `roots` is where each tree starts."""

    feature: npt.NDArray[np.int32]
    threshold: npt.NDArray[np.float64]
    left: npt.NDArray[np.int32]  # absolute node indices
    right: npt.NDArray[np.int32]
    leaf: npt.NDArray[np.bool_]
    value: npt.NDArray[np.float64]
    roots: npt.NDArray[np.int32]
    baseline: float

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """Read a fitted binary HistGradientBoostingClassifier."""
        parts: dict[str, list[Any]] = {name: [] for name in _FIELDS}
        offset = 0
        for (tree,) in model._predictors:  # one tree per iteration for a binary model
            nodes = tree.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            parts["feature"].append(nodes["feature_idx"].astype(np.int32))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["left"].append(nodes["left"].astype(np.int32) + offset)
            parts["right"].append(nodes["right"].astype(np.int32) + offset)
            parts["leaf"].append(nodes["is_leaf"].astype(bool))
            parts["value"].append(nodes["value"].astype(np.float64))
            parts["roots"].append(np.asarray([offset], dtype=np.int32))
            offset += len(nodes)
        arrays = {name: np.concatenate(chunks) for name, chunks in parts.items()}
        return cls(**arrays, baseline=float(np.ravel(model._baseline_prediction)[0]))

    @classmethod
    def mean(cls, members: Sequence[TreeEnsemble]) -> TreeEnsemble:
        """One ensemble whose log-odds are the mean of the members' (bagging)."""
        if not members:
            raise ValueError("no ensembles to average")
        offsets = np.cumsum([0] + [len(m.feature) for m in members[:-1]])
        share = 1.0 / len(members)
        return cls(
            feature=np.concatenate([m.feature for m in members]),
            threshold=np.concatenate([m.threshold for m in members]),
            left=np.concatenate([m.left + o for m, o in zip(members, offsets, strict=True)]),
            right=np.concatenate([m.right + o for m, o in zip(members, offsets, strict=True)]),
            leaf=np.concatenate([m.leaf for m in members]),
            value=np.concatenate([m.value * share for m in members]),
            roots=np.concatenate([m.roots + o for m, o in zip(members, offsets, strict=True)]),
            baseline=float(np.mean([m.baseline for m in members])),
        )

    def decision(self, features: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        """Raw scores (log-odds) of each row.

        All trees are walked together, one level a step, over (row, tree) pairs still at an
        inner node, so the Python loop runs as many times as the deepest tree is deep rather
        than once per node level of every tree. Rows go in chunks to bound the memory.
        """
        total = np.full(len(features), self.baseline, dtype=np.float64)
        n_trees = len(self.roots)
        step = max(1, _PAIRS_PER_CHUNK // max(n_trees, 1))
        for first in range(0, len(features), step):
            chunk = features[first : first + step]
            node = np.tile(self.roots, len(chunk))
            row = np.repeat(np.arange(len(chunk)), n_trees)
            walking = np.flatnonzero(~self.leaf[node])
            while len(walking):
                at = node[walking]
                goes_left = chunk[row[walking], self.feature[at]] <= self.threshold[at]
                node[walking] = np.where(goes_left, self.left[at], self.right[at])
                walking = walking[~self.leaf[node[walking]]]
            total[first : first + len(chunk)] += self.value[node].reshape(len(chunk), -1).sum(1)
        return total

    def predict_proba(self, features: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
        """The probability of the positive class for each row."""
        if not len(features):
            return np.zeros(0, dtype=np.float32)
        return (1.0 / (1.0 + np.exp(-self.decision(features)))).astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        out: dict[str, npt.NDArray[Any]] = {f"{prefix}{n}": getattr(self, n) for n in _FIELDS}
        out[f"{prefix}baseline"] = np.asarray([self.baseline])
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]], prefix: str) -> TreeEnsemble:
        fields = {n: arrays[f"{prefix}{n}"] for n in _FIELDS}
        return cls(**fields, baseline=float(arrays[f"{prefix}baseline"][0]))
