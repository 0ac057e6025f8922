"""Tables. Every row that holds client data carries its workspace_id; reads filter on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time in UTC (every stored time is UTC)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A UTC timestamp that reads back timezone-aware on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Mark a naive value from SQLite as the UTC it was written in."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of lexcrew's tables."""

    type_annotation_map: ClassVar[dict[object, object]] = {datetime: UtcDateTime()}


class Workspace(Base):
    """A client: the boundary no read, file, vector or cache entry crosses."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    local_only: Mapped[bool] = mapped_column(Boolean, default=True)
    # Contract text (prompts, answers) goes into traces only when the workspace allows it.
    trace_content: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key, stored as its SHA-256 (keys are random 256-bit tokens, never kept in clear)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Document(Base):
    """One contract in one workspace; its id is the SHA-256 of its bytes."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_status_updated", "status", "updated_at"),
        Index("ix_documents_workspace_created", "workspace_id", "created_at"),
    )

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[str] = mapped_column(String(12), default="interactive")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    retry_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class ReportRow(Base):
    """The one report of a completed document (schema v1 JSON)."""

    __tablename__ = "reports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "document_id"],
            ["documents.workspace_id", "documents.id"],
            ondelete="CASCADE",
        ),
    )

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Batch(Base):
    """A group of uploads posted together; an Idempotency-Key makes a re-post return it."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("workspace_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchItem(Base):
    """One file of a batch: the document it became, or why it was refused."""

    __tablename__ = "batch_items"
    __table_args__ = (Index("ix_batch_items_document", "workspace_id", "document_id"),)

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class Purge(Base):
    """An erasure still to finish in the places only a worker reaches (vectors, caches)."""

    __tablename__ = "purges"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelCall(Base):
    """The ledger: one row per model call (and per cache hit), never any prompt or answer."""

    __tablename__ = "model_calls"
    __table_args__ = (
        Index("ix_model_calls_workspace_created", "workspace_id", "created_at"),
        Index("ix_model_calls_document", "workspace_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    workspace_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    batch_id: Mapped[str | None] = mapped_column(String(32), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(32), default=None)
    task: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_s: Mapped[float] = mapped_column(Float, default=0.0)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str | None] = mapped_column(String(300), default=None)
    escalation_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    cost_usd: Mapped[float | None] = mapped_column(Float, default=None)


class RedactionAudit(Base):
    """One row per call that left the premises: where it went and what was redacted (counts)."""

    __tablename__ = "redaction_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    workspace_id: Mapped[str] = mapped_column(String(32), index=True)
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    tier: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict[str, int]] = mapped_column(JSON)


class CacheEntry(Base):
    """A cached model answer; `partition` hashes workspace, task, model, adapter and prompt."""

    __tablename__ = "cache_entries"
    __table_args__ = (Index("ix_cache_entries_document", "workspace_id", "document_id"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    partition: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    answer: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    hits: Mapped[int] = mapped_column(Integer, default=0)


class BudgetCounter(Base):
    """Money and tokens reserved and spent in one budget scope (document, batch, workspace-day)."""

    __tablename__ = "budget_counters"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(32), index=True)
    reserved_usd: Mapped[float] = mapped_column(Float, default=0.0)
    spent_usd: Mapped[float] = mapped_column(Float, default=0.0)
    reserved_tokens: Mapped[int] = mapped_column(Integer, default=0)
    spent_tokens: Mapped[int] = mapped_column(Integer, default=0)


class Feedback(Base):
    """A reviewer's verdict on one finding: accept, correct (span or value) or reject."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_document", "workspace_id", "document_id", "clause_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str] = mapped_column(String(64))
    clause_id: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text, default=None)
    start: Mapped[int | None] = mapped_column(Integer, default=None)
    end: Mapped[int | None] = mapped_column(Integer, default=None)
    value: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TraceSpan(Base):
    """One finished span of a review's trace (review -> ingest -> crew -> agent -> task -> call).

    Inputs and outputs hold contract text only for workspaces that allow it."""

    __tablename__ = "trace_spans"
    __table_args__ = (
        Index("ix_trace_spans_trace", "trace_id", "start_at"),
        Index("ix_trace_spans_document", "workspace_id", "document_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(String(32), default=None)
    workspace_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(64), default=None)
    name: Mapped[str] = mapped_column(String(200))
    run_type: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attributes: Mapped[dict[str, object]] = mapped_column(JSON)
    inputs: Mapped[dict[str, object]] = mapped_column(JSON)
    outputs: Mapped[dict[str, object]] = mapped_column(JSON)


class DriftRun(Base):
    """A drift baseline, or a replay of the same sample compared with it."""

    __tablename__ = "drift_runs"
    __table_args__ = (Index("ix_drift_runs_kind_created", "kind", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # baseline | replay
    sample: Mapped[str] = mapped_column(Text)
    metrics: Mapped[str] = mapped_column(Text)  # JSON {metric: value}
    baseline_id: Mapped[str | None] = mapped_column(String(32), default=None)
    drops: Mapped[str] = mapped_column(Text, default="{}")  # JSON {metric: relative drop}
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON list of the trained models' versions behind the run (`lexcrew eval`'s "models");
    # [] for runs stored before they were kept.
    models: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
