"""A real Celery worker on the server-less filesystem queue reviews queued documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.review.report import Report
from tests.conftest import SAMPLE_PDF

pytestmark = pytest.mark.integration


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "LEXCREW_DATA_DIR": str(data_dir)}
    env.pop("LEXCREW_REDIS_URL", None)
    return env


def _lexcrew(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=_env(data_dir),
        timeout=120,
        check=False,
    )


def _wait_for_result(document_id: str, data_dir: Path, worker: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker died"
        shown = json.loads(_lexcrew(["show", document_id], data_dir).stdout)
        if shown.get("status") != "queued":
            return dict(shown)
        time.sleep(2)
    raise AssertionError("the worker did not finish the document in 10 minutes")


def test_a_submitted_document_is_reviewed_by_a_worker(
    data_dir: Path, tmp_path: Path, hostile_files: dict[str, bytes]
) -> None:
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_bytes(hostile_files["not_a_pdf.pdf"])
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(hostile_files["truncated.pdf"])
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
        ],
        env=_env(data_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        submitted = _lexcrew(["submit", str(SAMPLE_PDF), str(not_pdf), str(truncated)], data_dir)
        assert submitted.returncode == 1  # the non-PDF is refused at once
        assert "notes.pdf: not a PDF" in submitted.stderr
        ids = [line.split("\t")[0] for line in submitted.stdout.splitlines()]
        assert len(ids) == 2

        report = Report.model_validate(_wait_for_result(ids[0], data_dir, worker))
        assert report.document.filename == SAMPLE_PDF.name
        assert report.usage.llm_calls > 0

        failure = _wait_for_result(ids[1], data_dir, worker)
        assert failure["status"] == "failed" and failure["reason"]
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
