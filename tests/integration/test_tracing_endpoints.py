"""A LangSmith endpoint that hangs or is not there never holds a review or a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_PDF
from tests.support.langsmith_collector import Collector
from tests.support.services import free_port

pytestmark = pytest.mark.integration


def _review(tmp: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEXCREW_DATA_DIR": str(tmp / "data"),
        "LEXCREW_TRACING__LANGSMITH_ENDPOINT": endpoint,
        "LEXCREW_TRACING__LANGSMITH_API_KEY": "lsv2-test-key",
    }
    # The timeout only keeps a hung process from hanging the suite: it is not a measurement
    # (bench/tracing_overhead.py measures the time).
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "review", str(SAMPLE_PDF), "--out",
         str(tmp / "report.json"), "--quiet"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_a_hanging_endpoint_neither_fails_the_review_nor_holds_the_process(
    tmp_path: Path,
) -> None:
    with Collector("hang") as hanging:
        done = _review(tmp_path, hanging.url)
        assert hanging.requests, "the SDK did try to send"
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "completed" and report["clauses"]


def test_an_unreachable_endpoint_neither_fails_the_review_nor_holds_the_process(
    tmp_path: Path,
) -> None:
    done = _review(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "report.json").read_text())["status"] == "completed"
