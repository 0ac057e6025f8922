from __future__ import annotations

from pathlib import Path

import pytest

from app.api.metrics import DatabaseCollector
from app.config import Settings
from app.evaluation.drift import DriftMonitor, drops, model_change
from app.storage.db import SessionFactory
from app.storage.migrate import open_database

BASE = {"clause_f1": 0.60, "presence_f1": 0.80, "aupr": 0.50, "precision_at_80_recall": 0.0}


@pytest.fixture
def sessions(tmp_path: Path) -> SessionFactory:
    return open_database(Settings(data_dir=tmp_path))[1]


def _gauges(sessions: SessionFactory) -> dict[str, float]:
    found = {}
    for family in DatabaseCollector(sessions).collect():
        for sample in family.samples:
            label = sample.labels.get("metric", "")
            found[f"{sample.name}{'/' + label if label else ''}"] = sample.value
    return found


def test_drops_are_relative_and_a_zero_baseline_only_counts_a_fall() -> None:
    now = {"clause_f1": 0.54, "presence_f1": 0.84, "aupr": 0.50, "precision_at_80_recall": 0.0}
    fell = drops(BASE, now)
    assert fell["clause_f1"] == pytest.approx(0.10)
    assert fell["presence_f1"] == pytest.approx(-0.05)  # better
    assert fell["aupr"] == 0.0 and fell["precision_at_80_recall"] == 0.0


def test_the_first_run_is_the_baseline_and_a_drop_over_5_percent_alerts(
    sessions: SessionFactory,
) -> None:
    monitor = DriftMonitor(sessions, max_drop=0.05)
    first = monitor.record("samples:abc", BASE)
    assert first.kind == "baseline" and not first.alert
    assert _gauges(sessions)["lexcrew_drift_alert"] == 0.0

    steady = monitor.record("samples:abc", {**BASE, "clause_f1": 0.58})  # -3.3%
    assert steady.kind == "replay" and not steady.alert
    assert monitor.latest_alert() is None

    worse = monitor.record("samples:abc", {**BASE, "aupr": 0.47})  # -6%
    assert worse.alert and worse.drops["aupr"] == pytest.approx(0.06)
    assert monitor.latest_alert() is not None
    gauges = _gauges(sessions)
    assert gauges["lexcrew_drift_alert"] == 1.0
    assert gauges["lexcrew_drift_score/aupr"] == pytest.approx(0.47)
    assert gauges["lexcrew_drift_baseline/aupr"] == pytest.approx(0.50)

    monitor.record("samples:abc", BASE)  # back within bounds: the alert clears
    assert monitor.latest_alert() is None
    assert _gauges(sessions)["lexcrew_drift_alert"] == 0.0


def test_a_new_baseline_or_another_sample_starts_fresh(sessions: SessionFactory) -> None:
    monitor = DriftMonitor(sessions)
    monitor.record("samples:abc", BASE)
    rebased = monitor.record("samples:abc", {**BASE, "clause_f1": 0.3}, rebaseline=True)
    assert rebased.kind == "baseline"
    assert monitor.record("samples:abc", {**BASE, "clause_f1": 0.3}).alert is False
    assert monitor.record("other:def", {**BASE, "clause_f1": 0.1}).kind == "baseline"


def test_a_replay_says_whether_the_trained_models_changed_since_the_baseline(
    sessions: SessionFactory,
) -> None:
    old = [{"clause_model": "aaaaaaaaaaaa", "phrase_model": "pppppppppppp", "encoder": "e1"}]
    new = [{**old[0], "clause_model": "bbbbbbbbbbbb"}]
    monitor = DriftMonitor(sessions, max_drop=0.05)
    assert monitor.record("s", BASE, models=old).models_changed is None  # a baseline
    same = monitor.record("s", BASE, models=old)
    assert same.models_changed is False and same.baseline_models == old
    retrained = monitor.record("s", {**BASE, "clause_f1": 0.50}, models=new)
    assert retrained.alert and retrained.models_changed is True
    assert retrained.to_dict()["models_changed"] is True
    assert retrained.model_change == "clause_model aaaaaaaaaaaa -> bbbbbbbbbbbb"
    assert same.model_change == ""
    alert = monitor.latest_alert()
    assert alert is not None
    assert alert.run.id == retrained.id
    assert alert.model_change == "clause_model aaaaaaaaaaaa -> bbbbbbbbbbbb"
    # Runs stored before versions were kept say nothing either way.
    assert monitor.record("s", BASE, rebaseline=True).models_changed is None
    assert monitor.record("s", BASE, models=new).models_changed is None


def test_model_changes_are_named_only_when_both_runs_know_their_models() -> None:
    one = [{"clause_model": "a", "phrase_model": "p", "encoder": None}]
    two = [{"clause_model": "b", "phrase_model": "q", "encoder": None}]
    assert model_change(one, two) == "clause_model a -> b, phrase_model p -> q"
    assert model_change(one, one) == "" and model_change([], two) == ""
    assert model_change(one, [*one, *two]) == "the models changed during a run"
