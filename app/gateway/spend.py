"""Summaries of the ledger: spend, calls, cache hits and escalations by day and tier, and the
per-contract figures the break-even calculation starts from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from app.gateway.breakeven import CostInputs
from app.storage.models import ModelCall


@dataclass(frozen=True)
class SpendRow:
    """One day and tier of the ledger."""

    day: str
    tier: str
    calls: int
    cache_hits: int
    failed: int
    escalated: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None when any served call had no known price

    @property
    def cache_hit_rate(self) -> float:
        served = self.calls + self.cache_hits
        return self.cache_hits / served if served else 0.0

    @property
    def escalation_rate(self) -> float:
        return self.escalated / self.calls if self.calls else 0.0


def _cost(rows: Sequence[ModelCall]) -> float | None:
    costs = [r.cost_usd for r in rows if r.outcome == "ok"]
    if any(c is None for c in costs):
        return None
    return round(sum(c for c in costs if c is not None), 6)


def by_day_and_tier(calls: Sequence[ModelCall]) -> list[SpendRow]:
    """Group ledger rows; `calls` counts answers from a model, not cache hits or failures."""
    groups: dict[tuple[str, str], list[ModelCall]] = defaultdict(list)
    for call in calls:
        groups[(call.created_at.date().isoformat(), call.tier)].append(call)
    rows = []
    for (day, tier), mine in sorted(groups.items()):
        served = [r for r in mine if r.outcome == "ok" and not r.cache_hit]
        rows.append(
            SpendRow(
                day=day,
                tier=tier,
                calls=len(served),
                cache_hits=sum(1 for r in mine if r.cache_hit),
                failed=sum(1 for r in mine if r.outcome != "ok"),
                escalated=sum(1 for r in served if r.escalation_reason),
                prompt_tokens=sum(r.prompt_tokens for r in served),
                completion_tokens=sum(r.completion_tokens for r in served),
                cost_usd=_cost(served),
            )
        )
    return rows


@dataclass(frozen=True)
class ContractProfile:
    """Averages per reviewed contract, measured from the ledger."""

    documents: int
    tokens_in: float
    tokens_out: float
    escalated_share: float  # of tokens, served by a tier other than self_hosted
    self_hosted_tokens_per_s: float | None


def contract_profile(calls: Sequence[ModelCall]) -> ContractProfile:
    """Tokens per contract (cache hits excluded: they cost nothing) and the escalated share."""
    served = [r for r in calls if r.outcome == "ok" and not r.cache_hit and r.document_id]
    documents = len({(r.workspace_id, r.document_id) for r in served})
    tokens_in = sum(r.prompt_tokens for r in served)
    tokens_out = sum(r.completion_tokens for r in served)
    total = tokens_in + tokens_out
    external = sum(r.prompt_tokens + r.completion_tokens for r in served if r.tier != "self_hosted")
    local = [r for r in served if r.tier == "self_hosted" and r.latency_s > 0]
    local_s = sum(r.latency_s for r in local)
    local_tokens = sum(r.prompt_tokens + r.completion_tokens for r in local)
    return ContractProfile(
        documents=documents,
        tokens_in=tokens_in / documents if documents else 0.0,
        tokens_out=tokens_out / documents if documents else 0.0,
        escalated_share=external / total if total else 0.0,
        self_hosted_tokens_per_s=local_tokens / local_s if local_s else None,
    )


@dataclass(frozen=True)
class PriceAssumptions:
    """Prices the break-even uses when not given: a mid-range API and one rented GPU."""

    api_usd_per_mtok_in: float = 3.0
    api_usd_per_mtok_out: float = 15.0
    gpu_usd_per_hour: float = 2.5
    gpu_min_hours_per_month: float = 730.0
    engineering_usd_per_month: float = 2000.0
    fallback_tokens_per_s: float = 1000.0  # when the ledger has no self-hosted timing yet


PRICES = PriceAssumptions()


def cost_inputs(profile: ContractProfile, contracts_per_month: float) -> CostInputs:
    """Break-even inputs from the ledger's measurements and the default prices."""
    return CostInputs(
        contracts_per_month=contracts_per_month,
        tokens_in_per_contract=profile.tokens_in,
        tokens_out_per_contract=profile.tokens_out,
        api_usd_per_mtok_in=PRICES.api_usd_per_mtok_in,
        api_usd_per_mtok_out=PRICES.api_usd_per_mtok_out,
        gpu_usd_per_hour=PRICES.gpu_usd_per_hour,
        gpu_tokens_per_s=profile.self_hosted_tokens_per_s or PRICES.fallback_tokens_per_s,
        gpu_min_hours_per_month=PRICES.gpu_min_hours_per_month,
        engineering_usd_per_month=PRICES.engineering_usd_per_month,
        escalated_share=profile.escalated_share,
    )
