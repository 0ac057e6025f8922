"""Cross-validated extraction on CUAD train: choose post-processing settings without dev.

For each of 3 folds of train contracts (by contract), fit the clause and phrase models on the
other two, run the candidate finder on the held-out contracts' text, and score them with the
rules of `lexcrew eval`. Settings that only change post-processing (merging adjacent units,
clauses per category, threshold scale) reuse the same fitted models.

    .venv/bin/python bench/cv_pipeline.py [--train ../shared/cuad/train.jsonl.gz] [--folds 3]
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import time
from pathlib import Path

from app.evaluation.metrics import Prediction, score
from app.extraction.categories import category_names
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.phrase_training import train_phrase_model
from app.extraction.training import LabelledContract, TrainConfig, fit_clause_model, read_contracts
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cuad"
SETTINGS = list(itertools.product([True, False], [5, 10], [1.0, 0.8]))


def _fit(train: list[LabelledContract], seed: int) -> tuple[ClauseModel, PhraseModel]:
    config = TrainConfig(seed=seed)
    clause = fit_clause_model(train, config, "cv", log=lambda _m: None)
    phrases = train_phrase_model(train, config.folds, seed, log=lambda _m: None)
    return clause, phrases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, default=SHARED / "train.jsonl.gz")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    contracts = list(read_contracts(args.train))
    predictions: dict[tuple[bool, int, float], list[Prediction]] = {s: [] for s in SETTINGS}
    started = time.perf_counter()
    for fold in range(args.folds):
        held = [c for i, c in enumerate(contracts) if i % args.folds == fold]
        clause, phrases = _fit([c for i, c in enumerate(contracts) if i % args.folds != fold], 13)
        for index, contract in enumerate(held):
            doc = ExtractedText.from_pages(
                f"{fold:02d}{index:062d}", contract.title, [contract.text]
            )
            for merge, top, scale in SETTINGS:
                found = find_candidates(doc, clause, phrases, scale, top, merge)
                predictions[(merge, top, scale)] += [
                    Prediction(contract.title, c.category, c.text, c.confidence) for c in found
                ]
        print(f"fold {fold + 1}/{args.folds} done ({time.perf_counter() - started:.0f} s)")
    gold = {c.title: c.labels for c in contracts}
    print("merge  top  scale | clause P/R/F1        | presence F1 | AUPR")
    for setting, preds in predictions.items():
        m = score(preds, gold, category_names())
        merge, top, scale = setting
        print(
            f"{merge!s:6} {top:4d} {scale:5.1f} | {m.clause.precision:.3f}/{m.clause.recall:.3f}/"
            f"{m.clause.f1:.3f}  | {m.presence.f1:.3f}       | {m.aupr:.3f}"
        )


if __name__ == "__main__":
    main()
