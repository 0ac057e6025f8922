from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.review.report import DocumentInfo, Report, Summary, Timing, TraceInfo, Usage
from app.storage.files import DocumentFiles

DOC_ID = "ab" * 32


def _report() -> Report:
    return Report(
        document=DocumentInfo(id=DOC_ID, filename="x.pdf", sha256=DOC_ID, pages=1),
        status="completed",
        clauses=[],
        missing=[],
        summary=Summary(key_terms={}, memo=""),
        usage=Usage(),
        timing=Timing(ingest_s=0, review_s=0, total_s=0),
        trace=TraceInfo(id="t"),
    )


def test_outcome_goes_from_queued_to_the_latest_report_or_failure(tmp_path: Path) -> None:
    files = DocumentFiles(tmp_path)
    assert files.outcome(DOC_ID) is None
    files.save_pdf(DOC_ID, b"%PDF-1.7 ...", "contract.pdf")
    assert json.loads(files.outcome(DOC_ID) or "") == {"status": "queued"}
    files.save_failure(DOC_ID, "corrupt or truncated PDF")
    assert json.loads(files.outcome(DOC_ID) or "")["status"] == "failed"
    files.save_report(_report())
    assert json.loads(files.outcome(DOC_ID) or "")["status"] == "completed"
    assert files.load_pdf(DOC_ID) == (b"%PDF-1.7 ...", "contract.pdf")


def test_ids_that_are_not_digests_never_become_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        DocumentFiles(tmp_path).outcome("../etc")
