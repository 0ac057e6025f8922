from __future__ import annotations

from app.observability import metrics


def _value(name: str, labels: dict[str, str]) -> float:
    found = metrics.REGISTRY.get_sample_value(name, labels)
    return found or 0.0


def test_a_failed_stage_is_still_timed() -> None:
    before = _value("lexcrew_stage_seconds_count", {"stage": "parse"})
    try:
        with metrics.timed("parse"):
            raise RuntimeError("bad pdf")
    except RuntimeError:
        pass
    assert _value("lexcrew_stage_seconds_count", {"stage": "parse"}) == before + 1
