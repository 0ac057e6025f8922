"""What the gateway meters, in the shape of the report's `usage` section (schema v1)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierUsage(_Frozen):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None


class Usage(_Frozen):
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    failed_calls: int = 0
    escalated_calls: int = 0
    cost_usd: float | None = None
    by_tier: dict[str, TierUsage] = Field(default_factory=dict)
