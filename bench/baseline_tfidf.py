"""The floor of issue 6: plain TF-IDF + logistic regression over sentence-like units.

Trained on CUAD train with per-category thresholds from cross-validation on train, scored on
dev with the same rules as `lexcrew eval`. No position or heading tags, no phrase model, no
crew: what lexcrew must clearly beat. Prints the metrics and the command.

    .venv/bin/python bench/baseline_tfidf.py [--train ../shared/cuad/train.jsonl.gz]
                                             [--dev ../shared/cuad/dev]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from app.evaluation.metrics import Prediction, score
from app.evaluation.runner import labelled_pdfs
from app.extraction.categories import category_names
from app.extraction.training import TrainConfig, train_clause_model
from app.ingestion.pdf import PypdfParser
from app.review.candidates import document_units

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cuad"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, default=SHARED / "train.jsonl.gz")
    parser.add_argument("--dev", type=Path, default=SHARED / "dev")
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation")
    args = parser.parse_args()
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    started = time.perf_counter()
    model = train_clause_model(
        args.train, TrainConfig(c_value=args.c, tags=False), log=lambda _m: None
    )
    print(f"trained in {time.perf_counter() - started:.0f} s on {args.train}")
    predictions: list[Prediction] = []
    gold: dict[str, dict[str, list[str]]] = {}
    parser_ = PypdfParser()
    for item in labelled_pdfs(args.dev):
        doc = parser_.parse(item.pdf.read_bytes(), item.pdf.name)
        units, _pages = document_units(doc)
        probs = model.score(doc.text, units).probabilities
        gold[item.pdf.stem] = item.labels
        for j, category in enumerate(model.categories):
            for i in (probs[:, j] >= model.thresholds[j]).nonzero()[0]:
                predictions.append(
                    Prediction(item.pdf.stem, category, units[i].text, float(probs[i, j]))
                )
    metrics = score(predictions, gold, category_names()).to_dict()
    summary = {k: metrics[k] for k in ("clause", "presence", "aupr", "precision_at_80_recall")}
    print(json.dumps(summary | {"max_recall": metrics["max_recall"]}, indent=2))


if __name__ == "__main__":
    main()
