"""Cross-validated extraction on CUAD train: choose post-processing settings without dev.

For each of 3 folds of train contracts (by contract), fit the clause and phrase models on the
other two, run the candidate finder on the held-out contracts' text, and score them with the
rules of `lexcrew eval`. Settings that only change post-processing (merging adjacent units,
clauses per category, threshold scale, the floor and number of possible clauses) reuse the
same fitted models. Clause and presence F1 count findings; AUPR, precision at 80% recall and
max recall rank findings and possible clauses together, as `lexcrew eval` does.

    .venv/bin/python bench/cv_pipeline.py [--train ../shared/cuad/train.jsonl.gz] [--folds 3]
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import time
from pathlib import Path

from app.config import ExtractionSettings
from app.evaluation.metrics import Prediction, score
from app.extraction.categories import category_names
from app.extraction.clause_model import ClauseModel, Unit, UnitScores
from app.extraction.phrase_model import PhraseModel
from app.extraction.phrase_training import train_phrase_model
from app.extraction.training import LabelledContract, TrainConfig, fit_clause_model, read_contracts
from app.ingestion.types import ExtractedText
from app.review.candidates import find_candidates

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cuad"
SETTINGS = [
    ExtractionSettings(
        merge_adjacent=merge, threshold_scale=scale, possible_floor=floor, possible_per_category=cap
    )
    for merge, scale, (floor, cap) in itertools.product(
        [False, True], [1.0], [(0.01, 20), (0.02, 10), (0.02, 20), (0.05, 20)]
    )
]


class _ScoreOnce(ClauseModel):
    """The clause model, scoring each text once however many settings are tried on it."""

    _last: tuple[str, UnitScores] | None = None

    def score(self, text: str, units: list[Unit]) -> UnitScores:
        if self._last is None or self._last[0] != text:
            self._last = (text, super().score(text, units))
        return self._last[1]


def _fit(train: list[LabelledContract], seed: int) -> tuple[ClauseModel, PhraseModel]:
    config = TrainConfig(seed=seed)
    fitted = fit_clause_model(train, config, "cv", log=lambda _m: None)
    clause = _ScoreOnce(
        fitted.vectorizer,
        fitted.coef,
        fitted.intercept,
        fitted.categories,
        fitted.thresholds,
        fitted.rescorer,
        fitted.meta,
    )
    phrases = train_phrase_model(train, config.folds, seed, "cv", log=lambda _m: None)
    return clause, phrases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, default=SHARED / "train.jsonl.gz")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    contracts = list(read_contracts(args.train))
    findings: list[list[Prediction]] = [[] for _ in SETTINGS]
    possible: list[list[Prediction]] = [[] for _ in SETTINGS]
    started = time.perf_counter()
    for fold in range(args.folds):
        held = [c for i, c in enumerate(contracts) if i % args.folds == fold]
        clause, phrases = _fit([c for i, c in enumerate(contracts) if i % args.folds != fold], 13)
        for index, contract in enumerate(held):
            doc = ExtractedText.from_pages(
                f"{fold:02d}{index:062d}", contract.title, [contract.text]
            )
            for k, options in enumerate(SETTINGS):
                found = find_candidates(doc, clause, phrases, options)
                for into, part in ((findings[k], found.findings), (possible[k], found.possible)):
                    into += [
                        Prediction(contract.title, c.category, c.text, c.confidence) for c in part
                    ]
        print(f"fold {fold + 1}/{args.folds} done ({time.perf_counter() - started:.0f} s)")
    gold = {c.title: c.labels for c in contracts}
    print("merge  scale floor cap | clause P/R/F1 | presence F1 | AUPR  P@80R maxR | per contract")
    for k, o in enumerate(SETTINGS):
        m = score(findings[k], gold, category_names(), possible[k])
        n = (len(findings[k]) + len(possible[k])) / len(contracts)
        print(
            f"{o.merge_adjacent!s:6} {o.threshold_scale:5.1f} {o.possible_floor:5.2f} "
            f"{o.possible_per_category:3d} | {m.clause.precision:.3f}/{m.clause.recall:.3f}/"
            f"{m.clause.f1:.3f} | {m.presence.f1:.3f}       | {m.aupr:.3f} "
            f"{m.precision_at_80_recall:.3f} {m.max_recall:.3f} | {n:.0f}"
        )


if __name__ == "__main__":
    main()
