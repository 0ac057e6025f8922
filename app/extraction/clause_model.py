"""The clause model: TF-IDF over sentence-like units, one logistic regression per category,
stacked with a fine-tuned unit encoder.

It is the extractor's candidate finder: it reads every unit of a contract and gives each a
probability per category. Per category, the unit's TF-IDF logit and the encoder's logit
(`encoder.py`) are combined by a small stack fitted on out-of-fold logits of both; where the
encoder did not help out of fold, its weight is 0. Trained on CUAD train only (see
`training.py`); the weights ship with the package as plain arrays (no pickle) in
`data/clause_model.npz` + `.json`, the encoder's in `data/encoder/`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from app.errors import ConfigurationError
from app.extraction import read_model_files, write_model_files
from app.extraction.features import unit_features
from app.extraction.rescoring import Rescorer

if TYPE_CHECKING:  # torch is imported only when a model stacks the encoder
    from app.extraction.encoder import UnitEncoder

MODEL_BASENAME = "clause_model"
ENCODER_DIR = "encoder"
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
    """Per-unit probabilities, one column per category, and the logits they come from."""

    units: tuple[Unit, ...]
    probabilities: npt.NDArray[np.float32]
    tfidf: npt.NDArray[np.float32]
    encoder: npt.NDArray[np.float32]  # zeros when the model has no unit encoder


@dataclass(frozen=True)
class Stack:
    """Per category, how the TF-IDF logit and the encoder logit combine into one."""

    weights: npt.NDArray[np.float32]  # categories x 2: TF-IDF, encoder
    bias: npt.NDArray[np.float32]

    @classmethod
    def tfidf_only(cls, categories: int) -> Stack:
        weights = np.zeros((categories, 2), dtype=np.float32)
        weights[:, 0] = 1.0
        return cls(weights, np.zeros(categories, dtype=np.float32))

    @property
    def uses_encoder(self) -> bool:
        return bool(np.any(self.weights[:, 1] != 0))

    def combine(
        self, tfidf: npt.NDArray[np.float32], encoder: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        out = tfidf * self.weights[:, 0] + encoder * self.weights[:, 1] + self.bias
        return out.astype(np.float32)


def sigmoid(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


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
        stack: Stack | None = None,
        encoder: UnitEncoder | None = None,
    ) -> None:
        self.stack = stack or Stack.tfidf_only(len(categories))
        if self.stack.uses_encoder and encoder is None:
            raise ConfigurationError("the clause model's stack needs its unit encoder")
        self.encoder = encoder if self.stack.uses_encoder else None
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
            empty = np.zeros((0, len(self.categories)), dtype=np.float32)
            return UnitScores((), empty, empty, empty)
        tags = bool(self.meta.get("config", {}).get("tags", True))
        features = unit_features([(u.text, u.start) for u in units], len(text), tags)
        matrix = self.vectorizer.transform(features)
        tfidf = np.asarray(sparse.csr_matrix(matrix) @ self.coef.T + self.intercept)
        tfidf = tfidf.astype(np.float32)
        encoder = np.zeros_like(tfidf)
        logits = tfidf
        if self.encoder is not None:
            encoder = self.encoder.logits(features)
            logits = self.stack.combine(tfidf, encoder)
        return UnitScores(tuple(units), sigmoid(logits), tfidf, encoder)

    def save(self, folder: Path) -> None:
        """Write the model as arrays plus a JSON file of vocabulary and metadata."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
            "idf": self.vectorizer.idf_.astype(np.float32),
            "thresholds": self.thresholds.astype(np.float32),
            "stack_weights": self.stack.weights.astype(np.float32),
            "stack_bias": self.stack.bias.astype(np.float32),
            **self.rescorer.arrays(),
        }
        if self.encoder is not None:
            target = folder / ENCODER_DIR
            if self.encoder.folder.resolve() != target.resolve():
                target.mkdir(exist_ok=True)
                for name in self.encoder.files:
                    shutil.copyfile(self.encoder.folder / name, target / name)
        vocab = sorted(self.vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
        payload: dict[str, Any] = {
            "categories": list(self.categories),
            "vocabulary": [w for w, _ in vocab],
        }
        payload["rescorer"] = self.rescorer.settings()
        payload["meta"] = self.meta
        write_model_files(folder, MODEL_BASENAME, arrays, payload)

    @classmethod
    def load(cls, folder: Path | None = None) -> ClauseModel:
        """Load the model from `folder`, by default the one shipped with the package."""
        base, arrays, payload = read_model_files(folder, MODEL_BASENAME, "clause model")
        if "rescorer" not in payload or not Rescorer.saved_in(arrays):
            raise ConfigurationError(
                f"the clause model in {base} predates the tree rescorer and presence model; "
                "run `lexcrew train-models`"
            )
        stack = None
        encoder = None
        if "stack_weights" in arrays:
            stack = Stack(arrays["stack_weights"], arrays["stack_bias"])
        if stack is not None and stack.uses_encoder:
            from app.extraction.encoder import UnitEncoder

            encoder = UnitEncoder(base / ENCODER_DIR)
            wanted = payload["meta"].get("encoder", {}).get("version")
            if encoder.version != wanted:
                raise ConfigurationError(
                    f"the clause model in {base} was stacked with unit encoder {wanted}, "
                    f"but {base / ENCODER_DIR} holds {encoder.version}; run `lexcrew train-models`"
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
            stack=stack,
            encoder=encoder,
        )
