"""Recall of the redactor on hand-labelled CUAD dev passages (tests/data/redaction/).

Measure on dev (the default); develop the rules on train (`--split train`).
A gold span counts as caught when at least 80% of its characters are redacted (under any
label: a missed label still keeps the value from leaving). Character recall and precision are
printed too, and the passages without personal data show over-redaction.

    .venv/bin/python bench/redaction_recall.py [--split dev|train] [--misses]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from app.gateway.redaction import find_spans

SETS = Path(__file__).resolve().parents[1] / "tests" / "data" / "redaction"


def main() -> None:
    # dev measures; train is for developing the rules (--split train).
    split = sys.argv[sys.argv.index("--split") + 1] if "--split" in sys.argv else "dev"
    data = SETS / f"{split}_pii.jsonl"
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    gold_chars = hit_chars = predicted_chars = 0
    clean_passages = clean_flagged = 0
    misses: list[str] = []
    for line in data.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = item["text"]
        covered = set()
        for start, end, _label in find_spans(text):
            covered.update(range(start, end))
        gold = set()
        for span in item["spans"]:
            chars = set(range(span["start"], span["end"]))
            gold |= chars
            total[span["label"]] += 1
            if len(chars & covered) >= 0.8 * len(chars):
                caught[span["label"]] += 1
            else:
                misses.append(f"{span['label']}: {span['text']!r}")
        gold_chars += len(gold)
        hit_chars += len(gold & covered)
        predicted_chars += len(covered)
        if not item["spans"]:
            clean_passages += 1
            clean_flagged += bool(covered)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"passages: {sum(1 for _ in data.open())}, gold spans: {sum(total.values())}")
    for label in sorted(total):
        print(
            f"  {label:10s} recall {caught[label] / total[label]:.3f} "
            f"({caught[label]}/{total[label]})"
        )
    overall = sum(caught.values()) / sum(total.values())
    print(f"span recall (>=80% of characters redacted): {overall:.3f}")
    print(
        f"character recall {hit_chars / gold_chars:.3f}, "
        f"character precision {hit_chars / max(predicted_chars, 1):.3f}"
    )
    print(
        f"passages without personal data that had something redacted: "
        f"{clean_flagged}/{clean_passages}"
    )
    if "--misses" in sys.argv:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
