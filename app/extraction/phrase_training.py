"""Train the phrase model on CUAD train (never dev): label candidates by the scoring rule."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from app.evaluation.metrics import gold_words, is_match, normalize_words
from app.extraction.phrase_model import (
    VECTORIZER_PARAMS,
    CategoryModel,
    PhraseModel,
    context_features,
    phrase_features,
)
from app.extraction.phrases import GENERATORS, NamedPlaces, Phrase, distinct_phrases
from app.extraction.training import CUAD_ATTRIBUTION, LabelledContract
from app.extraction.tree_training import fit_trees, out_of_fold
from app.extraction.trees import TreeEnsemble

# Part of the model's version: raise it when training changes what the same data and seed give.
TRAINER_VERSION = "1"
TOP_K_CHOICES = {"Parties": (*range(1, 16), 20, 30, 50)}
THRESHOLDS = np.round(np.arange(0.05, 0.95, 0.05), 2)
# The second pass is kept for a category only when it beats the first by this much of CV F1.
MIN_SECOND_GAIN = 0.005
TREES = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 31}
# The second pass is the mean of this many fits with consecutive seeds, as the rescorer is:
# scikit-learn stops each on its own random validation split once there are over 10,000 rows
# (Parties), so single fits differ. Parties out of fold on train: average precision over its
# candidates 0.7882 and 0.7890 for two seeds, 0.7920 for the mean of five; the categories with
# fewer candidates come out the same.
SECOND_PASS_SEEDS = 5


@dataclass(frozen=True)
class PhraseData:
    """Candidates of one category: features, labels, contract of each, gold count per contract.

    `matched[i]` holds the indices of the gold clauses (of its contract) candidate i matches:
    the scoring rule is not one-to-one, so one phrase can match several gold clauses.
    """

    features: list[str]
    labels: npt.NDArray[np.bool_]
    groups: npt.NDArray[np.int32]
    gold_counts: npt.NDArray[np.int32]
    matched: list[frozenset[int]]
    phrases: list[Phrase]


def phrase_data(contracts: list[LabelledContract], category: str) -> PhraseData:
    """Generate and label every contract's candidates for one category."""
    features: list[str] = []
    labels: list[bool] = []
    groups: list[int] = []
    gold_counts = []
    matched: list[frozenset[int]] = []
    phrases: list[Phrase] = []
    for index, contract in enumerate(contracts):
        gold = [gold_words(g) for g in contract.labels.get(category, [])]
        gold_counts.append(len(gold))
        places = NamedPlaces.for_category(contract.text, category)
        for phrase, count in distinct_phrases(contract.text, GENERATORS[category]):
            words = normalize_words(contract.text[phrase.start : phrase.end])
            hits = frozenset(k for k, g in enumerate(gold) if is_match(words, g))
            matched.append(hits)
            labels.append(bool(hits))
            features.append(phrase_features(contract.text, phrase, count, places))
            groups.append(index)
            phrases.append(phrase)
    return PhraseData(
        features,
        np.asarray(labels, dtype=bool),
        np.asarray(groups, dtype=np.int32),
        np.asarray(gold_counts, dtype=np.int32),
        matched,
        phrases,
    )


def _f1_at(
    data: PhraseData,
    probs: npt.NDArray[np.float32],
    threshold: float,
    top_k: int,
    rows_of: list[npt.NDArray[np.intp]],
) -> float:
    """Clause F1 by the scoring rule when each contract keeps its top_k phrases over threshold."""
    right = chosen_total = found = 0
    for rows in rows_of:
        chosen = [int(r) for r in rows if probs[r] >= threshold][:top_k]
        chosen_total += len(chosen)
        right += sum(1 for r in chosen if data.labels[r])
        found += len(frozenset().union(*(data.matched[r] for r in chosen)))
    precision = right / chosen_total if chosen_total else 0.0
    recall = found / max(int(data.gold_counts.sum()), 1)
    return 2 * precision * recall / (precision + recall) if right else 0.0


def _fit(
    matrix: object, labels: npt.NDArray[np.bool_], seed: int
) -> tuple[npt.NDArray[np.float32], float]:
    model = LogisticRegression(C=1.0, solver="liblinear", random_state=seed)
    model.fit(matrix, labels)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _choose(
    data: PhraseData, oof: npt.NDArray[np.float32], category: str
) -> tuple[float, int, float]:
    best = (0.5, 1, -1.0)
    rows_of = []
    for group in range(len(data.gold_counts)):
        rows = np.flatnonzero(data.groups == group)
        rows_of.append(rows[np.argsort(-oof[rows], kind="stable")])
    for top_k in TOP_K_CHOICES.get(category, range(1, 4)):
        for threshold in THRESHOLDS:
            f1 = _f1_at(data, oof, float(threshold), top_k, rows_of)
            if f1 > best[2]:
                best = (float(threshold), top_k, f1)
    return best


