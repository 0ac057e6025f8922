"""What every provider adapter raises, and how a failure is classified for retry and breaker."""

from __future__ import annotations

from app.errors import ModelUnavailableError


class ProviderError(ModelUnavailableError):
    """A tier did not answer; `retryable` says whether trying it again may help."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        tier_fault: bool = True,
    ) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        # A fault of the tier (timeout, 5xx, refused connection) counts toward its breaker; a
        # refusal of this one request (a 400) does not.
        self.tier_fault = tier_fault


def classify_status(status: int, reason: str, retry_after: str | None) -> ProviderError:
    """Map an HTTP error status to a ProviderError (429 and 5xx retry; other 4xx do not)."""
    seconds = _seconds(retry_after)
    if status == 429:
        return ProviderError(reason, retryable=True, retry_after_s=seconds, tier_fault=False)
    if status >= 500:
        return ProviderError(reason, retryable=True, retry_after_s=seconds)
    return ProviderError(reason, retryable=False, tier_fault=status in (401, 403, 404))


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
