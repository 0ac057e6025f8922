"""How well clause confidences are calibrated: of the findings given confidence p, does a
share p match a gold clause? Reads the reports of a `lexcrew eval` run.

    .venv/bin/python bench/calibration.py out/eval-dev [--dev ../shared/cuad/dev] [--bins 10]
        [--possible]

With --possible, the possible clauses (under the reporting threshold) are counted too.

A finding "is right" when it matches a gold clause of its category in its contract under the
scoring rules of ../shared/cuad/README.md (Jaccard of normalised words >= 0.5). Prints a
reliability table per confidence bin and the expected calibration error (ECE: the
finding-weighted mean gap between confidence and accuracy).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.evaluation.metrics import matches_gold  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the --out folder of lexcrew eval")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared/cuad/dev")
    parser.add_argument("--bins", type=int, default=10)
    parser.add_argument("--possible", action="store_true", help="count possible clauses too")
    args = parser.parse_args()
    pairs: list[tuple[float, bool]] = []
    for path in sorted((args.run / "reports").glob("*.json")):
        report = json.loads(path.read_text())
        labels = json.loads((args.dev / f"{path.stem}.json").read_text())["labels"]
        listed = report["clauses"] + (report.get("possible", []) if args.possible else [])
        for clause in listed:
            right = matches_gold(clause["text"], labels.get(clause["category"], []))
            pairs.append((float(clause["confidence"]), right))
    extra = " --possible" if args.possible else ""
    print(f"command: .venv/bin/python bench/calibration.py {args.run} --bins {args.bins}{extra}")
    what = "findings and possible clauses" if args.possible else "findings"
    print(f"{len(pairs)} {what} from {args.run}")
    print(f"{'confidence':<12} {'findings':>8} {'mean conf':>9} {'accuracy':>8} {'gap':>6}")
    ece = 0.0
    for b in range(args.bins):
        low, high = b / args.bins, (b + 1) / args.bins
        inside = [(c, r) for c, r in pairs if low <= c < high or (b == args.bins - 1 and c == 1)]
        if not inside:
            continue
        conf = sum(c for c, _ in inside) / len(inside)
        acc = sum(r for _, r in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(conf - acc)
        gap = acc - conf
        print(f"{low:.1f}-{high:.1f}     {len(inside):>8} {conf:>9.3f} {acc:>8.3f} {gap:>+6.3f}")
    print(f"ECE {ece:.3f}")


if __name__ == "__main__":
    main()
