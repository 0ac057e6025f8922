"""`lexcrew drift` on a real review path: a baseline, then a worse replay that raises the alert
everywhere it is promised (exit code, log event, /metrics, the UI's banner)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.config import Settings
from app.storage.migrate import open_database
from app.workspaces.service import Workspaces
from tests.conftest import SAMPLE_PDF

pytestmark = pytest.mark.integration


def _drift(data: Path, sample: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "drift", "--json"],
        env={
            **os.environ,
            "LEXCREW_DATA_DIR": str(data),
            "LEXCREW_DRIFT__SAMPLE_DIR": str(sample),
            "LEXCREW_LOG__LEVEL": "INFO",
            **env,
        },
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_a_worse_replay_raises_the_drift_alert(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    sample.mkdir()
    for path in (SAMPLE_PDF, SAMPLE_PDF.with_suffix(".json")):
        shutil.copy(path, sample / path.name)
    data = tmp_path / "data"

    first = _drift(data, sample)
    assert first.returncode == 0, first.stderr[-2000:]
    baseline = json.loads(first.stdout)
    assert baseline["kind"] == "baseline" and baseline["metrics"]["presence_f1"] > 0

    # The same contracts with the clause model made far stricter: a real fall in quality.
    second = _drift(data, sample, LEXCREW_EXTRACTION__THRESHOLD_SCALE="6")
    assert second.returncode == 1, second.stderr[-2000:]
    replay = json.loads(second.stdout)
    assert replay["kind"] == "replay" and replay["alert"] is True
    assert max(replay["drops"].values()) > 0.05
    assert "drift.alert" in second.stderr
    # Both runs name the shipped models, and they did not change: the fall is not theirs.
    assert replay["models"] == baseline["models"] and len(replay["models"]) == 1
    assert replay["models_changed"] is False and "models_changed=no" in second.stderr

    # The replay asked the model again instead of reading its cached answers.
    db = sqlite3.connect(data / "lexcrew.db")
    hits = db.execute("SELECT count(*) FROM model_calls WHERE cache_hit").fetchone()[0]
    assert hits == 0

    settings = Settings(data_dir=data)
    _workspace, key = Workspaces(open_database(settings)[1]).create("acme")
    with TestClient(create_app(settings)) as client:
        assert "lexcrew_drift_alert 1.0" in client.get("/metrics").text
        client.post("/ui/login", data={"key": key})
        page = client.get("/ui/documents").text
    assert "Quality drift" in page and 'role="alert"' in page
    assert "trained models changed" not in page
