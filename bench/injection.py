"""Prompt injection on real contracts: does an injected instruction change any finding, and is
it flagged? Also: what the detector flags on contracts nobody tampered with.

    .venv/bin/python bench/injection.py [--contracts 5] [--dev ../shared/cuad/dev]

1. False flags: every dev PDF parsed (hidden-text detection included) and every train text
   (instruction rules only) run through the detector; nothing was injected into them.
2. The corpus: for the first N dev contracts, each of the 4 instructions of
   tests/support/injection.py is written into page 1 in one of 4 ways (visible, white,
   invisible render mode, 0.5 pt), round robin. The contract is reviewed before and after
   (same data dir, gateway cache off, so the model is asked every time). A finding
   "changed" when its category, text, value or model verdict differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.injection import INSTRUCTIONS, inject  # noqa: E402

HOWS = ("visible", "white", "invisible", "tiny")


def _findings(report: object) -> set[tuple[str, str, str, str]]:
    return {
        (c.category, " ".join(c.text.split()), c.normalized or "", str(c.checks.get("model_check")))
        for c in report.clauses  # type: ignore[attr-defined]
    }


def false_flags(dev: Path) -> None:
    from app.ingestion.pdf import PypdfParser
    from app.ingestion.types import ExtractedText
    from app.review.injection import find_flags

    parser = PypdfParser()
    pdfs = sorted(dev.glob("*.pdf"))
    dev_flags = []
    for pdf in pdfs:
        doc = parser.parse(pdf.read_bytes(), pdf.name)
        dev_flags += [(pdf.stem[:40], f.kind, f.rule, f.page) for f in find_flags(doc)]
    train_flags = []
    with gzip.open(dev.parent / "train.jsonl.gz", "rt") as lines:
        rows = [json.loads(line) for line in lines]
    for row in rows:
        doc = ExtractedText.from_pages("0" * 64, row["stem"], [row["text"]])
        train_flags += [(row["stem"][:40], f.kind, f.rule) for f in find_flags(doc)]
    print(
        f"false flags: {len(dev_flags)} in {len(pdfs)} dev PDFs (hidden text + instructions),"
        f" {len(train_flags)} in {len(rows)} train texts (instructions)"
    )
    for flag in dev_flags + train_flags:
        print("  ", flag)


def corpus(dev: Path, n: int) -> None:
    from app.bootstrap import build_service
    from app.config import Settings

    pdfs = sorted(dev.glob("*.pdf"))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LEXCREW_DATA_DIR"] = tmp
        os.environ["LEXCREW_GATEWAY__CACHE__ENABLED"] = "false"
        service, store = build_service(Settings())
        changed = flagged = total = leaked = 0
        try:
            for i, pdf in enumerate(pdfs):
                data = pdf.read_bytes()
                before = service.review(data, pdf.name)
                for j, instruction in enumerate(INSTRUCTIONS):
                    how = HOWS[(i + j) % len(HOWS)]
                    after = service.review(inject(data, 0, instruction, how), pdf.name)
                    total += 1
                    diff = _findings(before) ^ _findings(after)
                    changed += bool(diff)
                    caught = [f for f in after.injections if f.page == 1]
                    flagged += bool(caught)
                    leaked += any(instruction[:30] in c.text for c in after.clauses)
                    print(
                        f"{pdf.stem[:40]:<40} {how:<9} flagged={bool(caught)} "
                        f"findings_changed={len(diff)}"
                    )
        finally:
            service.close()
            store.close()
    print(
        f"corpus: {total} injected copies of {len(pdfs)} dev contracts; flagged {flagged}/"
        f"{total}; copies with any finding changed {changed}/{total}; injected text inside "
        f"a finding {leaked}/{total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=5)
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared/cuad/dev")
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/injection.py --contracts {args.contracts}")
    false_flags(args.dev)
    corpus(args.dev, args.contracts)


if __name__ == "__main__":
    main()
