"""Seconds per page of each step of finding candidates, for the shipped models or others.

Parses the folder's PDFs once, then runs the phrase model and each step of the clause model
(unit scores, candidate rows, rescorer, presence model) over every contract, with each model
set given, one after the other in one process, so their times compare on one machine. No
language model is asked. Run it with nothing else busy:

    .venv/bin/python bench/extraction_speed.py ../shared/cuad/dev --limit 20
    .venv/bin/python bench/extraction_speed.py ../shared/cuad/dev --models OLD_DIR --models NEW_DIR

A model folder holds clause_model.json/.npz, phrase_model.json/.npz and the encoder folder, as
`lexcrew train-models --out` writes them; without --models, the models shipped in the package.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path

from app.config import ExtractionSettings
from app.evaluation.runner import labelled_pdfs
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.extraction.rescoring import candidate_rows
from app.ingestion.pdf import PypdfParser, read_pdf
from app.ingestion.types import ExtractedText
from app.review.candidates import described_units, document_units, phrase_candidates


def _time_one(
    doc: ExtractedText,
    clause: ClauseModel,
    phrases: PhraseModel,
    options: ExtractionSettings,
    spent: dict[str, float],
) -> None:
    """Add the seconds of each step for one contract to `spent`."""
    started = time.perf_counter()
    phrase_candidates(doc, phrases, options)
    spent["phrase model"] += time.perf_counter() - started
    units, _ = document_units(doc)
    if not units:
        return
    started = time.perf_counter()
    scores = clause.score(doc.text, units)
    spent["unit scores (TF-IDF + encoder)"] += time.perf_counter() - started
    started = time.perf_counter()
    columns = [j for j, c in enumerate(clause.categories) if c not in phrases.categories]
    described = described_units(doc, units, scores)
    rows = candidate_rows(described, clause.thresholds, columns)
    spent["candidate rows"] += time.perf_counter() - started
    started = time.perf_counter()
    confidence = clause.rescorer.probabilities(rows)
    spent["rescorer trees"] += time.perf_counter() - started
    started = time.perf_counter()
    clause.rescorer.presence(rows, confidence, len(clause.categories))
    spent["presence model"] += time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="PDFs with CUAD label files")
    parser.add_argument("--models", type=Path, action="append", help="a model folder (repeat)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N contracts")
    args = parser.parse_args(argv)
    print("$ .venv/bin/python bench/extraction_speed.py " + shlex.join(argv))
    pdfs = labelled_pdfs(args.folder)[: args.limit or None]
    pypdf = PypdfParser()
    docs = [read_pdf(item.pdf, pypdf) for item in pdfs]
    pages = sum(len(d.pages) for d in docs)
    print(f"{len(docs)} contracts, {pages} pages")
    options = ExtractionSettings()
    for folder in args.models or [None]:
        clause, phrases = ClauseModel.load(folder), PhraseModel.load(folder)
        trees = len(clause.rescorer.trees.roots)
        spent: dict[str, float] = defaultdict(float)
        for doc in docs:
            _time_one(doc, clause, phrases, options, spent)
        name = folder or "shipped"
        print(f"\n{name} (clause model {clause.meta.get('version')}, rescorer {trees} trees)")
        for step, seconds in spent.items():
            print(f"  {step:<32} {seconds:8.2f} s  {seconds / pages:.4f} s a page")
        total = sum(spent.values())
        print(f"  {'all':<32} {total:8.2f} s  {total / pages:.4f} s a page")


if __name__ == "__main__":
    main(sys.argv[1:])
