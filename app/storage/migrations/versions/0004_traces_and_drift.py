"""traces and drift

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:34:54.054437
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("baseline_id", sa.String(length=32), nullable=True),
        sa.Column("drops", sa.Text(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drift_runs", schema=None) as batch_op:
        batch_op.create_index("ix_drift_runs_kind_created", ["kind", "created_at"], unique=False)

    op.create_table(
        "trace_spans",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=True),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("run_type", sa.String(length=20), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trace_spans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trace_spans_document", ["workspace_id", "document_id"], unique=False
        )
        batch_op.create_index("ix_trace_spans_trace", ["trace_id", "start_at"], unique=False)

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trace_content", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("trace_content")

    with op.batch_alter_table("trace_spans", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_spans_trace")
        batch_op.drop_index("ix_trace_spans_document")

    op.drop_table("trace_spans")
    with op.batch_alter_table("drift_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_drift_runs_kind_created")

    op.drop_table("drift_runs")
