"""The README's quality table from a `lexcrew eval` run: metrics per category, seconds per page
and tokens per contract by tier, with the command that produced them.

    .venv/bin/python bench/eval_table.py out/eval-dev/metrics.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _f(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float | int) else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metrics", type=Path, help="metrics.json written by lexcrew eval")
    run = json.loads(parser.parse_args().metrics.read_text())
    m = run["metrics"]
    print("| category | gold clauses | predicted | clause P | clause R | clause F1 | presence F1 |")
    print("|---|---|---|---|---|---|---|")
    for c in sorted(m["per_category"], key=lambda c: -c["clause"]["f1"]):
        print(
            f"| {c['category']} | {c['gold_clauses']} | {c['predicted_clauses']} | "
            f"{_f(c['clause']['precision'])} | {_f(c['clause']['recall'])} | "
            f"{_f(c['clause']['f1'])} | {_f(c['presence']['f1'])} |"
        )
    print(
        f"| **all** | {m['n_gold_clauses']} | {m['n_predicted_clauses']} | "
        f"{_f(m['clause']['precision'])} | {_f(m['clause']['recall'])} | "
        f"**{_f(m['clause']['f1'])}** | **{_f(m['presence']['f1'])}** |"
    )
    print()
    print(
        f"AUPR {_f(m['aupr'])}; precision at 80% recall {_f(m['precision_at_80_recall'])} "
        f"(max recall {_f(m['max_recall'])}); ranking of {m['n_predicted_clauses']} findings and "
        f"{m.get('n_possible_clauses', 0)} possible clauses (findings alone: AUPR "
        f"{_f(m.get('findings_aupr'))}); {run['contracts']} contracts, {run['pages']} pages, "
        f"{run['seconds_per_page']} s/page"
    )
    for tier, used in run.get("per_contract_by_tier", {}).items():
        print(
            f"per contract on {tier}: {used.get('llm_calls', 0)} model calls, "
            f"{used.get('prompt_tokens', 0)} prompt + {used.get('completion_tokens', 0)} "
            "completion tokens"
        )
    if run.get("values"):
        print()
        print("| key term | contracts with a CUAD answer | our value agrees | share |")
        print("|---|---|---|---|")
        for category, v in run["values"].items():
            print(f"| {category} | {v['answered']} | {v['matched']} | {_f(v['accuracy'])} |")
    for task in ("extractor", "validator"):
        score = run.get(task) or {}
        if score.get("asked"):
            print(
                f"{task} (self-hosted model): {score['asked']} questions asked, accuracy over "
                f"them {_f(score.get('accuracy_over_asked'))}"
            )


if __name__ == "__main__":
    main()
