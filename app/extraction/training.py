"""Train the clause model on CUAD train (never on dev): units, labels, CV thresholds, fit."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from app.errors import ConfigurationError
from app.extraction.categories import category_names
from app.extraction.clause_model import VECTORIZER_PARAMS, ClauseModel, Stack, sigmoid
from app.extraction.features import unit_features
from app.extraction.phrases import GENERATORS
from app.extraction.rescore_training import TrainingDocument, fit_rescorer
from app.extraction.rescoring import Rescorer
from app.ingestion.segment import sentence_spans

OMITTED = "<omitted>"
# CUAD's licence asks for this attribution wherever a model trained on it is shipped.
CUAD_ATTRIBUTION = "Trained on CUAD v1 by The Atticus Project (CC BY 4.0)"
TRAINER_VERSION = "6"  # 2: rescorer; 3: stack with the unit encoder; 4: tree rescorer; 5: presence;
# 6: the rescorer is a mean of five fits


@dataclass(frozen=True)
class LabelledContract:
    """One training contract: its text and gold clause texts per category."""

    title: str
    text: str
    labels: dict[str, list[str]]
    answers: dict[str, str] = field(default_factory=dict)  # CUAD's normalised answers


@dataclass(frozen=True)
class UnitDataset:
    """Feature texts, a label matrix (units x categories) and each unit's contract index."""

    texts: list[str]
    labels: npt.NDArray[np.bool_]
    groups: npt.NDArray[np.int32]


def read_contracts(path: Path) -> Iterator[LabelledContract]:
    """Yield the contracts of a CUAD-format JSON-lines file (gzip or plain)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            yield LabelledContract(row["title"], row["text"], row["labels"], row.get("answers", {}))


def gold_ranges(text: str, span: str) -> list[tuple[int, int]]:
    """Locate each piece of a gold span in the text (pieces are split at <omitted>)."""
    ranges = []
    for piece in (p.strip() for p in span.split(OMITTED)):
        at = text.find(piece) if piece else -1
        if at >= 0:
            ranges.append((at, at + len(piece)))
    return ranges


def _unit_is_positive(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    for g_start, g_end in ranges:
        overlap = min(end, g_end) - max(start, g_start)
        if overlap <= 0:
            continue
        inside = g_start >= start and g_end <= end
        if inside or overlap / (end - start) >= 0.5:
            return True
    return False


def contract_units(
    contract: LabelledContract, categories: tuple[str, ...], tags: bool = True
) -> tuple[list[str], npt.NDArray[np.bool_]]:
    """Split a contract into units and label each unit for every category."""
    spans = sentence_spans(contract.text)
    ranges = {
        c: [r for s in contract.labels.get(c, []) for r in gold_ranges(contract.text, s)]
        for c in categories
    }
    labels = np.zeros((len(spans), len(categories)), dtype=bool)
    for j, category in enumerate(categories):
        if ranges[category]:
            for i, (start, end) in enumerate(spans):
                labels[i, j] = _unit_is_positive(start, end, ranges[category])
    texts = unit_features([(contract.text[s:e], s) for s, e in spans], len(contract.text), tags)
    return texts, labels


def build_dataset(
    contracts: list[LabelledContract], categories: tuple[str, ...], tags: bool = True
) -> UnitDataset:
    """Turn contracts into one unit dataset."""
    texts: list[str] = []
    blocks: list[npt.NDArray[np.bool_]] = []
    groups: list[int] = []
    for index, contract in enumerate(contracts):
        unit_texts, labels = contract_units(contract, categories, tags)
        texts.extend(unit_texts)
        blocks.append(labels)
        groups.extend([index] * len(unit_texts))
    return UnitDataset(texts, np.vstack(blocks), np.asarray(groups, dtype=np.int32))


def best_threshold(
    probs: npt.NDArray[np.float32], truth: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    """Return the probability cut that maximises unit-level F1, and that F1."""
    if not truth.any():
        return 0.5, 0.0
    order = np.argsort(-probs)
    hits = np.cumsum(truth[order])
    k = np.arange(1, len(order) + 1)
    f1 = 2 * hits / (k + truth.sum())
    best = int(np.argmax(f1))
    return float(max(probs[order][best], 0.02)), float(f1[best])


def _fit_columns(
    features: object, labels: npt.NDArray[np.bool_], c_value: float, seed: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    n_features = features.shape[1]  # type: ignore[attr-defined]
    coef = np.zeros((labels.shape[1], n_features), dtype=np.float32)
    intercept = np.full(labels.shape[1], -10.0, dtype=np.float32)
    for j in range(labels.shape[1]):
        if labels[:, j].any():
            model = LogisticRegression(C=c_value, solver="liblinear", random_state=seed)
            model.fit(features, labels[:, j])
            coef[j] = model.coef_[0]
            intercept[j] = model.intercept_[0]
    return coef, intercept


def _logits(
    features: object, coef: npt.NDArray[np.float32], bias: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    return (np.asarray(features @ coef.T) + bias).astype(np.float32)  # type: ignore[operator]


def _unit_f1(scores: npt.NDArray[np.float32], truth: npt.NDArray[np.bool_]) -> float:
    return best_threshold(sigmoid(scores), truth)[1]


# The stack must beat the TF-IDF logit's out-of-fold unit F1 by this much overall, and in most
# folds: a column of noise wins by a few thousandths by chance where TF-IDF is weak.
MIN_STACK_GAIN = 0.005


def fit_stack(
    tfidf: npt.NDArray[np.float32],
    encoder: npt.NDArray[np.float32],
    labels: npt.NDArray[np.bool_],
    fold_of: npt.NDArray[np.int32],
    folds: int,
) -> tuple[npt.NDArray[np.float32], Stack]:
    """Per category, combine the two out-of-fold logits where that helps out of fold.

    For each category a logistic regression over (TF-IDF logit, encoder logit) is cross-fitted
    over the same contract folds. Where its out-of-fold unit F1 beats the TF-IDF logit's by
    MIN_STACK_GAIN and in most folds, the category keeps the stack fitted on all rows (and its
    cross-fitted logits for what comes next: thresholds and the rescorer); elsewhere the
    encoder's weight is 0. Returns the logits to use downstream and the stack.
    """
    stack = Stack.tfidf_only(labels.shape[1])
    out = tfidf.copy()
    for j in range(labels.shape[1]):
        truth = labels[:, j]
        pair = np.column_stack([tfidf[:, j], encoder[:, j]])
        crossed = np.zeros(len(truth), dtype=np.float32)
        wins = 0
        for fold in range(folds):
            train_rows, test_rows = fold_of != fold, fold_of == fold
            if not truth[train_rows].any():
                wins = -folds
                break
            model = LogisticRegression(C=1.0).fit(pair[train_rows], truth[train_rows])
            crossed[test_rows] = model.decision_function(pair[test_rows])
            held = truth[test_rows]
            wins += _unit_f1(crossed[test_rows], held) > _unit_f1(tfidf[test_rows, j], held)
        gain = _unit_f1(crossed, truth) - _unit_f1(tfidf[:, j], truth)
        if 2 * wins > folds and gain > MIN_STACK_GAIN:
            model = LogisticRegression(C=1.0).fit(pair, truth)
            stack.weights[j] = model.coef_[0]
            stack.bias[j] = model.intercept_[0]
            out[:, j] = crossed
    return out, stack


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides the trained model; part of its version."""

    folds: int = 3
    c_value: float = 64.0
    seed: int = 13
    tags: bool = True  # position, length and heading tags; False gives the plain baseline


