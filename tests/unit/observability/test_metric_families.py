from __future__ import annotations

from app.observability import metrics


def _value(name: str, labels: dict[str, str]) -> float:
    found = metrics.REGISTRY.get_sample_value(name, labels)
    return found or 0.0


def test_every_family_the_dashboards_use_is_exported() -> None:
    names = metrics.exported_metric_names()
    for family in (
        "lexcrew_http_requests_total",
        "lexcrew_http_request_seconds_bucket",
        "lexcrew_stage_seconds_count",
        "lexcrew_model_calls_total",
        "lexcrew_model_tokens_total",
        "lexcrew_model_cost_usd_total",
        "lexcrew_cache_lookups_total",
        "lexcrew_escalations_total",
        "lexcrew_budget_refusals_total",
        "lexcrew_documents_finished_total",
        "lexcrew_documents",
        "lexcrew_queue_depth",
        "lexcrew_queue_oldest_seconds",
        "lexcrew_drift_score",
        "lexcrew_drift_alert",
        "lexcrew_build_info",
    ):
        assert family in names


def test_a_failed_stage_is_still_timed() -> None:
    before = _value("lexcrew_stage_seconds_count", {"stage": "parse"})
    try:
        with metrics.timed("parse"):
            raise RuntimeError("bad pdf")
    except RuntimeError:
        pass
    assert _value("lexcrew_stage_seconds_count", {"stage": "parse"}) == before + 1
