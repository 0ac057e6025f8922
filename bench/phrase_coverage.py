"""How many gold clauses of the phrase categories any generated candidate can match.

The phrase model can only pick among what the generators propose: this is its recall ceiling,
measured on CUAD train (never dev) by the scoring rule (Jaccard >= 0.5).

    .venv/bin/python bench/phrase_coverage.py ../shared/cuad/train.jsonl.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.extraction.phrase_training import phrase_data
from app.extraction.phrases import GENERATORS
from app.extraction.training import read_contracts


def main(path: Path) -> None:
    contracts = list(read_contracts(path))
    print(f"$ .venv/bin/python bench/phrase_coverage.py {path}")
    print(f"{'category':<16} {'gold':>5} {'covered':>8} {'share':>6} {'candidates':>11}")
    for category in GENERATORS:
        data = phrase_data(contracts, category)  # each candidate with the gold it matches
        found: dict[int, set[int]] = {}
        for group, hits in zip(data.groups, data.matched, strict=True):
            found.setdefault(int(group), set()).update(hits)
        gold_total = int(data.gold_counts.sum())
        covered = sum(len(hits) for hits in found.values())
        share = covered / max(gold_total, 1)
        print(f"{category:<16} {gold_total:>5} {covered:>8} {share:>6.3f} {len(data.labels):>11}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/cuad/train.jsonl.gz"))
