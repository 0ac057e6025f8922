"""Reads, always scoped to one workspace: another workspace's ids look like missing ones."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.documents.status import FINAL, Status
from app.errors import NotFoundError
from app.storage.models import Batch, BatchItem, Document, ReportRow


@dataclass(frozen=True)
class DocumentFilter:
    """What `GET /documents` can filter on."""

    status: str | None = None
    batch_id: str | None = None
    filename: str | None = None
    limit: int = 100
    offset: int = 0


def get_document(session: Session, workspace_id: str, document_id: str) -> Document:
    """Return one document of the workspace, or raise NotFoundError."""
    doc = session.get(Document, (workspace_id, document_id))
    if doc is None:
        raise NotFoundError("no such document")
    return doc


def list_documents(
    session: Session, workspace_id: str, where: DocumentFilter
) -> tuple[list[Document], int]:
    """Return a page of the workspace's documents, newest first, and the total count."""
    query = select(Document).where(Document.workspace_id == workspace_id)
    if where.status:
        query = query.where(Document.status == where.status)
    if where.filename:
        query = query.where(Document.filename.contains(where.filename, autoescape=True))
    if where.batch_id:
        get_batch(session, workspace_id, where.batch_id)
        members = select(BatchItem.document_id).where(BatchItem.batch_id == where.batch_id)
        query = query.where(Document.id.in_(members))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(Document.created_at.desc(), Document.id)
        .limit(where.limit)
        .offset(where.offset)
    ).all()
    return list(page), int(total)


def get_report(session: Session, workspace_id: str, document_id: str) -> dict[str, object]:
    """Return the report of a completed document, or raise NotFoundError."""
    get_document(session, workspace_id, document_id)
    row = session.get(ReportRow, (workspace_id, document_id))
    if row is None:
        raise NotFoundError("this document has no report yet; see its status")
    return dict(row.body)


def reports_of(
    session: Session, workspace_id: str, document_ids: list[str]
) -> dict[str, dict[str, object]]:
    """Return the reports of several documents in one query, by document id."""
    rows = session.scalars(
        select(ReportRow).where(
            ReportRow.workspace_id == workspace_id, ReportRow.document_id.in_(document_ids)
        )
    )
    return {row.document_id: dict(row.body) for row in rows}


def get_batch(session: Session, workspace_id: str, batch_id: str) -> Batch:
    """Return one batch of the workspace, or raise NotFoundError."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.workspace_id != workspace_id:
        raise NotFoundError("no such batch")
    return batch


@dataclass(frozen=True)
class BatchItemView:
    """One file of a batch with its document's current state."""

    filename: str
    document: Document | None
    status_code: int | None
    reason: str | None


def batch_items(session: Session, workspace_id: str, batch_id: str) -> list[BatchItemView]:
    """Return every file of a batch in the order it was posted."""
    get_batch(session, workspace_id, batch_id)
    rows = session.execute(
        select(BatchItem, Document)
        .outerjoin(
            Document,
            (Document.workspace_id == BatchItem.workspace_id)
            & (Document.id == BatchItem.document_id),
        )
        .where(BatchItem.batch_id == batch_id)
        .order_by(BatchItem.position)
    ).all()
    return [BatchItemView(i.filename, d, i.status_code, i.reason) for i, d in rows]


@dataclass(frozen=True)
class BatchProgress:
    """Counts per status and the share of work done."""

    counts: dict[str, int]
    total: int
    done: int
    progress: float


REFUSED = "refused"  # the status a batch counts a file under when it never became a document


def _summarise(groups: Iterable[tuple[str, int, float]]) -> BatchProgress:
    """Counts and progress from (status, files, sum of their documents' progress) groups:
    refused files and documents in a final status are whole, the others count their progress."""
    counts: Counter[str] = Counter()
    work = 0.0
    for status, files, progress in groups:
        counts[status] += files
        work += files if status == REFUSED or status in FINAL else progress
    done = sum(n for s, n in counts.items() if s == REFUSED or s in FINAL)
    total = sum(counts.values())
    return BatchProgress(dict(counts), total, done, round(work / total, 4) if total else 1.0)


def batch_progress(items: list[BatchItemView]) -> BatchProgress:
    """Summarise a batch from its files: refused files count as done (they will not change)."""
    return _summarise(
        (REFUSED, 1, 0.0) if i.document is None else (i.document.status, 1, i.document.progress)
        for i in items
    )


def batch_summaries(
    session: Session, workspace_id: str, batch_ids: Sequence[str]
) -> dict[str, BatchProgress]:
    """Each batch's counts and progress from one grouped query, without loading its files:
    what a list of batches shows, however many files each holds."""
    if not batch_ids:
        return {}
    groups: dict[str, list[tuple[str, int, float]]] = {b: [] for b in batch_ids}
    rows = session.execute(
        select(
            BatchItem.batch_id,
            Document.status,
            func.count(),
            func.coalesce(func.sum(Document.progress), 0.0),
        )
        .outerjoin(
            Document,
            (Document.workspace_id == BatchItem.workspace_id)
            & (Document.id == BatchItem.document_id),
        )
        .where(BatchItem.workspace_id == workspace_id, BatchItem.batch_id.in_(batch_ids))
        .group_by(BatchItem.batch_id, Document.status)
    ).all()
    for batch_id, status, files, progress in rows:
        groups[batch_id].append((REFUSED if status is None else status, int(files), progress))
    return {b: _summarise(g) for b, g in groups.items()}


def count_by_status(session: Session) -> dict[str, int]:
    """Return the number of documents per status over all workspaces (for /metrics)."""
    rows = session.execute(select(Document.status, func.count()).group_by(Document.status))
    found = {str(status): int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in Status}


# The stage a document with no lease is waiting for, by its status.
_WAITING_FOR = {
    Status.QUEUED: "ingest",
    Status.INGESTING: "ingest",
    Status.REVIEWING: "review",
    Status.DELAYED: "review",
}


def queue_waiting(session: Session, now: datetime) -> dict[str, tuple[int, float]]:
    """Per stage: how many documents wait for a worker, and the oldest one's wait in seconds."""
    rows = session.execute(
        select(Document.status, func.count(), func.min(Document.updated_at))
        .where(Document.lease_token.is_(None), Document.status.in_(list(_WAITING_FOR)))
        .group_by(Document.status)
    )
    waiting = {stage: (0, 0.0) for stage in ("ingest", "review")}
    for status, count, oldest in rows:
        stage = _WAITING_FOR[Status(status)]
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        n, old = waiting[stage]
        waiting[stage] = (n + int(count), max(old, age))
    return waiting