def train_clause_model(
    train_path: Path, config: TrainConfig, log: Callable[[str], None] = print
) -> ClauseModel:
    """Fit the clause model on a CUAD-format JSON-lines file."""
    data_sha = hashlib.sha256(train_path.read_bytes()).hexdigest()
    return fit_clause_model(list(read_contracts(train_path)), config, data_sha, log)


@dataclass(frozen=True)
class CrossValidation:
    """What cross-validation over contract folds decides: unit thresholds and the rescorer."""

    thresholds: npt.NDArray[np.float32]
    unit_f1: list[float]  # out-of-fold unit F1 per category at its threshold
    rescorer: Rescorer
    rescorer_meta: dict[str, float]
    stack: Stack


def cross_validate(
    contracts: list[LabelledContract],
    dataset: UnitDataset,
    features: object,
    config: TrainConfig,
    log: Callable[[str], None] = print,
    encoder_oof: npt.NDArray[np.float32] | None = None,
) -> CrossValidation:
    """Out-of-fold clause-model scores, the thresholds they give, and the rescorer fitted on them.

    `features` are the units' feature rows (the fitted TF-IDF, or anything with the same rows).
    `encoder_oof` are the unit encoder's out-of-fold logits over the same folds, if it is used.
    """
    started = time.perf_counter()
    categories = category_names()
    logits = np.zeros(dataset.labels.shape, dtype=np.float32)
    fold_of = dataset.groups % config.folds
    for fold in range(config.folds):
        train_rows, test_rows = fold_of != fold, fold_of == fold
        coef, bias = _fit_columns(
            features[train_rows],  # type: ignore[index]
            dataset.labels[train_rows],
            config.c_value,
            config.seed,
        )
        logits[test_rows] = _logits(features[test_rows], coef, bias)  # type: ignore[index]
        log(f"fold {fold + 1}/{config.folds} done ({time.perf_counter() - started:.0f} s)")
    stack = Stack.tfidf_only(len(categories))
    tfidf = logits
    if encoder_oof is not None:
        logits, stack = fit_stack(tfidf, encoder_oof, dataset.labels, fold_of, config.folds)
        chosen = [c for j, c in enumerate(categories) if stack.weights[j, 1] != 0]
        log(f"the encoder helps out of fold in {len(chosen)} of {len(categories)} categories")
    # The rescorer reads the encoder's logits too, even for categories the stack leaves to
    # TF-IDF; a model without the encoder gives it zeros, in training as at review.
    encoder = (
        encoder_oof if encoder_oof is not None and stack.uses_encoder else np.zeros_like(tfidf)
    )
    oof = sigmoid(logits)
    cuts = [best_threshold(oof[:, j], dataset.labels[:, j]) for j in range(len(categories))]
    thresholds = np.array([cut for cut, _ in cuts], dtype=np.float32)
    docs = []
    for i, c in enumerate(contracts):
        rows = dataset.groups == i
        spans = sentence_spans(c.text)
        docs.append(
            TrainingDocument(c.text, spans, c.labels, oof[rows], tfidf[rows], encoder[rows])
        )
    columns = [j for j, c in enumerate(categories) if c not in GENERATORS]
    rescorer, rescorer_meta = fit_rescorer(
        docs, categories, thresholds, columns, config.folds, config.seed, log=log
    )
    return CrossValidation(thresholds, [f1 for _, f1 in cuts], rescorer, rescorer_meta, stack)


