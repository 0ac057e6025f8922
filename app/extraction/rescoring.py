"""The rescorer: a unit's probability read in the light of the rest of its document.

The clause model scores each unit alone, so its probabilities are not comparable from one
contract to the next: the best unit of a contract that has the clause and the best unit of one
that lacks it can score alike. The rescorer is a second logistic regression over each candidate
unit's probability, where it ranks in its document, how the document's best unit scores, how
many units pass the clause model's threshold, its neighbours and its size. Its target is the
scoring rule itself (the unit matches a gold clause of the category, Jaccard >= 0.5), so its
output is a calibrated probability that the finding is right: the confidence every clause
finding carries, and the ranking behind AUPR and precision at recall.

Fitted on out-of-fold clause-model probabilities of CUAD train (training.py); never on dev.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

TOP_PER_DOCUMENT = 25  # candidate units per category and document, best first
UNIT_FLOOR = 0.001  # clause-model probability below which a unit is never a candidate
INTERACTION_SCALE = 0.2
DENSE_FEATURES = 10
_EDGE_LOGIT = -14.0


@dataclass(frozen=True)
class CandidateRows:
    """Candidate (unit, category) pairs of one document and their dense features."""

    units: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    features: npt.NDArray[np.float64]


def _logit(p: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    clipped = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def candidate_rows(
    probabilities: npt.NDArray[np.float32],
    starts: npt.NDArray[np.int64],
    words: npt.NDArray[np.int64],
    doc_length: int,
    thresholds: npt.NDArray[np.float32],
    columns: list[int],
) -> CandidateRows:
    """Pick each category's candidate units in one document and describe each candidate.

    `probabilities` is units x categories from the clause model; `starts` and `words` give each
    unit's offset and word count. Only the category columns in `columns` are considered.
    """
    logits = _logit(probabilities)
    n_units = probabilities.shape[0]
    units: list[int] = []
    cols: list[int] = []
    rows: list[list[float]] = []
    for j in columns:
        column = probabilities[:, j]
        order = np.argsort(-column, kind="stable")[:TOP_PER_DOCUMENT]
        if not len(order) or column[order[0]] < UNIT_FLOOR:
            continue
        best = logits[order[0], j]
        above = float(np.log1p(np.count_nonzero(column >= thresholds[j])))
        for rank, i in enumerate(order):
            if column[i] < UNIT_FLOOR:
                break
            before = logits[i - 1, j] if i > 0 else _EDGE_LOGIT
            after = logits[i + 1, j] if i + 1 < n_units else _EDGE_LOGIT
            rows.append(
                [
                    logits[i, j],
                    best,
                    logits[i, j] - best,
                    min(rank, 10),
                    above,
                    max(before, after),
                    float(np.log1p(words[i])),
                    float(rank == 0),
                    float(above == 0.0),
                    float(starts[i]) / max(doc_length, 1),
                ]
            )
            units.append(int(i))
            cols.append(j)
    features = np.asarray(rows, dtype=np.float64).reshape(len(rows), DENSE_FEATURES)
    return CandidateRows(
        np.asarray(units, dtype=np.int64), np.asarray(cols, dtype=np.int64), features
    )


def design_matrix(
    features: npt.NDArray[np.float64],
    columns: npt.NDArray[np.int64],
    n_categories: int,
    mean: npt.NDArray[np.float64],
    scale: npt.NDArray[np.float64],
) -> sparse.csr_matrix:
    """Standardised dense features, a per-category bias and a per-category slope on the logit."""
    n = len(columns)
    rows = np.arange(n)
    onehot = sparse.csr_matrix((np.ones(n), (rows, columns)), shape=(n, n_categories))
    slope = sparse.csr_matrix(
        (features[:, 0] * INTERACTION_SCALE if n else np.zeros(0), (rows, columns)),
        shape=(n, n_categories),
    )
    dense = sparse.csr_matrix((features - mean) / scale)
    return sparse.hstack([dense, onehot, slope]).tocsr()


@dataclass(frozen=True)
class Rescorer:
    """Fitted weights, plus the thresholds chosen by cross-validation on train.

    A category is reported present in a document when its best candidate reaches
    `presence_threshold`; then every candidate reaching `clause_threshold` is a finding.
    """

    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]  # dense, then per-category bias, then per-category slope
    intercept: float
    presence_threshold: float
    clause_threshold: float

    def probabilities(self, rows: CandidateRows, n_categories: int) -> npt.NDArray[np.float64]:
        """Return each candidate's probability of matching a gold clause."""
        if not len(rows.columns):
            return np.zeros(0, dtype=np.float64)
        matrix = design_matrix(rows.features, rows.columns, n_categories, self.mean, self.scale)
        logits = np.asarray(matrix @ self.weights).ravel() + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def arrays(self) -> dict[str, npt.NDArray[np.float64]]:
        """The weights as named arrays, for the model's .npz file."""
        return {
            "rescore_mean": self.mean,
            "rescore_scale": self.scale,
            "rescore_weights": self.weights,
            "rescore_intercept": np.asarray([self.intercept]),
        }

    def settings(self) -> dict[str, float]:
        """The thresholds, for the model's JSON file."""
        return {
            "presence_threshold": self.presence_threshold,
            "clause_threshold": self.clause_threshold,
        }

    @classmethod
    def from_saved(
        cls, arrays: dict[str, npt.NDArray[np.float64]], settings: dict[str, float]
    ) -> Rescorer:
        return cls(
            mean=np.asarray(arrays["rescore_mean"], dtype=np.float64),
            scale=np.asarray(arrays["rescore_scale"], dtype=np.float64),
            weights=np.asarray(arrays["rescore_weights"], dtype=np.float64),
            intercept=float(arrays["rescore_intercept"][0]),
            presence_threshold=float(settings["presence_threshold"]),
            clause_threshold=float(settings["clause_threshold"]),
        )
