"""Why categories are missed or reported wrongly on a labelled folder, without the crew.

Reads each labelled PDF, runs the shipped clause model, rescorer and presence model (no language
model, so no value checks or validator), and for the 37 clause-model categories counts presence
TP/FP/FN as `lexcrew eval` does, splitting each miss three ways: a candidate matches a gold
clause but the category was judged absent; a unit matches a gold clause but is not among the
candidates; no unit matches at all (segmentation, or text the PDF does not give). Also counts,
on train and on the folder, how often Effective Date is labelled when the contract never says
"effective date", "effective as of" or "effective on/upon".

For reading errors, not for tuning: on dev, say so wherever a choice follows from it.

    .venv/bin/python bench/presence_errors.py ../shared/cuad/dev
        [--train ../shared/cuad/train.jsonl.gz]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections import Counter
from pathlib import Path

from app.config import Settings
from app.evaluation.metrics import gold_words, is_match, normalize_words
from app.evaluation.runner import labelled_pdfs
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.training import read_contracts
from app.ingestion.pdf import PypdfParser, read_pdf
from app.review.candidates import score_units

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cuad"
EFFECTIVE_WORDING = re.compile(r"effective date|effective as of|effective (?:on|upon)", re.I)


def effective_date_without_wording(texts_labels: list[tuple[str, bool]]) -> str:
    """How many contracts without effective-date wording have an Effective Date label."""
    without = [labelled for text, labelled in texts_labels if not EFFECTIVE_WORDING.search(text)]
    return f"{sum(without)} of {len(without)} labelled ({len(texts_labels)} contracts)"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="PDFs with CUAD label files")
    parser.add_argument("--train", type=Path, default=SHARED / "train.jsonl.gz")
    args = parser.parse_args(argv)
    print("$ .venv/bin/python bench/presence_errors.py " + shlex.join(argv), flush=True)
    clause, phrases = ClauseModel.load(), PhraseModel.load()
    options = Settings().extraction  # LEXCREW_EXTRACTION__THRESHOLD_SCALE applies, as in a review
    columns = [j for j, c in enumerate(clause.categories) if c not in phrases.categories]
    pypdf = PypdfParser()
    tally: Counter[str] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    wrong: Counter[str] = Counter()
    for item in labelled_pdfs(args.folder):
        scored = score_units(read_pdf(item.pdf, pypdf), clause, columns, options)
        # A contract without text has no units: every gold category is missed with no match.
        present = scored.present if scored else set()
        candidates = (
            list(zip(scored.rows.units, scored.rows.columns, strict=True)) if scored else []
        )
        words = [normalize_words(u.text) for u in scored.units] if scored else []
        for j in columns:
            category = clause.categories[j]
            gold = [gold_words(g) for g in item.labels.get(category, [])]
            reported = j in present
            if not gold:
                tally["FP" if reported else "TN"] += 1
                wrong[category] += reported
                continue
            if reported:
                tally["TP"] += 1
                continue
            mine = [int(u) for u, c in candidates if c == j]
            if any(is_match(words[u], g) for u in mine for g in gold):
                why = "a candidate matches, judged absent"
            elif any(is_match(w, g) for w in words for g in gold):
                why = "a unit matches, not a candidate"
            else:
                why = "no unit matches"
            tally["FN"] += 1
            missed[(why, category)] += 1
    print(
        f"{len(columns)} clause-model categories: {tally['TP']} TP, {tally['FP']} FP, "
        f"{tally['FN']} FN, {tally['TN']} TN"
    )
    for why in (
        "a candidate matches, judged absent",
        "a unit matches, not a candidate",
        "no unit matches",
    ):
        found = {c: n for (w, c), n in missed.items() if w == why}
        listed = ", ".join(f"{c} {n}" for c, n in sorted(found.items(), key=lambda kv: -kv[1]))
        print(f"  FN, {why}: {sum(found.values())} ({listed})")
    print("  FP by category: " + ", ".join(f"{c} {n}" for c, n in wrong.most_common() if n))
    folder = [
        (
            json.loads(p.pdf.with_suffix(".json").read_text("utf-8"))["text"],
            bool(p.labels.get("Effective Date")),
        )
        for p in labelled_pdfs(args.folder)
    ]
    train = [(c.text, bool(c.labels.get("Effective Date"))) for c in read_contracts(args.train)]
    print("Effective Date where the contract never says 'effective date', 'effective as of' or")
    print(
        f"  'effective on/upon': train {effective_date_without_wording(train)}; "
        f"{args.folder.name} {effective_date_without_wording(folder)}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
