"""The cost ledger: one row per model call, and the audit of every call that left the premises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.gateway.types import UsageRecord
from app.storage.db import SessionFactory, transaction
from app.storage.models import ModelCall, RedactionAudit


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: every ledger row, cache entry and budget is scoped by it."""

    workspace_id: str
    document_id: str | None = None
    batch_id: str | None = None
    trace_id: str | None = None
    local_only: bool = True
    use_cache: bool = True  # False: ask the model even when an answer is cached (drift replays)


class Ledger:
    """Writes ledger and audit rows; never any prompt or answer text."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def record(self, ctx: CallContext, provider: str, record: UsageRecord) -> None:
        """One row for one call (an answer, a cache hit, or a failure)."""
        with transaction(self._sessions) as session:
            session.add(
                ModelCall(
                    workspace_id=ctx.workspace_id,
                    document_id=ctx.document_id,
                    batch_id=ctx.batch_id,
                    trace_id=ctx.trace_id,
                    task=record.task,
                    tier=record.tier,
                    provider=provider,
                    model=record.model,
                    prompt_tokens=record.prompt_tokens,
                    completion_tokens=record.completion_tokens,
                    latency_s=round(record.latency_s, 4),
                    cache_hit=record.cache_hit,
                    retries=record.retries,
                    outcome=record.outcome,
                    error=(record.error or "")[:300] or None,
                    escalation_reason=record.escalation,
                    cost_usd=record.cost_usd,
                )
            )

    def audit(self, ctx: CallContext, tier: str, provider: str, counts: dict[str, int]) -> None:
        """Record that a call is leaving the premises, with how much was redacted."""
        with transaction(self._sessions) as session:
            session.add(
                RedactionAudit(
                    workspace_id=ctx.workspace_id,
                    document_id=ctx.document_id,
                    tier=tier,
                    provider=provider,
                    counts=dict(sorted(counts.items())),
                )
            )

    def calls(
        self, workspace_id: str | None = None, since: datetime | None = None
    ) -> list[ModelCall]:
        """Ledger rows, oldest first."""
        query = select(ModelCall).order_by(ModelCall.id)
        if workspace_id is not None:
            query = query.where(ModelCall.workspace_id == workspace_id)
        if since is not None:
            query = query.where(ModelCall.created_at >= since)
        with self._sessions() as session:
            return list(session.scalars(query))
