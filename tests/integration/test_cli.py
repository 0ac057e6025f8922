"""The CLI as a user runs it: a real process, real models, real files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.extraction import shipped_folder
from app.review.report import Report
from app.vectorstore.qdrant_local import QdrantStore
from tests.conftest import SAMPLE_PDF, SAMPLES

pytestmark = pytest.mark.integration
LEXCREW = [sys.executable, "-m", "app.cli"]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEXCREW_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    return subprocess.run(
        [*LEXCREW, *args], capture_output=True, text=True, env=env, timeout=900, check=False
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_review_writes_a_grounded_schema_v1_report(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "r.json"
    result = _run(["review", str(SAMPLE_PDF), "--out", str(out)], data_dir)
    assert result.returncode == 0, result.stderr[-2000:]

    report = Report.model_validate_json(out.read_text())
    assert report.schema_version == "1" and report.status == "completed"
    assert report.document.pages == 6 and report.document.filename == SAMPLE_PDF.name
    assert report.clauses, "the sample has clauses to find"
    assert report.usage.llm_calls > 0 and report.usage.prompt_tokens > 0
    assert report.timing.total_s >= report.timing.review_s > 0
    assert len(report.missing) + len({c.category for c in report.clauses}) == 41
    shipped = {
        name: json.loads((shipped_folder() / f"{name}.json").read_text())["meta"]
        for name in ("clause_model", "phrase_model")
    }
    assert report.models is not None
    assert report.models.clause_model == shipped["clause_model"]["version"]
    assert report.models.phrase_model == shipped["phrase_model"]["version"]
    assert report.models.encoder == shipped["clause_model"]["encoder"]["version"]

    text_file = data_dir / "documents" / "local" / report.document.id / "text.json"
    served = json.loads(text_file.read_text())
    for clause in report.clauses:
        assert served["text"][clause.start : clause.end] == clause.text
        page = served["pages"][clause.page - 1]
        assert _squash(clause.text) in _squash(served["text"][page["start"] : page["end"]])
    assert "Governing Law" in report.summary.key_terms
    assert "Risks:" in report.summary.memo
    # The shipped adapter learned the extractor only: the validator and the summarizer, on
    # base weights, are not asked; the doubtful findings say why, and the memo's overview is
    # built from the findings.
    doubtful = [c for c in report.clauses if c.confidence < 0.5]
    assert doubtful, "the sample has low-confidence findings"
    skipped = "not_done: the self-hosted model is not trained to validate"
    assert all(c.checks["model_check"] == skipped for c in doubtful)
    assert {c.checks["model_check"] for c in report.clauses} <= {skipped, "not_checked"}
    assert report.summary.memo.startswith("Overview (from the findings): ")
    assert "governed by the law of " + report.summary.key_terms["Governing Law"] in (
        report.summary.memo
    )
    # One call: the extractor's, for the values clauses lack.
    assert report.usage.llm_calls + report.usage.cache_hits == 1


def test_bad_files_fail_with_a_reason_and_the_good_one_is_still_reviewed(
    tmp_path: Path, data_dir: Path, hostile_files: dict[str, bytes]
) -> None:
    for name in ("not_a_pdf.pdf", "encrypted.pdf", "truncated.pdf"):
        (tmp_path / name).write_bytes(hostile_files[name])
    good = tmp_path / "good.pdf"
    good.write_bytes(SAMPLE_PDF.read_bytes())
    files = [
        tmp_path / "not_a_pdf.pdf",
        good,
        tmp_path / "encrypted.pdf",
        tmp_path / "truncated.pdf",
    ]
    out = tmp_path / "reports"

    result = _run(["review", *map(str, files), "--out", str(out), "--quiet"], data_dir)

    assert result.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["good.json"]
    assert "not_a_pdf.pdf: not a PDF" in result.stderr
    assert "encrypted.pdf: encrypted PDF" in result.stderr
    assert re.search(r"truncated\.pdf: \S", result.stderr)
    assert "3 of 4 documents failed" in result.stderr


def test_a_second_process_on_the_same_data_dir_is_told_why_it_cannot_start(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    holder = QdrantStore.local(data_dir / "qdrant", 384)
    try:
        result = _run(["review", str(SAMPLE_PDF)], data_dir)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "open in another lexcrew process" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_scores_a_labelled_folder(tmp_path: Path, data_dir: Path) -> None:
    result = _run(["eval", str(SAMPLES), "--out", str(tmp_path), "--json"], data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["contracts"] == summary["reviewed"] == 3
    # The extractor's calls, for the values the samples' parties and titles lack.
    assert summary["seconds_per_page"] > 0 and summary["llm_calls"] >= 1
    metrics = summary["metrics"]
    for key in ("clause", "presence", "aupr", "precision_at_80_recall", "per_category"):
        assert key in metrics
    assert 0 < metrics["presence"]["f1"] <= 1
    assert len(metrics["per_category"]) == 41
    assert summary["extractor"]["asked"] > 0  # the samples' parties and titles need values
    assert len(summary["models"]) == 1 and summary["models"][0]["clause_model"]
    assert (tmp_path / "metrics.json").is_file()
    assert len(list((tmp_path / "reports").glob("*.json"))) == 3


def test_a_mistyped_setting_is_named_at_start_and_its_value_is_not(data_dir: Path) -> None:
    env = {
        **os.environ,
        "LEXCREW_DATA_DIR": str(data_dir),
        "LEXCREW_EXTRACTON__THRESHOLD_SCALE": "s3cret-0.5",  # "extraction" mistyped
        "LEXCREW_EXTRACTION__THRESHOLD_SCALE": "1.0",
    }
    result = subprocess.run(
        [*LEXCREW, "--help"], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    warned = [line for line in result.stderr.splitlines() if "config.unknown_variable" in line]
    assert len(warned) == 1 and "LEXCREW_EXTRACTON__THRESHOLD_SCALE" in warned[0]
    assert "s3cret" not in result.stderr + result.stdout
