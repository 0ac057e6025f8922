"""The phrase model: scores short-span candidates (names, titles, dates) for four categories.

One logistic regression per category over binary features of the phrase, its kind, its place
and the words around it. Where it helps out of fold, a second pass rescores a document's
candidates in the light of each other (gradient-boosted trees over the first score, its rank in
the document, the document's best score, the other forms of the same term, the kind): names
are parties partly because of what else the preamble names. Trained on CUAD train only
(phrase_training.py); shipped as plain arrays in `data/phrase_model.npz` + `.json`, like the
clause model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer

from app.extraction import read_model_files, write_model_files
from app.extraction.phrases import GENERATORS, NamedPlaces, Phrase, distinct_phrases
from app.extraction.trees import TreeEnsemble

MODEL_BASENAME = "phrase_model"
VECTORIZER_PARAMS: dict[str, Any] = {
    "token_pattern": r"\S+",
    "lowercase": False,
    "binary": True,
    "dtype": np.float32,
}


def _position(start: int) -> str:
    for limit in (300, 1000, 3000):
        if start < limit:
            return f"pos<{limit}"
    return "pos>3000"


def phrase_features(
    text: str, phrase: Phrase, count: int, places: NamedPlaces | None = None
) -> str:
    """Describe a candidate as space-separated binary features (`places`, for the categories
    that sign: whether the contract names it both in its head and in a signature block)."""
    words = text[phrase.start : phrase.end].split()
    left = text[max(0, phrase.start - 80) : phrase.start].lower().split()[-5:]
    right = text[phrase.end : phrase.end + 80].lower().split()[:5]
    phrase_text = text[phrase.start : phrase.end]
    quoted = f'"{phrase_text}"' in text or f"“{phrase_text}”" in text
    features = [
        f"kind={phrase.kind}",
        _position(phrase.start),
        f"kind_pos={phrase.kind}|{_position(phrase.start)}",
        f"quoted_elsewhere={quoted}",
        f"count={min(count, 5)}",
        f"len={min(len(words), 10)}",
        f"caps={''.join(words).isupper()}",
        f"line_start={phrase.start == 0 or text[phrase.start - 1] == chr(10)}",
    ]
    if places is not None:
        features.append(f"head_and_signature={places.in_both(phrase_text)}")
    features += [f"w={w.lower()}" for w in words[:16]]
    features += [f"l={w}" for w in left] + [f"r={w}" for w in right]
    if left:
        features.append(f"l1={left[-1]}")
    if right:
        features.append(f"r1={right[0]}")
    return " ".join(features)


@dataclass(frozen=True)
class ScoredPhrase:
    """A candidate phrase with its probability of being a clause of its category."""

    category: str
    start: int
    end: int
    probability: float


def _term(text: str) -> str:
    """A defined term without its quotes, brackets and leading "the": 'the "Acme"' -> acme."""
    words = text.strip('"“”() ').split()
    if words and words[0].lower() == "the":
        words = words[1:]
    return " ".join(words).strip('"“”() ').lower()


def context_features(
    text: str, phrases: list[Phrase], probs: npt.NDArray[np.float32], kinds: list[str]
) -> npt.NDArray[np.float32]:
    """A document's candidates described against each other, for the second pass."""
    n = len(phrases)
    out = np.zeros((n, 10 + len(kinds)), dtype=np.float32)
    if not n:
        return out
    order = np.argsort(-probs, kind="stable")
    rank = np.empty(n, dtype=np.float32)
    rank[order] = np.arange(n)
    best = float(probs.max())
    above = float((probs > 0.5).sum())
    terms = [_term(text[p.start : p.end]) for p in phrases]
    term_best: dict[str, float] = {}
    term_count: dict[str, int] = {}
    for term, prob in zip(terms, probs, strict=True):
        term_best[term] = max(term_best.get(term, 0.0), float(prob))
        term_count[term] = term_count.get(term, 0) + 1
    clipped = np.clip(probs, 1e-6, 1 - 1e-6)
    out[:, 0] = np.log(clipped / (1 - clipped))
    out[:, 1] = np.log1p(rank)
    out[:, 2] = probs / max(best, 1e-6)
    out[:, 3] = above
    out[:, 4] = np.log1p(n)
    out[:, 5] = np.log1p([p.start for p in phrases])
    out[:, 6] = [len(text[p.start : p.end].split()) for p in phrases]
    out[:, 7] = [term_best[t] for t in terms]
    out[:, 8] = [term_count[t] for t in terms]
    out[:, 9] = np.log1p(rank) - np.log1p(above)
    for i, phrase in enumerate(phrases):
        if phrase.kind in kinds:
            out[i, 10 + kinds.index(phrase.kind)] = 1.0
    return out


