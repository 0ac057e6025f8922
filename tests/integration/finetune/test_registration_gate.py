"""The gate reviews a labelled folder through the whole product with each adapter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import Settings
from app.finetune.gate import compare

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_the_gate_scores_both_models_on_the_labelled_folder(settings: Settings) -> None:
    # The base model against itself: the same answers, so the candidate cannot win.
    wins, evidence = compare(settings, SAMPLES, None, None, log=lambda _m: None)
    assert not wins
    new, current = evidence["new"], evidence["current"]
    assert new["adapter"] == current["adapter"] == "base model"
    assert new["validator"] == current["validator"]
    assert new["extractor"] == current["extractor"] and new["extractor"]["asked"] > 0
    assert evidence["trained_for"] == ()
    # On base weights the validator's model is not asked (extraction.base_weight_tasks).
    assert new["validator"]["asked"] == 0
    assert 0.0 < new["clause_f1"] <= 1.0 and new["clause_f1"] == current["clause_f1"]
    assert not (settings.data_dir / "finetune-eval").exists()  # scratch data dirs removed
    # The process's offline environment points at the real data dir again.
    assert os.environ["CREWAI_STORAGE_DIR"] == str(settings.data_dir / "crewai")
    assert os.environ["TMPDIR"] == str(settings.data_dir / "tmp")
