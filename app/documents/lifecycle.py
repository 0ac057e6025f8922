"""Guarded status transitions: a stage works on a document only while it holds its lease.

Every transition is one UPDATE whose WHERE clause states what must still be true, so two
deliveries of the same task, a sweeper and a worker that died and came back can never both
win. A lease has a token; finishing a stage needs the token, so only its holder can write the
result, and a document gets exactly one report.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.orm import Session

from app.documents.status import STAGE_STATUS, Stage, Status
from app.storage.models import Document, ReportRow, utcnow


def _doc(workspace_id: str, document_id: str) -> ColumnElement[bool]:
    return and_(Document.workspace_id == workspace_id, Document.id == document_id)


def _claimable(stage: Stage, now: datetime) -> ColumnElement[bool]:
    free = or_(Document.lease_token.is_(None), Document.lease_expires_at < now)
    if stage is Stage.INGEST:
        waiting = Document.status == Status.QUEUED
        return or_(waiting, and_(Document.status == Status.INGESTING, free))
    # The sweeper sends a delayed document's review only once its retry time has come.
    return or_(Document.status == Status.DELAYED, and_(Document.status == Status.REVIEWING, free))


def claim(
    session: Session,
    workspace_id: str,
    document_id: str,
    stage: Stage,
    lease_s: float,
    max_attempts: int,
) -> str | None:
    """Take the document for a stage and return the lease token, or None when not ours to take."""
    now = utcnow()
    token = uuid.uuid4().hex
    result = session.execute(
        update(Document)
        .where(_doc(workspace_id, document_id))
        .where(_claimable(stage, now), Document.attempts < max_attempts)
        .values(
            status=STAGE_STATUS[stage],
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_s),
            attempts=Document.attempts + 1,
            retry_at=None,
            updated_at=now,
        )
    )
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _held(token: str, session: Session, **values: object) -> bool:
    result = session.execute(
        update(Document).where(Document.lease_token == token).values(updated_at=utcnow(), **values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def heartbeat(session: Session, token: str, lease_s: float, progress: float | None = None) -> bool:
    """Extend a lease (and record progress); False when the lease was lost."""
    values: dict[str, object] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_s)}
    if progress is not None:
        values["progress"] = progress
    return _held(token, session, **values)


def finish_ingest(session: Session, token: str, pages: int) -> bool:
    """Hand an ingested document over to review; False when the lease was lost."""
    return _held(
        token,
        session,
        status=Status.REVIEWING,
        pages=pages,
        progress=0.4,
        attempts=0,
        reason=None,
        lease_token=None,
        lease_expires_at=None,
    )


def complete(
    session: Session,
    token: str,
    workspace_id: str,
    document_id: str,
    report: dict[str, object],
    status: Status = Status.COMPLETED,
    reason: str | None = None,
) -> bool:
    """Store the one report and mark the document completed (or budget_exceeded, with what was
    done); False when the lease was lost."""
    done = _held(
        token,
        session,
        status=status,
        progress=1.0,
        reason=reason,
        lease_token=None,
        lease_expires_at=None,
        completed_at=utcnow(),
    )
    if done:
        session.merge(ReportRow(workspace_id=workspace_id, document_id=document_id, body=report))
    return done


def end(session: Session, token: str, status: Status, reason: str) -> bool:
    """End a document as failed or budget_exceeded, with its reason."""
    return _held(
        token, session, status=status, reason=reason, lease_token=None, lease_expires_at=None
    )


def delay(session: Session, token: str, reason: str, retry_s: float) -> bool:
    """Park a document until a model tier is back; the sweeper sends it again at retry_at."""
    return _held(
        token,
        session,
        status=Status.DELAYED,
        reason=reason,
        attempts=0,
        lease_token=None,
        lease_expires_at=None,
        retry_at=utcnow() + timedelta(seconds=retry_s),
    )


def release(session: Session, token: str, reason: str) -> bool:
    """Give a lease back after an unexpected error, so the sweeper retries it soon."""
    return _held(token, session, reason=reason, lease_expires_at=utcnow())
