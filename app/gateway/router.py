"""The gateway: budget check -> cache -> router -> provider (retries, breaker) -> ledger.

Which tier answers is policy: the task's route, an escalation for a hard clause, the
workspace's `local_only`, and which tiers are up. A tier that times out, answers 429/5xx or has
an open breaker hands the call to the next one; when no tier answers, ModelUnavailableError
puts the document in the visible `delayed` state.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from app.config import TIER_ORDER, GatewaySettings, TierSettings
from app.errors import BudgetExceededError, LexcrewError, ModelUnavailableError
from app.gateway import redaction
from app.gateway.budget import Budgets
from app.gateway.cache import CacheHit, SemanticCache, key_of, partition_of, semantic_text
from app.gateway.ledger import CallContext, Ledger
from app.gateway.metering import UsageMeter
from app.gateway.protocol import ChatModel, TunedModel
from app.gateway.providers import ProviderError
from app.gateway.resilience import BreakerOpenError, TierCaller
from app.gateway.types import Completion, CompletionRequest, TaskKind, UsageRecord
from app.observability import metrics, tracing

log = logging.getLogger("lexcrew.gateway")
_CHARS_PER_TOKEN = 3.5


def estimate_tokens(request: CompletionRequest) -> tuple[int, int]:
    """Tokens in (from the prompt's length) and out (the answer's cap), before the call."""
    chars = sum(len(m.content) for m in request.messages)
    return int(chars / _CHARS_PER_TOKEN) + 16, request.max_tokens


def cost_of(tier: TierSettings, tokens_in: int, tokens_out: int, latency_s: float) -> float | None:
    """USD of one call; None when the tier has no price configured (unknown is not free)."""
    if tier.usd_per_mtok_in is not None and tier.usd_per_mtok_out is not None:
        return round(
            (tokens_in * tier.usd_per_mtok_in + tokens_out * tier.usd_per_mtok_out) / 1e6, 8
        )
    if tier.usd_per_hour is not None:
        seconds = (tokens_in + tokens_out) / tier.tokens_per_s if tier.tokens_per_s else latency_s
        return round(seconds / 3600 * tier.usd_per_hour, 8)
    return None


@dataclass(frozen=True)
class _Attempt:
    tier: str
    settings: TierSettings
    caller: TierCaller


class Gateway:
    """Every model call of every agent; one per process, shared by all reviews."""

    def __init__(
        self,
        settings: GatewaySettings,
        models: dict[str, ChatModel],
        ledger: Ledger,
        budgets: Budgets,
        cache: SemanticCache,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.budgets = budgets
        self.cache = cache
        self.callers = {
            name: TierCaller(model, settings.retry, settings.breaker)
            for name, model in models.items()
        }

    def allowed_tiers(self, ctx: CallContext) -> list[str]:
        """Tiers that are configured, up to the workspace's privacy setting, in tier order."""
        return [
            t
            for t in TIER_ORDER
            if t in self.callers
            and self.settings.tier(t).enabled
            and not (ctx.local_only and self.settings.tier(t).external)
        ]

    def chain(self, request: CompletionRequest, ctx: CallContext) -> list[str]:
        """The tiers to try, in order: the route (or the tiers above it, for an escalation),
        then the others: higher ones first, then lower ones."""
        allowed = self.allowed_tiers(ctx)
        primary = self.settings.routes.get(request.task, "self_hosted")
        rank = TIER_ORDER.index(primary)
        higher = [t for t in allowed if TIER_ORDER.index(t) > rank]
        if request.escalation:
            return higher
        lower = [t for t in reversed(allowed) if TIER_ORDER.index(t) < rank]
        return ([primary] if primary in allowed else []) + higher + lower

    def can_escalate(self, task: str, ctx: CallContext) -> bool:
        """Whether a clause of this task can be sent above its route."""
        probe = CompletionRequest(messages=(), task=task, escalation="probe")  # type: ignore[arg-type]
        return bool(self.chain(probe, ctx))

    def on_base_weights(self, task: TaskKind, ctx: CallContext) -> bool:
        """Whether the tier that answers this task first does so with a base model's weights,
        not ones fine-tuned for the task (a provider that cannot tell: no)."""
        tiers = self.chain(CompletionRequest(messages=(), task=task), ctx)
        if not tiers:
            return False
        model = self.callers[tiers[0]].model
        return isinstance(model, TunedModel) and model.on_base_weights(task)

    def bind(self, ctx: CallContext, meter: UsageMeter) -> BoundGateway:
        """A ChatModel for one document's calls."""
        return BoundGateway(self, ctx, meter)

    def complete(
        self, request: CompletionRequest, ctx: CallContext, meter: UsageMeter
    ) -> Completion:
        """Answer from the cache or the first tier of the chain that can; see the module doc."""
        chain = self.chain(request, ctx)
        if not chain:
            raise ModelUnavailableError(f"no model tier is allowed to serve '{request.task}'")
        failed: list[str] = []
        for tier in chain:
            attempt = _Attempt(tier, self.settings.tier(tier), self.callers[tier])
            with tracing.span(f"{tier}: {request.task}", "llm") as step:
                if step is not None:
                    step.inputs = {
                        "messages": [
                            {"role": m.role, "content": step.content(m.content)}
                            for m in request.messages
                        ]
                    }
                done = self._try(attempt, request, ctx, meter)
                if step is not None and done is not None:
                    step.outputs["output"] = step.content(done.text)
            if done is not None:
                return replace(done, fallback_from=tuple(failed))
            failed.append(tier)
        raise ModelUnavailableError(
            f"no model tier answered the {request.task} call (tried {', '.join(failed)})"
        )

    def _record(
        self,
        ctx: CallContext,
        attempt: _Attempt,
        meter: UsageMeter,
        request: CompletionRequest,
        **fields: Any,
    ) -> None:
        """Meter and ledger one call. Unless `fields` says otherwise nothing was served: no
        tokens, and a cost known to be 0 (a failure or a cache hit is not billed)."""
        record = UsageRecord(
            **{
                "task": request.task,
                "tier": attempt.tier,
                "model": attempt.caller.model.name,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "latency_s": 0.0,
                "cost_usd": 0.0,
                "document_id": request.document_id,
                "escalation": request.escalation,
                **fields,
            }
        )
        meter.add(record)
        self.ledger.record(ctx, attempt.settings.provider, record)
        _observe(record, attempt.settings.provider)

    def _try(
        self,
        attempt: _Attempt,
        request: CompletionRequest,
        ctx: CallContext,
        meter: UsageMeter,
    ) -> Completion | None:
        tokens_in, tokens_out = estimate_tokens(request)
        estimate = cost_of(attempt.settings, tokens_in, tokens_out, 0.0)
        if not self.budgets.call_allows(estimate, tokens_in + tokens_out):
            self._record(
                ctx, attempt, meter, request, outcome="budget", error="over the per-call cap"
            )
            return None
        partition = partition_of(
            ctx.workspace_id, attempt.caller.model.name, attempt.settings.adapter, request
        )
        key = key_of(partition, request)
        text = semantic_text(request)
        if self.settings.cache.enabled and ctx.use_cache:
            hit = self.cache.lookup(ctx.workspace_id, partition, key, text)
            metrics.CACHE_LOOKUPS.labels("miss" if hit is None else "hit").inc()
            if hit is not None:
                return self._served_from_cache(attempt, request, ctx, meter, hit)
        scopes = self.budgets.scopes(ctx.workspace_id, ctx.document_id, ctx.batch_id)
        try:
            reservation = self.budgets.reserve(
                ctx.workspace_id, scopes, estimate, tokens_in + tokens_out
            )
        except BudgetExceededError as exc:
            metrics.BUDGET_REFUSALS.labels(exc.scope).inc()
            raise
        try:
            completion = self._call(attempt, request, ctx)
        except ProviderError as exc:
            self.budgets.settle(reservation, 0.0, 0)
            outcome = "breaker_open" if isinstance(exc, BreakerOpenError) else "error"
            self._record(ctx, attempt, meter, request, outcome=outcome, error=exc.reason)
            log.warning(
                "gateway.tier_failed tier=%s task=%s outcome=%s",
                attempt.tier,
                request.task,
                outcome,
            )
            return None
        except BaseException:
            self.budgets.settle(reservation, 0.0, 0)
            raise
        cost = cost_of(
            attempt.settings,
            completion.prompt_tokens,
            completion.completion_tokens,
            completion.latency_s,
        )
        self.budgets.settle(
            reservation, cost, completion.prompt_tokens + completion.completion_tokens
        )
        self._record(
            ctx,
            attempt,
            meter,
            request,
            model=completion.model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            latency_s=completion.latency_s,
            cost_usd=cost,
            retries=completion.retries,
        )
        if self.settings.cache.enabled:
            self.cache.store(
                ctx.workspace_id,
                ctx.document_id,
                partition,
                key,
                text,
                completion.text,
                (completion.prompt_tokens, completion.completion_tokens),
            )
        return completion

    def _call(self, attempt: _Attempt, request: CompletionRequest, ctx: CallContext) -> Completion:
        if not attempt.settings.external:
            return attempt.caller.call(request)
        redacted, mapping = redaction.redact_request(request)
        self.ledger.audit(ctx, attempt.tier, attempt.settings.provider, dict(mapping.counts))
        completion = attempt.caller.call(redacted)
        return replace(completion, text=redaction.restore(completion.text, mapping))

    def _served_from_cache(
        self,
        attempt: _Attempt,
        request: CompletionRequest,
        ctx: CallContext,
        meter: UsageMeter,
        hit: CacheHit,
    ) -> Completion:
        self._record(ctx, attempt, meter, request, cache_hit=True)
        return Completion(
            text=hit.answer,
            model=attempt.caller.model.name,
            tier=attempt.tier,
            prompt_tokens=hit.prompt_tokens,
            completion_tokens=hit.completion_tokens,
            latency_s=0.0,
            cache_hit=True,
        )


