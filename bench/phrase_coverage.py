"""How many gold clauses of the phrase categories any generated candidate can match.

The phrase model can only pick among what the generators propose: this is its recall ceiling,
measured on CUAD train (never dev) by the scoring rule (Jaccard >= 0.5).

    .venv/bin/python bench/phrase_coverage.py ../shared/cuad/train.jsonl.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.evaluation.metrics import gold_words, is_match, normalize_words
from app.extraction.phrases import GENERATORS, distinct_phrases
from app.extraction.training import read_contracts


def main(path: Path) -> None:
    contracts = list(read_contracts(path))
    print(f"$ .venv/bin/python bench/phrase_coverage.py {path}")
    print(f"{'category':<16} {'gold':>5} {'covered':>8} {'share':>6} {'candidates':>11}")
    for category, generator in GENERATORS.items():
        gold_total = covered = candidates = 0
        for contract in contracts:
            found = [
                normalize_words(contract.text[p.start : p.end])
                for p, _ in distinct_phrases(contract.text, generator)
            ]
            candidates += len(found)
            for gold in contract.labels.get(category, []):
                words = gold_words(gold)
                gold_total += 1
                covered += any(is_match(f, words) for f in found)
        share = covered / max(gold_total, 1)
        print(f"{category:<16} {gold_total:>5} {covered:>8} {share:>6.3f} {candidates:>11}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/cuad/train.jsonl.gz"))
