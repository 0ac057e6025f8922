"""Prometheus config, alert rules and the Grafana dashboard only use metrics the app exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from app.observability.metrics import exported_metric_names
from tests.unit.deploy.paths import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "lexcrew.json"
METRIC = re.compile(r"\blexcrew_[a-z_]+")


def _unknown_metrics(expr: str) -> set[str]:
    return set(METRIC.findall(expr)) - exported_metric_names()


def _panels() -> list[dict]:  # type: ignore[type-arg]
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [panel for panel in panels if panel["type"] != "row"]


def _rules() -> list[dict]:  # type: ignore[type-arg]
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_dashboard_panel_queries_only_exported_metrics() -> None:
    panels = _panels()
    assert len(panels) >= 12
    for panel in panels:
        assert panel["datasource"]["uid"] == "prometheus", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert METRIC.search(target["expr"]), (panel["title"], target["expr"])
            assert _unknown_metrics(target["expr"]) == set(), panel["title"]


def test_the_dashboard_shows_what_a_team_looks_at_first() -> None:
    exprs = " ".join(t["expr"] for panel in _panels() for t in panel["targets"])
    for metric in (
        "lexcrew_documents",
        "lexcrew_queue_depth",
        "lexcrew_queue_oldest_seconds",
        "lexcrew_http_request_seconds_bucket",
        "lexcrew_stage_seconds_bucket",
        "lexcrew_model_calls_total",
        "lexcrew_model_tokens_total",
        "lexcrew_model_cost_usd_total",
        "lexcrew_cache_lookups_total",
        "lexcrew_escalations_total",
        "lexcrew_budget_refusals_total",
        "lexcrew_drift_score",
        "lexcrew_drift_alert",
    ):
        assert re.search(rf"\b{metric}\b", exprs), metric


def test_grafana_provisions_the_datasource_uid_the_dashboard_uses() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert (source["uid"], source["url"]) == ("prometheus", "http://prometheus:9090")
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/lexcrew.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"
    assert "${DS_" not in DASHBOARD.read_text()


def test_every_alert_rule_is_complete_and_uses_only_exported_metrics() -> None:
    rules = _rules()
    names = {rule["alert"] for rule in rules}
    for wanted in (
        "LexcrewApiErrorRate",
        "LexcrewModelCallErrorRate",
        "LexcrewDrift",
        "LexcrewBudgetRefusals",
        "LexcrewQueueStuck",
        "LexcrewWorkerDown",
    ):
        assert wanted in names
    for rule in rules:
        assert rule["expr"].strip(), rule["alert"]
        assert "for" in rule, rule["alert"]
        assert rule["labels"]["severity"] in {"page", "warning"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        assert _unknown_metrics(rule["expr"]) == set(), rule["alert"]


def test_prometheus_scrapes_the_api_and_every_worker_replica() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["lexcrew-api"]["static_configs"][0]["targets"] == ["api:8000"]
    (discovery,) = jobs["lexcrew-worker"]["dns_sd_configs"]
    assert (discovery["names"], discovery["type"], discovery["port"]) == (["worker"], "A", 9101)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Prometheus) not installed")
def test_promtool_accepts_the_config_and_the_alerts_fire_as_designed() -> None:
    for args in (
        ["check", "config", "prometheus.yml"],
        ["test", "rules", "alerts_test.yml"],
    ):
        result = subprocess.run(
            ["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