def _context(
    contracts: list[LabelledContract], data: PhraseData, probs: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.float32], list[str]]:
    """The second pass's features of every candidate, document by document."""
    kinds = sorted({p.kind for p in data.phrases})
    out = np.zeros((len(data.phrases), 10 + len(kinds)), dtype=np.float32)
    for group, contract in enumerate(contracts):
        rows = np.flatnonzero(data.groups == group)
        if len(rows):
            phrases = [data.phrases[r] for r in rows]
            out[rows] = context_features(contract.text, phrases, probs[rows], kinds)
    return out, kinds


def _second_pass(
    contracts: list[LabelledContract],
    data: PhraseData,
    oof: npt.NDArray[np.float32],
    folds: int,
    seed: int,
) -> tuple[npt.NDArray[np.float32], TreeEnsemble, list[str]]:
    """Out-of-fold second-pass probabilities and the pass fitted on all candidates.

    Its features come from first-pass out-of-fold probabilities, as at review time they come
    from a model that never saw the document.
    """
    context, kinds = _context(contracts, data, oof)
    fold_of = data.groups % folds
    second = out_of_fold(context, data.labels, fold_of, folds, seed, TREES, SECOND_PASS_SEEDS).mean
    final = fit_trees(context, data.labels, seed, TREES, SECOND_PASS_SEEDS)
    return second.astype(np.float32), final, kinds


def model_version(data_sha: str, folds: int, seed: int) -> str:
    """The version of the phrase model these give: a hash of the training file's SHA-256, the
    config and the trainer version (the same data and seed give the same arrays)."""
    config = json.dumps({"folds": folds, "seed": seed}, sort_keys=True)
    return hashlib.sha256(f"{data_sha}{config}{TRAINER_VERSION}".encode()).hexdigest()[:12]


def train_phrase_model(
    contracts: list[LabelledContract],
    folds: int,
    seed: int,
    data_sha: str,
    log: Callable[[str], None] = print,
) -> PhraseModel:
    """Fit one model per category; threshold and top-k chosen on out-of-fold F1 on train.

    `data_sha` is the SHA-256 of the training file: with the folds, the seed and the trainer
    version it makes the model's version, as for the clause model.
    """
    started = time.perf_counter()
    data = {c: phrase_data(contracts, c) for c in GENERATORS}
    vectorizer = CountVectorizer(min_df=2, **VECTORIZER_PARAMS)
    vectorizer.fit([f for d in data.values() for f in d.features])
    models: dict[str, CategoryModel] = {}
    cv: dict[str, float] = {}
    for category, d in data.items():
        matrix = vectorizer.transform(d.features)
        oof = np.zeros(len(d.features), dtype=np.float32)
        for fold in range(folds):
            train, test = d.groups % folds != fold, d.groups % folds == fold
            coef, bias = _fit(matrix[train], d.labels[train], seed)
            oof[test] = 1.0 / (1.0 + np.exp(-(matrix[test] @ coef + bias)))
        threshold, top_k, f1 = _choose(d, oof, category)
        coef, bias = _fit(matrix, d.labels, seed)
        second_probs, second, kinds = _second_pass(contracts, d, oof, folds, seed)
        threshold2, top_k2, f1_second = _choose(d, second_probs, category)
        log(
            f"{category}: {len(d.features)} candidates, CV F1 {f1:.3f} at p>={threshold} "
            f"top {top_k}; with the second pass {f1_second:.3f} at p>={threshold2} top {top_k2}"
        )
        if f1_second > f1 + MIN_SECOND_GAIN:
            models[category] = CategoryModel(
                coef, bias, threshold2, top_k2, second=second, kinds=tuple(kinds)
            )
            f1 = f1_second
        else:
            models[category] = CategoryModel(coef, bias, threshold, top_k)
        cv[category] = round(f1, 4)
    meta = {
        "version": model_version(data_sha, folds, seed),
        "train_data_sha256": data_sha,
        "config": {"folds": folds, "seed": seed},
        "trainer_version": TRAINER_VERSION,
        "cv_f1_on_train": cv,
        "train_seconds": round(time.perf_counter() - started, 1),
        "license": CUAD_ATTRIBUTION,
    }
    return PhraseModel(vectorizer, models, meta)
