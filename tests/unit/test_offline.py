from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from app.config import Settings
from app.offline import apply_offline_environment


def test_libraries_are_kept_offline_and_inside_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("HOME", "TMPDIR", "LEXCREW_DATA_DIR", "HF_HOME", "CREWAI_STORAGE_DIR"):
        monkeypatch.setenv(key, os.environ.get(key, ""))
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    settings = Settings(data_dir=tmp_path / "data")

    apply_offline_environment(settings)

    assert os.environ["CREWAI_DISABLE_TELEMETRY"] == "true"
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert "OTEL_SDK_DISABLED" not in os.environ
    for key in ("HOME", "TMPDIR", "HF_HOME", "CREWAI_STORAGE_DIR"):
        assert Path(os.environ[key]).is_relative_to(settings.data_dir), key
    assert Path(tempfile.gettempdir()).is_relative_to(settings.data_dir)
    assert Settings().data_dir == settings.data_dir
