"""gateway ledger cache budgets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 04:39:00.538262
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_counters",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=100), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("reserved_usd", sa.Float(), nullable=False),
        sa.Column("spent_usd", sa.Float(), nullable=False),
        sa.Column("reserved_tokens", sa.Integer(), nullable=False),
        sa.Column("spent_tokens", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "scope_id"),
    )
    with op.batch_alter_table("budget_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_counters_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "cache_entries",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("partition", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("cache_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cache_entries_document", ["workspace_id", "document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cache_entries_partition"), ["partition"], unique=False)

    op.create_table(
        "model_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_s", sa.Float(), nullable=False),
        sa.Column("cache_hit", sa.Boolean(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("escalation_reason", sa.String(length=200), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_calls_document", ["workspace_id", "document_id"], unique=False
        )
        batch_op.create_index(
            "ix_model_calls_workspace_created", ["workspace_id", "created_at"], unique=False
        )

    op.create_table(
        "redaction_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("redaction_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redaction_audit_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redaction_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redaction_audit_workspace_id"))

    op.drop_table("redaction_audit")
    with op.batch_alter_table("model_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_model_calls_workspace_created")
        batch_op.drop_index("ix_model_calls_document")

    op.drop_table("model_calls")
    with op.batch_alter_table("cache_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cache_entries_partition"))
        batch_op.drop_index("ix_cache_entries_document")

    op.drop_table("cache_entries")
    with op.batch_alter_table("budget_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_counters_workspace_id"))

    op.drop_table("budget_counters")
