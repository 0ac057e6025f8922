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


def sdk_error(tier: str, exc: Exception, *, timed_out: bool) -> ProviderError:
    """Translate an error of the openai or anthropic SDK (the same generated shape in both):
    an HTTP status carries `status_code` and `response`; otherwise a timeout or no connection."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        retry_after = response.headers.get("retry-after") if response is not None else None
        return classify_status(status, f"{tier} answered HTTP {status}", retry_after)
    if timed_out:
        return ProviderError(f"{tier} timed out", retryable=True)
    return ProviderError(f"{tier} is unreachable", retryable=True)