@dataclass(frozen=True)
class CategoryModel:
    """One category's weights, threshold and the most phrases it may return per document;
    `second` rescores a document's candidates together (kinds: its one-hot columns)."""

    coef: npt.NDArray[np.float32]
    intercept: float
    threshold: float
    top_k: int
    second: TreeEnsemble | None = None
    kinds: tuple[str, ...] = ()


class PhraseModel:
    """Scores the phrases the generators propose, category by category."""

    def __init__(
        self, vectorizer: CountVectorizer, models: dict[str, CategoryModel], meta: dict[str, Any]
    ) -> None:
        self.vectorizer = vectorizer
        self.models = models
        self.meta = meta

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.models)

    @property
    def version(self) -> str:
        """The model version (the hash of its training data, config and trainer version)."""
        return str(self.meta.get("version", "unknown"))

    def probabilities(self, category: str, features: list[str]) -> npt.NDArray[np.float32]:
        """Return each feature string's probability for one category."""
        if not features:
            return np.zeros(0, dtype=np.float32)
        model = self.models[category]
        logits = np.asarray(self.vectorizer.transform(features) @ model.coef, dtype=np.float32)
        probs: npt.NDArray[np.float32] = 1.0 / (1.0 + np.exp(-(logits + model.intercept)))
        return probs.astype(np.float32)

    def scored(self, text: str, category: str) -> list[ScoredPhrase]:
        """Return every phrase the category's generator proposes, best first."""
        candidates = distinct_phrases(text, GENERATORS[category])
        places = NamedPlaces.for_category(text, category)
        probs = self.probabilities(
            category, [phrase_features(text, p, n, places) for p, n in candidates]
        )
        model = self.models[category]
        if model.second is not None and candidates:
            phrases = [p for p, _ in candidates]
            context = context_features(text, phrases, probs, list(model.kinds))
            probs = model.second.predict_proba(context)
        found = [
            ScoredPhrase(category, p.start, p.end, float(prob))
            for (p, _), prob in zip(candidates, probs, strict=True)
        ]
        found.sort(key=lambda s: -s.probability)
        return found

    def score(self, text: str, category: str) -> list[ScoredPhrase]:
        """Return the category's phrases over its threshold, best first, at most top_k."""
        model = self.models[category]
        kept = [s for s in self.scored(text, category) if s.probability >= model.threshold]
        return kept[: model.top_k]

    def save(self, folder: Path) -> None:
        """Write weights as arrays and the vocabulary, thresholds and metadata as JSON."""
        folder.mkdir(parents=True, exist_ok=True)
        names = list(self.models)
        arrays: dict[str, npt.NDArray[Any]] = {
            "coef": np.stack([self.models[c].coef for c in names]).astype(np.float32)
        }
        for i, name in enumerate(names):
            second = self.models[name].second
            if second is not None:
                arrays.update(second.arrays(f"second{i}_"))
        # A loaded model has its vocabulary as a parameter; a freshly fitted one as vocabulary_.
        mapping = getattr(self.vectorizer, "vocabulary_", None) or self.vectorizer.vocabulary
        vocab = sorted(mapping.items(), key=lambda kv: kv[1])
        payload = {
            "vocabulary": [w for w, _ in vocab],
            "categories": {
                c: {
                    "intercept": m.intercept,
                    "threshold": m.threshold,
                    "top_k": m.top_k,
                    "second": m.second is not None,
                    "kinds": list(m.kinds),
                }
                for c, m in self.models.items()
            },
            "order": names,
            "meta": self.meta,
        }
        write_model_files(folder, MODEL_BASENAME, arrays, payload)

    @classmethod
    def load(cls, folder: Path | None = None) -> PhraseModel:
        """Load the model from `folder`, by default the one shipped with the package."""
        _base, arrays, payload = read_model_files(folder, MODEL_BASENAME, "phrase model")
        vectorizer = CountVectorizer(
            vocabulary={w: i for i, w in enumerate(payload["vocabulary"])}, **VECTORIZER_PARAMS
        )
        models = {}
        for i, name in enumerate(payload["order"]):
            saved = payload["categories"][name]
            second = None
            if saved.get("second"):
                second = TreeEnsemble.from_arrays(arrays, f"second{i}_")
            models[name] = CategoryModel(
                coef=arrays["coef"][i],
                intercept=float(saved["intercept"]),
                threshold=float(saved["threshold"]),
                top_k=int(saved["top_k"]),
                second=second,
                kinds=tuple(saved.get("kinds", ())),
            )
        return cls(vectorizer, models, payload["meta"])