def encoder_logits(
    folder: Path, dataset: UnitDataset, categories: tuple[str, ...]
) -> npt.NDArray[np.float32]:
    """The encoder's out-of-fold logits, checked to be of exactly these training units."""
    from app.extraction import encoder_fit

    manifest = json.loads((folder / encoder_fit.MANIFEST).read_text(encoding="utf-8"))
    if manifest["data_sha256"] != units_sha(dataset, categories):
        raise ConfigurationError(
            f"the unit encoder in {folder} was trained on other units than these; write them "
            "with `lexcrew encoder-data` and train it again (encoder_fit.py)"
        )
    with np.load(folder / encoder_fit.OOF) as saved:
        return np.asarray(saved["logits"], dtype=np.float32)


def fit_clause_model(
    contracts: list[LabelledContract],
    config: TrainConfig,
    data_sha: str,
    log: Callable[[str], None] = print,
    encoder_dir: Path | None = None,
) -> ClauseModel:
    """Fit the vectoriser and per-category models; thresholds from out-of-fold predictions.

    With `encoder_dir` (a unit encoder trained by `encoder_fit.py` on these contracts' units),
    its out-of-fold logits are stacked with the TF-IDF ones where that helps.
    """
    started = time.perf_counter()
    categories = category_names()
    dataset = build_dataset(contracts, categories, config.tags)
    log(f"{len(dataset.texts)} units, {int(dataset.labels.any(axis=1).sum())} positive")
    vectorizer = TfidfVectorizer(**VECTORIZER_PARAMS)
    features = vectorizer.fit_transform(dataset.texts)
    extra = encoder_logits(encoder_dir, dataset, categories) if encoder_dir else None
    cv = cross_validate(contracts, dataset, features, config, log, extra)
    cv_f1 = float(np.mean(cv.unit_f1))
    log(f"out-of-fold unit F1, mean over categories: {cv_f1:.4f}")
    coef, bias = _fit_columns(features, dataset.labels, config.c_value, config.seed)
    encoder = None
    if encoder_dir and cv.stack.uses_encoder:
        from app.extraction.encoder import UnitEncoder

        encoder = UnitEncoder(encoder_dir)
    config_json = json.dumps(config.__dict__, sort_keys=True)
    encoder_version = encoder.version if encoder else ""
    key = f"{data_sha}{config_json}{TRAINER_VERSION}{encoder_version}"
    version = hashlib.sha256(key.encode()).hexdigest()
    meta: dict[str, Any] = {
        "version": version[:12],
        "train_data_sha256": data_sha,
        "config": config.__dict__,
        "trainer_version": TRAINER_VERSION,
        "units": len(dataset.texts),
        "cv_unit_f1_mean": round(cv_f1, 4),
        "rescorer": cv.rescorer_meta,
        "train_seconds": round(time.perf_counter() - started, 1),
        "license": CUAD_ATTRIBUTION,
    }
    if encoder is not None:
        meta["encoder"] = {
            "version": encoder.version,
            "categories": [c for j, c in enumerate(categories) if cv.stack.weights[j, 1] != 0],
        }
    return ClauseModel(
        vectorizer, coef, bias, categories, cv.thresholds, cv.rescorer, meta, cv.stack, encoder
    )


def _unit_lines(dataset: UnitDataset, categories: tuple[str, ...]) -> Iterator[str]:
    """The encoder trainer's input, line by line: a header (the categories), then per unit its
    feature text, the indices of its positive categories and its contract's index (its fold)."""
    yield json.dumps({"categories": list(categories)}) + "\n"
    for text, row, group in zip(dataset.texts, dataset.labels, dataset.groups, strict=True):
        positives = [int(j) for j in np.flatnonzero(row)]
        yield json.dumps({"text": text, "labels": positives, "group": int(group)}) + "\n"


def units_sha(dataset: UnitDataset, categories: tuple[str, ...]) -> str:
    """The hash the encoder records of its training units (of the uncompressed lines)."""
    digest = hashlib.sha256()
    for line in _unit_lines(dataset, categories):
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def write_units(contracts: list[LabelledContract], path: Path, tags: bool = True) -> int:
    """Write the clause model's training units for `encoder_fit.py`; return how many."""
    categories = category_names()
    dataset = build_dataset(contracts, categories, tags)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        for line in _unit_lines(dataset, categories):
            handle.write(line.encode("utf-8"))
    return len(dataset.texts)
