from __future__ import annotations

from app.config import TierSettings
from app.gateway.metering import UsageMeter
from app.gateway.router import cost_of
from app.gateway.types import UsageRecord


def _record(**overrides: object) -> UsageRecord:
    base: dict[str, object] = {
        "task": "extract",
        "tier": "self_hosted",
        "model": "m",
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "latency_s": 0.5,
        "cost_usd": None,
        "document_id": "d",
    }
    base.update(overrides)
    return UsageRecord(**base)  # type: ignore[arg-type]


def test_calls_cache_hits_failures_and_escalations_are_counted_apart() -> None:
    meter = UsageMeter()
    meter.add(_record())
    meter.add(_record())
    meter.add(_record(cache_hit=True, prompt_tokens=0, completion_tokens=0, cost_usd=0.0))
    meter.add(_record(tier="mid", outcome="error", cost_usd=0.0, escalation="low confidence"))
    meter.add(_record(tier="frontier", cost_usd=0.01, escalation="low confidence"))
    usage = meter.summary()
    assert usage.llm_calls == 3 and usage.cache_hits == 1
    assert usage.failed_calls == 1 and usage.escalated_calls == 1
    assert usage.prompt_tokens == 300 and usage.completion_tokens == 60
    assert usage.by_tier["self_hosted"].llm_calls == 2
    assert usage.by_tier["self_hosted"].latency_s == 1.0
    assert usage.by_tier["frontier"].cost_usd == 0.01
    assert usage.cost_usd is None  # the self-hosted calls have no price: the sum is unknown


def test_unknown_price_is_null_not_zero() -> None:
    assert cost_of(TierSettings(), 1000, 100, 2.0) is None


def test_cost_from_token_prices_or_machine_time() -> None:
    api = TierSettings(usd_per_mtok_in=3.0, usd_per_mtok_out=15.0)
    assert cost_of(api, 1_000_000, 100_000, 9.0) == 4.5
    machine = TierSettings(usd_per_hour=3.6)
    assert cost_of(machine, 10, 10, 0.5) == 0.0005
    measured = TierSettings(usd_per_hour=3.6, tokens_per_s=100.0)
    assert cost_of(measured, 300, 100, 99.0) == 0.004
