"""Retries and the breaker of one tier, with faults injected by a scripted provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from app.config import BreakerSettings, RetrySettings, TierSettings
from app.gateway.anthropic_provider import AnthropicModel
from app.gateway.providers import ProviderError
from app.gateway.resilience import BreakerOpenError, TierCaller
from app.gateway.types import Completion, CompletionRequest, Message
from tests.support.faultproxy import Fault, FaultProxy

REQUEST = CompletionRequest(messages=(Message("user", "x"),), task="validate")


class _Scripted:
    """Raises the scripted faults in order, then answers (a fault injector, not a provider)."""

    name = "scripted"
    tier = "mid"

    def __init__(self, faults: list[ProviderError]) -> None:
        self.faults = faults
        self.calls = 0

    def complete(self, request: CompletionRequest) -> Completion:
        self.calls += 1
        if self.faults:
            raise self.faults.pop(0)
        return Completion("{}", self.name, self.tier, 1, 1, 0.01)


def _caller(model: _Scripted, sleeps: list[float], **retry: float) -> TierCaller:
    settings = RetrySettings(attempts=3, initial_wait_s=0.1, max_wait_s=0.2, **retry)
    return TierCaller(model, settings, BreakerSettings(fail_max=2), sleep=sleeps.append)


def test_retry_after_is_waited_before_the_next_attempt() -> None:
    sleeps: list[float] = []
    model = _Scripted([ProviderError("429", retryable=True, retry_after_s=2.5, tier_fault=False)])
    assert _caller(model, sleeps).call(REQUEST).retries == 1
    assert len(sleeps) == 1 and sleeps[0] >= 2.5  # not the 0.1-0.2 s backoff


def test_a_too_long_retry_after_fails_over_at_once() -> None:
    sleeps: list[float] = []
    model = _Scripted([ProviderError("429", retryable=True, retry_after_s=600.0)])
    with pytest.raises(ProviderError):
        _caller(model, sleeps, max_retry_after_s=30.0).call(REQUEST)
    assert model.calls == 1 and sleeps == []


def test_only_tier_faults_open_the_breaker() -> None:
    refusals = [ProviderError("400", retryable=False, tier_fault=False) for _ in range(3)]
    caller = _caller(_Scripted(refusals), [])
    for _ in range(3):
        with pytest.raises(ProviderError) as raised:
            caller.call(REQUEST)
        assert not isinstance(raised.value, BreakerOpenError)
    assert caller.state == "closed"
    down = _caller(_Scripted([ProviderError("500", retryable=False)] * 2), [])
    for _ in range(2):
        with pytest.raises(ProviderError):
            down.call(REQUEST)
    assert down.state == "open"
    with pytest.raises(BreakerOpenError):
        down.call(REQUEST)


@pytest.fixture
def dead_api() -> Iterator[FaultProxy]:
    with FaultProxy(None) as proxy:  # no upstream: what is not a pushed fault answers 502
        yield proxy


def test_the_anthropic_adapter_turns_sdk_errors_into_tier_faults(dead_api: FaultProxy) -> None:
    settings = TierSettings(
        provider="anthropic", model="claude-test", base_url=dead_api.url,
        api_key=SecretStr("sk-test"), read_timeout_s=0.5, connect_timeout_s=0.5,
    )  # fmt: skip
    model = AnthropicModel("frontier", settings)
    dead_api.push(Fault.status(429, retry_after=3.0))
    with pytest.raises(ProviderError) as limited:
        model.complete(REQUEST)
    assert limited.value.retryable and limited.value.retry_after_s == 3.0
    assert not limited.value.tier_fault
    with pytest.raises(ProviderError) as bad_gateway:
        model.complete(REQUEST)
    assert bad_gateway.value.retryable and bad_gateway.value.tier_fault
    dead_api.push(Fault.delay(2.0))
    with pytest.raises(ProviderError, match="timed out"):
        model.complete(REQUEST)
    dead_api.push(Fault.drop())
    with pytest.raises(ProviderError, match="unreachable"):
        model.complete(REQUEST)
    assert dead_api.requests[0].path == "/v1/messages"
    assert "sk-test" in " ".join(dead_api.requests[0].headers.values())  # the key was sent
