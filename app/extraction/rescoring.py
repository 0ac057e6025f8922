"""The rescorer: a unit's probability read in the light of the rest of its document.

The clause model scores each unit alone, so its probabilities are not comparable from one
contract to the next: the best unit of a contract that has the clause and the best unit of one
that lacks it can score alike. The rescorer is a gradient-boosted tree ensemble over each
candidate unit's score: where it ranks in its document, how the document's best unit scores,
how many units pass the clause model's threshold, its neighbours' scores, how it scores for the
other categories, the TF-IDF and encoder logits behind its score, its size, its last character
and its place. Its target is the scoring rule itself (the unit matches a gold clause of the
category, Jaccard >= 0.5), so its output is a probability that the finding is right: the
confidence every clause finding carries, and the ranking behind AUPR and precision at recall.

Whether a category is in the contract at all is a second question with its own trees (the
presence model), read per category from the rescored candidates: how the best three score, how
many pass 0.1 to 0.5, the best one's features, and the best confidence of every category in the
document (which says what kind of contract it is). Its target is presence itself (the category
has a gold clause in the contract).

Fitted on out-of-fold clause-model scores of CUAD train (rescore_training.py); never on dev.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.extraction.trees import TreeEnsemble

TOP_PER_DOCUMENT = 25  # candidate units per category and document, best first
UNIT_FLOOR = 0.001  # clause-model probability below which a unit is never a candidate
_EDGE_LOGIT = -14.0  # a neighbour beyond either end of the document
FEATURES = (
    "logit",
    "document_best_logit",
    "logit_minus_best",
    "rank",
    "log_units_passing",
    "before_logit",
    "after_logit",
    "second_before_logit",
    "second_after_logit",
    "log_words",
    "place",
    "margin_over_other_categories",
    "categories_scoring_higher",
    "ends_with_colon",
    "ends_with_letter_or_digit",
    "log_chars",
    "log_document_units",
    "tfidf_logit",
    "encoder_logit",
    "category",
)
_ARRAY_PREFIX = "rescore_"
_PRESENCE_PREFIX = "presence_"
PRESENCE_TOP = 3  # how many of a category's best confidences the presence model reads
BEST_CONFIDENCE = 0  # the column of a presence row that holds the category's best confidence
PRESENCE_COUNTS = (0.1, 0.2, 0.35, 0.5)  # it also reads how many candidates reach each


@dataclass(frozen=True)
class DocumentUnits:
    """A document's units as the rescorer reads them: where they are and how they scored."""

    texts: Sequence[str]
    starts: npt.NDArray[np.int64]
    doc_length: int
    probabilities: npt.NDArray[np.float32]  # units x categories: the clause model's scores
    tfidf: npt.NDArray[np.float32]  # the TF-IDF logits behind them
    encoder: npt.NDArray[np.float32]  # the unit encoder's logits (zeros without an encoder)


@dataclass(frozen=True)
class CandidateRows:
    """Candidate (unit, category) pairs of one document and their features (FEATURES)."""

    units: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    features: npt.NDArray[np.float64]


