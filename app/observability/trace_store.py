"""The local trace store: every finished span in the database, for the UI's trace page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from app.observability.tracing import Span
from app.storage.db import SessionFactory, transaction
from app.storage.models import TraceSpan


class LocalTraceStore:
    """A span sink writing one row per span."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def record(self, span: Span) -> None:
        with transaction(self.sessions) as session:
            session.merge(
                TraceSpan(
                    id=span.id,
                    trace_id=span.trace_id,
                    parent_id=span.parent_id,
                    workspace_id=span.workspace_id,
                    document_id=span.document_id,
                    name=span.name[:200],
                    run_type=span.run_type,
                    start_at=span.start,
                    end_at=span.end or span.start,
                    error=span.error,
                    attributes=span.attributes,
                    inputs=span.inputs,
                    outputs=span.outputs,
                )
            )

    def close(self, timeout_s: float) -> None:
        """Nothing is buffered: every span is written when it ends."""


@dataclass(frozen=True)
class SpanNode:
    """A stored span with its children, for display."""

    span: TraceSpan
    children: tuple[SpanNode, ...]
    depth: int


def load_tree(sessions: SessionFactory, workspace_id: str, trace_id: str) -> list[SpanNode]:
    """The trace's spans as a forest in start order (roots first); [] when none are stored."""
    with sessions() as session:
        rows = list(
            session.scalars(
                select(TraceSpan)
                .where(TraceSpan.workspace_id == workspace_id, TraceSpan.trace_id == trace_id)
                .order_by(TraceSpan.start_at)
            )
        )
    ids = {r.id for r in rows}
    by_parent: dict[str | None, list[TraceSpan]] = {}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        by_parent.setdefault(parent, []).append(row)

    def build(row: TraceSpan, depth: int) -> SpanNode:
        kids = tuple(build(k, depth + 1) for k in by_parent.get(row.id, []))
        return SpanNode(row, kids, depth)

    return [build(r, 0) for r in by_parent.get(None, [])]


def forget_document(sessions: SessionFactory, workspace_id: str, document_id: str) -> None:
    """Erase a document's spans (they may hold its text when the workspace allowed it)."""
    with transaction(sessions) as session:
        session.execute(
            delete(TraceSpan).where(
                TraceSpan.workspace_id == workspace_id, TraceSpan.document_id == document_id
            )
        )
