"""Metering: a wrapper that records every call's tokens, latency and cost."""

from __future__ import annotations

import threading

from app.gateway.types import UsageRecord
from app.gateway.usage import TierUsage, Usage


class UsageMeter:
    """Collects usage records of one unit of work (a document review)."""

    def __init__(self) -> None:
        self._records: list[UsageRecord] = []
        self._lock = threading.Lock()

    def add(self, record: UsageRecord) -> None:
        """Record one call."""
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> tuple[UsageRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def summary(self) -> Usage:
        """Sum the records into the report's `usage` (unknown cost stays None)."""
        every = self.records
        records = [r for r in every if r.outcome == "ok" and not r.cache_hit]
        by_tier: dict[str, TierUsage] = {}
        for tier in sorted({r.tier for r in records}):
            mine = [r for r in records if r.tier == tier]
            by_tier[tier] = TierUsage(
                llm_calls=len(mine),
                prompt_tokens=sum(r.prompt_tokens for r in mine),
                completion_tokens=sum(r.completion_tokens for r in mine),
                latency_s=round(sum(r.latency_s for r in mine), 3),
                cost_usd=_sum_costs(mine),
            )
        return Usage(
            llm_calls=len(records),
            prompt_tokens=sum(r.prompt_tokens for r in records),
            completion_tokens=sum(r.completion_tokens for r in records),
            cache_hits=sum(1 for r in every if r.cache_hit),
            failed_calls=sum(1 for r in every if r.outcome != "ok"),
            escalated_calls=sum(1 for r in every if r.escalation and r.outcome == "ok"),
            cost_usd=_sum_costs(records),
            by_tier=by_tier,
        )


def _sum_costs(records: list[UsageRecord]) -> float | None:
    costs = [r.cost_usd for r in records]
    if not costs or any(c is None for c in costs):
        return None
    return round(sum(c for c in costs if c is not None), 6)