def _logit(p: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    clipped = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def _unit_shape(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Per unit: words, characters, ends with a colon, ends with a letter or digit."""
    out = np.zeros((len(texts), 4), dtype=np.float64)
    for i, text in enumerate(texts):
        stripped = text.rstrip()
        last = stripped[-1:]
        out[i] = (len(text.split()), len(stripped), last == ":", last.isalnum())
    return out


def candidate_rows(
    doc: DocumentUnits, thresholds: npt.NDArray[np.float32], columns: list[int]
) -> CandidateRows:
    """Pick each category's candidate units in one document and describe each candidate.

    Only the category columns in `columns` are considered.
    """
    probabilities = doc.probabilities
    logits = _logit(probabilities)
    n_units = probabilities.shape[0]
    shape = _unit_shape(doc.texts)
    units: list[int] = []
    cols: list[int] = []
    rows: list[list[float]] = []

    def at(i: int, j: int) -> float:
        return float(logits[i, j]) if 0 <= i < n_units else _EDGE_LOGIT

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
            own = logits[i, j]
            others = np.delete(logits[i], j)
            words, chars, colon, letter = shape[i]
            rows.append(
                [
                    own,
                    best,
                    own - best,
                    min(rank, 10),
                    above,
                    at(i - 1, j),
                    at(i + 1, j),
                    at(i - 2, j),
                    at(i + 2, j),
                    float(np.log1p(words)),
                    float(doc.starts[i]) / max(doc.doc_length, 1),
                    own - float(others.max()) if len(others) else 0.0,
                    float(np.count_nonzero(others > own)),
                    colon,
                    letter,
                    float(np.log1p(chars)),
                    float(np.log1p(n_units)),
                    float(doc.tfidf[i, j]),
                    float(doc.encoder[i, j]),
                    float(j),
                ]
            )
            units.append(int(i))
            cols.append(j)
    features = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    return CandidateRows(
        np.asarray(units, dtype=np.int64), np.asarray(cols, dtype=np.int64), features
    )


@dataclass(frozen=True)
class PresenceRows:
    """One row per category that has candidates in a document, and its features."""

    columns: npt.NDArray[np.int64]
    features: npt.NDArray[np.float64]


def presence_rows(
    columns: npt.NDArray[np.int64],
    features: npt.NDArray[np.float64],
    confidence: npt.NDArray[np.float64],
    n_categories: int,
) -> PresenceRows:
    """Describe each category of one document from its candidates (`columns` and `features` of
    candidate_rows, `confidence` the rescored probabilities): its best PRESENCE_TOP confidences,
    how many candidates reach each of PRESENCE_COUNTS, the best candidate's features, and the
    best confidence of every category in the document (zero where it has no candidate)."""
    best_of = np.zeros(n_categories, dtype=np.float64)
    np.maximum.at(best_of, columns, confidence)
    present = np.unique(columns)
    width = PRESENCE_TOP + len(PRESENCE_COUNTS) + len(FEATURES) + n_categories
    out = np.zeros((len(present), width), dtype=np.float64)
    for row, j in enumerate(present):
        mine = np.flatnonzero(columns == j)
        order = mine[np.argsort(-confidence[mine], kind="stable")]
        top = confidence[order[:PRESENCE_TOP]]
        counts = [np.log1p(np.count_nonzero(confidence[mine] >= t)) for t in PRESENCE_COUNTS]
        out[row, BEST_CONFIDENCE : BEST_CONFIDENCE + len(top)] = top
        at = PRESENCE_TOP
        out[row, at : at + len(counts)] = counts
        at += len(counts)
        out[row, at : at + len(FEATURES)] = features[order[0]]
        out[row, at + len(FEATURES) :] = best_of
    return PresenceRows(present.astype(np.int64), out)


@dataclass(frozen=True)
class Rescorer:
    """The fitted trees, plus the thresholds chosen by cross-validation on train.

    A category is reported present in a document when the presence model's probability reaches
    `presence_threshold`; then its best candidate, and every other candidate whose confidence
    reaches `clause_threshold`, are findings.
    """

    trees: TreeEnsemble
    presence_trees: TreeEnsemble
    presence_threshold: float
    clause_threshold: float

    def probabilities(self, rows: CandidateRows) -> npt.NDArray[np.float64]:
        """Return each candidate's probability of matching a gold clause."""
        if not len(rows.columns):
            return np.zeros(0, dtype=np.float64)
        return self.trees.predict_proba(rows.features).astype(np.float64)

    def presence(
        self, rows: CandidateRows, confidence: npt.NDArray[np.float64], n_categories: int
    ) -> dict[int, float]:
        """Each category column with candidates, and its probability of being in the document."""
        if not len(rows.columns):
            return {}
        described = presence_rows(rows.columns, rows.features, confidence, n_categories)
        probabilities = self.presence_trees.predict_proba(described.features)
        return {int(j): float(p) for j, p in zip(described.columns, probabilities, strict=True)}

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The trees as named arrays, for the model's .npz file."""
        return {
            **self.trees.arrays(_ARRAY_PREFIX),
            **self.presence_trees.arrays(_PRESENCE_PREFIX),
        }

    def settings(self) -> dict[str, float]:
        """The thresholds, for the model's JSON file."""
        return {
            "presence_threshold": self.presence_threshold,
            "clause_threshold": self.clause_threshold,
        }

    @staticmethod
    def saved_in(arrays: dict[str, npt.NDArray[Any]]) -> bool:
        """Tell whether a model file's arrays hold this rescorer's trees and presence model."""
        return f"{_ARRAY_PREFIX}roots" in arrays and f"{_PRESENCE_PREFIX}roots" in arrays

    @classmethod
    def from_saved(
        cls, arrays: dict[str, npt.NDArray[Any]], settings: dict[str, float]
    ) -> Rescorer:
        return cls(
            trees=TreeEnsemble.from_arrays(arrays, _ARRAY_PREFIX),
            presence_trees=TreeEnsemble.from_arrays(arrays, _PRESENCE_PREFIX),
            presence_threshold=float(settings["presence_threshold"]),
            clause_threshold=float(settings["clause_threshold"]),
        )
