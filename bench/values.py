"""How often the normalisers give CUAD's own answer when they read the gold clauses.

For each contract and value category (dates, renewal and notice periods, governing law), the
rules of `app/extraction/normalizers.py` read the annotated clauses (the first that gives a
value wins; an expiration said as a term is dated from the contract's effective date, else its
agreement date, as a review does) and the value is compared with CUAD's normalised answer by
the rules of `app/evaluation/values.py`. This isolates the normalisers from extraction: on dev,
`lexcrew eval` scores the values of the findings themselves.

    .venv/bin/python bench/values.py ../shared/cuad/train.jsonl.gz     # where the rules are fitted
    .venv/bin/python bench/values.py ../shared/cuad/dev                # a held-out check
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.evaluation.values import VALUE_CATEGORIES, score_values
from app.extraction.normalizers import contract_start, normalize, resolve_expiration


def _contracts(source: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if source.is_dir():
        for path in sorted(source.glob("*.json")):
            yield path.stem, json.loads(path.read_text(encoding="utf-8"))
        return
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            yield str(index), json.loads(line)


def gold_values(labels: dict[str, list[str]]) -> dict[str, str | None]:
    """The value the normalisers read from each category's gold clauses."""
    values: dict[str, str | None] = {}
    for category in (*VALUE_CATEGORIES, "Effective Date", "Agreement Date"):
        found = (normalize(category, clause) for clause in labels.get(category, []))
        values[category] = next((v for v in found if v), None)
    start = contract_start(values["Effective Date"], values["Agreement Date"])
    expiration = values["Expiration Date"]
    values["Expiration Date"] = resolve_expiration(expiration, start) if expiration else None
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="CUAD train.jsonl.gz or a folder of dev JSON")
    args = parser.parse_args()
    values, answers = {}, {}
    for name, contract in _contracts(args.source):
        # Only contracts with gold clauses of the category: a missing clause is extraction's
        # miss, not the normaliser's.
        labels = contract["labels"]
        values[name] = gold_values(labels)
        answers[name] = {c: a for c, a in contract["answers"].items() if labels.get(c)}
    print(f"$ .venv/bin/python bench/values.py {args.source}")
    print("| category | scorable answers | values that agree | share |")
    print("|---|---|---|---|")
    for category, result in score_values(values, answers).items():
        print(f"| {category} | {result.answered} | {result.matched} | {result.accuracy:.3f} |")


if __name__ == "__main__":
    main()
