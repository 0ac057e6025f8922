"""One tier's calls: bounded retries with backoff and jitter (tenacity) behind a circuit breaker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pybreaker
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from app.config import BreakerSettings, RetrySettings
from app.errors import ModelUnavailableError
from app.gateway.protocol import ChatModel
from app.gateway.providers import ProviderError
from app.gateway.types import Completion, CompletionRequest


class BreakerOpenError(ProviderError):
    """The tier's breaker is open: it is skipped until its pause is over."""


def _not_tier_fault(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and not exc.tier_fault


def _retryable(settings: RetrySettings) -> object:
    def check(exc: BaseException) -> bool:
        if not isinstance(exc, ProviderError) or isinstance(exc, BreakerOpenError):
            return False
        wait = exc.retry_after_s
        return exc.retryable and (wait is None or wait <= settings.max_retry_after_s)

    return check


class TierCaller:
    """Calls one tier's model; counts retries; the breaker opens after consecutive faults."""

    def __init__(
        self,
        model: ChatModel,
        retry: RetrySettings,
        breaker: BreakerSettings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self._retry = retry
        self._sleep = sleep
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=breaker.fail_max,
            reset_timeout=breaker.reset_timeout_s,
            exclude=[_not_tier_fault],
            name=model.tier,
        )
        self._backoff = wait_exponential_jitter(
            multiplier=retry.initial_wait_s, max=retry.max_wait_s, jitter=retry.initial_wait_s
        )

    @property
    def state(self) -> str:
        """closed, open or half-open."""
        return str(self.breaker.current_state)

    def _wait(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        exc = state.outcome.exception() if state.outcome else None
        after = exc.retry_after_s if isinstance(exc, ProviderError) else None
        return max(backoff, after or 0.0)

    def call(self, request: CompletionRequest) -> Completion:
        """Answer the request or raise ProviderError after the last allowed attempt."""
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable(self._retry)),  # type: ignore[arg-type]
            reraise=True,
            sleep=self._sleep,
        )
        attempts = 0
        for attempt in retrying:
            with attempt:
                attempts += 1
                completion = self._once(request)
        return replace(completion, retries=attempts - 1)

    def _once(self, request: CompletionRequest) -> Completion:
        try:
            result: Completion = self.breaker.call(self.model.complete, request)
        except pybreaker.CircuitBreakerError as exc:
            raise BreakerOpenError(f"{self.model.tier} circuit is open", retryable=False) from exc
        except ModelUnavailableError as exc:
            if isinstance(exc, ProviderError):
                raise
            raise ProviderError(exc.reason, retryable=False) from exc
        return result