def _observe(record: UsageRecord, provider: str) -> None:
    """Count one call in the process metrics and describe it on its trace span."""
    outcome = "cache_hit" if record.cache_hit else record.outcome
    metrics.MODEL_CALLS.labels(record.tier, record.model, record.task, outcome).inc()
    if record.outcome == "budget":
        metrics.BUDGET_REFUSALS.labels("call").inc()
    if record.escalation and record.outcome == "ok":
        metrics.ESCALATIONS.labels(record.tier).inc()
    if record.outcome == "ok" and not record.cache_hit:
        metrics.MODEL_CALL_SECONDS.labels(record.tier, record.model).observe(record.latency_s)
        tokens = metrics.MODEL_TOKENS
        tokens.labels(record.tier, record.model, "prompt").inc(record.prompt_tokens)
        tokens.labels(record.tier, record.model, "completion").inc(record.completion_tokens)
        if record.cost_usd:
            metrics.MODEL_COST.labels(record.tier, record.model).inc(record.cost_usd)
    step = tracing.current()
    if step is None or step.run_type != "llm":
        return
    step.attributes.update(
        {
            "tier": record.tier,
            "provider": provider,
            "model": record.model,
            "ls_provider": provider,
            "ls_model_name": record.model,
            "task": record.task,
            "outcome": record.outcome,
            "cache_hit": record.cache_hit,
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "cost_usd": record.cost_usd,
            "escalation_reason": record.escalation,
            "retries": record.retries,
            "latency_s": round(record.latency_s, 4),
        }
    )
    step.outputs["usage_metadata"] = {
        "input_tokens": record.prompt_tokens,
        "output_tokens": record.completion_tokens,
        "total_tokens": record.prompt_tokens + record.completion_tokens,
        **({"total_cost": record.cost_usd} if record.cost_usd is not None else {}),
    }
    if record.outcome != "ok":
        step.error = f"{record.outcome}: {record.error or ''}".strip(": ")


class BoundGateway:
    """The gateway for one document: a ChatModel that remembers why it had to stop."""

    def __init__(self, gateway: Gateway, ctx: CallContext, meter: UsageMeter) -> None:
        self._gateway = gateway
        self.ctx = ctx
        self.meter = meter
        self.stopped: LexcrewError | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "lexcrew-gateway"

    @property
    def tier(self) -> str:
        return "gateway"

    def complete(self, request: CompletionRequest) -> Completion:
        """Route one call; a budget or availability stop is kept for the review to act on."""
        try:
            return self._gateway.complete(request, self.ctx, self.meter)
        except (BudgetExceededError, ModelUnavailableError) as exc:
            with self._lock:
                self.stopped = self.stopped or exc
            raise
