from __future__ import annotations

from app.gateway.metering import MeteredModel, UsageMeter
from app.gateway.types import Completion, CompletionRequest, Message


class _ScriptedModel:
    """A fault-free stand-in for a provider: returns a fixed completion."""

    name = "scripted"
    tier = "self_hosted"

    def complete(self, request: CompletionRequest) -> Completion:
        return Completion("{}", self.name, self.tier, 100, 20, 0.5)


def _request() -> CompletionRequest:
    return CompletionRequest(messages=(Message("user", "hi"),), task="extract", document_id="d")


def test_every_call_is_recorded_with_tokens_and_latency() -> None:
    meter = UsageMeter()
    model = MeteredModel(_ScriptedModel(), meter)
    model.complete(_request())
    model.complete(_request())
    usage = meter.summary()
    assert usage.llm_calls == 2
    assert usage.prompt_tokens == 200 and usage.completion_tokens == 40
    assert usage.by_tier["self_hosted"].llm_calls == 2
    assert usage.by_tier["self_hosted"].latency_s == 1.0
    assert meter.records[0].document_id == "d"


def test_unknown_cost_is_null_not_zero() -> None:
    meter = UsageMeter()
    MeteredModel(_ScriptedModel(), meter).complete(_request())
    assert meter.summary().cost_usd is None


def test_cost_comes_from_the_configured_machine_price() -> None:
    meter = UsageMeter()
    MeteredModel(_ScriptedModel(), meter, usd_per_hour=3.6).complete(_request())
    assert meter.summary().cost_usd == 0.0005
