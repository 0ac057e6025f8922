"""The clause model: TF-IDF over sentence-like units, one logistic regression per category.

It is the extractor's candidate finder: it reads every unit of a contract and gives each a
probability per category. Trained on CUAD train only (see `training.py`); the weights ship
with the package as plain arrays (no pickle) in `data/clause_model.npz` + `.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from app.errors import ConfigurationError
from app.extraction.features import unit_features
from app.extraction.rescoring import Rescorer

MODEL_BASENAME = "clause_model"
VECTORIZER_PARAMS: dict[str, Any] = {
    "ngram_range": (1, 2),
    "min_df": 3,
    "max_features": 40000,
    "sublinear_tf": True,
    "dtype": np.float32,
}


@dataclass(frozen=True)
class Unit:
    """A sentence-like span of the document text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class UnitScores:
    """Per-unit probabilities, one column per category."""

    units: tuple[Unit, ...]
    probabilities: npt.NDArray[np.float32]


class ClauseModel:
    """Scores units for every category; thresholds come from cross-validation on train."""

    def __init__(
        self,
        vectorizer: TfidfVectorizer,
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        categories: tuple[str, ...],
        thresholds: npt.NDArray[np.float32],
        rescorer: Rescorer,
        meta: dict[str, Any],
    ) -> None:
        self.vectorizer = vectorizer
        self.coef = coef
        self.intercept = intercept
        self.categories = categories
        self.thresholds = thresholds
        self.rescorer = rescorer
        self.meta = meta

    @property
    def version(self) -> str:
        """Return the model version (the hash of its training data and config)."""
        return str(self.meta.get("version", "unknown"))

    def score(self, text: str, units: list[Unit]) -> UnitScores:
        """Return the probability of every category for every unit."""
        if not units:
            return UnitScores((), np.zeros((0, len(self.categories)), dtype=np.float32))
        tags = bool(self.meta.get("config", {}).get("tags", True))
        features = unit_features([(u.text, u.start) for u in units], len(text), tags)
        matrix = self.vectorizer.transform(features)
        logits = sparse.csr_matrix(matrix) @ self.coef.T + self.intercept
        probs = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float32)))
        return UnitScores(tuple(units), probs.astype(np.float32))

    def save(self, folder: Path) -> None:
        """Write the model as arrays plus a JSON file of vocabulary and metadata."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
            "idf": self.vectorizer.idf_.astype(np.float32),
            "thresholds": self.thresholds.astype(np.float32),
            **self.rescorer.arrays(),
        }
        np.savez_compressed(folder / f"{MODEL_BASENAME}.npz", **arrays)  # type: ignore[arg-type]
        vocab = sorted(self.vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
        payload: dict[str, Any] = {
            "categories": list(self.categories),
            "vocabulary": [w for w, _ in vocab],
        }
        payload["rescorer"] = self.rescorer.settings()
        payload["meta"] = self.meta
        (folder / f"{MODEL_BASENAME}.json").write_text(json.dumps(payload), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | None = None) -> ClauseModel:
        """Load the model from `folder`, by default the one shipped with the package."""
        base = folder or Path(str(resources.files("app.extraction").joinpath("data")))
        try:
            arrays = dict(np.load(base / f"{MODEL_BASENAME}.npz"))
            payload = json.loads((base / f"{MODEL_BASENAME}.json").read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(
                f"clause model not found in {base}; run `lexcrew train-models`"
            ) from exc
        if "rescorer" not in payload or "rescore_weights" not in arrays:
            raise ConfigurationError(
                f"the clause model in {base} predates the rescorer; run `lexcrew train-models`"
            )
        vocabulary = {word: i for i, word in enumerate(payload["vocabulary"])}
        vectorizer = TfidfVectorizer(vocabulary=vocabulary, **VECTORIZER_PARAMS)
        vectorizer.idf_ = arrays["idf"]
        return cls(
            vectorizer=vectorizer,
            coef=arrays["coef"].astype(np.float32),
            intercept=arrays["intercept"],
            categories=tuple(payload["categories"]),
            thresholds=arrays["thresholds"],
            rescorer=Rescorer.from_saved(arrays, payload["rescorer"]),
            meta=payload["meta"],
        )
