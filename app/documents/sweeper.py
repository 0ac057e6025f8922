"""The sweeper: durability comes from the database, not the broker.

A message can be lost (a filesystem queue hands it over before the task runs, a Redis without
persistence restarts) and a worker can die mid-task. Every `sweep_interval_s` the sweeper finds
documents nobody is working on and sends their task again; a document whose attempts ran out
fails with a reason instead of looping forever.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from app.config import WorkerSettings
from app.documents.processing_types import Enqueuer
from app.documents.status import Stage, Status
from app.storage.db import SessionFactory, transaction
from app.storage.models import Document, Purge, utcnow

log = logging.getLogger("lexcrew.documents")


@dataclass(frozen=True)
class Resend:
    """A task to send again."""

    stage: Stage
    workspace_id: str
    document_id: str
    priority: str


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found."""

    resend: list[Resend]
    gave_up: list[tuple[str, str]]
    purges: list[tuple[str, str]]


def _stage_of(status: str) -> Stage:
    return Stage.INGEST if status in (Status.QUEUED, Status.INGESTING) else Stage.REVIEW


def sweep(session: Session, config: WorkerSettings) -> SweepResult:
    """Find lost, stuck and due documents; fail the ones out of attempts."""
    now = utcnow()
    quiet_since = now - timedelta(seconds=config.queued_timeout_s)
    waiting = and_(
        Document.status.in_([Status.QUEUED, Status.INGESTING, Status.REVIEWING]),
        Document.lease_token.is_(None),
        Document.updated_at < quiet_since,
    )
    expired = and_(
        Document.status.in_([Status.INGESTING, Status.REVIEWING]),
        Document.lease_token.is_not(None),
        Document.lease_expires_at < now,
    )
    due = and_(Document.status == Status.DELAYED, Document.retry_at <= now)
    rows = session.execute(select(Document).where(or_(waiting, expired, due)).limit(1000)).scalars()
    resend, gave_up = [], []
    for doc in rows:
        key = (doc.workspace_id, doc.id)
        if doc.attempts >= config.max_attempts:
            _give_up(session, doc, config.max_attempts)
            gave_up.append(key)
            continue
        # Touch the row so the next sweep does not send it again before a worker sees it.
        touch: dict[str, object] = {"updated_at": now, "lease_token": None}
        if doc.status == Status.DELAYED:
            touch["retry_at"] = now + timedelta(seconds=config.delayed_retry_s)
        session.execute(
            update(Document)
            .where(Document.workspace_id == doc.workspace_id, Document.id == doc.id)
            .where(Document.status == doc.status, Document.updated_at == doc.updated_at)
            .values(lease_expires_at=None, **touch)
        )
        resend.append(Resend(_stage_of(doc.status), doc.workspace_id, doc.id, doc.priority))
    purges = [(p.workspace_id, p.document_id) for p in session.scalars(select(Purge)).all()]
    return SweepResult(resend, gave_up, purges)


def _give_up(session: Session, doc: Document, max_attempts: int) -> None:
    stage = "ingest" if doc.status == Status.INGESTING else "review"
    session.execute(
        update(Document)
        .where(Document.workspace_id == doc.workspace_id, Document.id == doc.id)
        .where(Document.status == doc.status, Document.attempts >= max_attempts)
        .values(
            status=Status.FAILED,
            reason=(
                f"gave up after {doc.attempts} attempts at {stage}: the worker stopped or "
                f"failed each time{f' ({doc.reason})' if doc.reason else ''}"
            ),
            lease_token=None,
            lease_expires_at=None,
            updated_at=utcnow(),
        )
    )


class Sweeper:
    """Runs a sweep and sends what it found (after the commit)."""

    def __init__(self, sessions: SessionFactory, config: WorkerSettings, enqueuer: Enqueuer):
        self.sessions = sessions
        self.config = config
        self.enqueuer = enqueuer

    def run(self) -> SweepResult:
        """Sweep once; log what was resent and what was given up."""
        with transaction(self.sessions) as session:
            result = sweep(session, self.config)
        for item in result.resend:
            self.enqueuer.send(item.stage, item.workspace_id, item.document_id, item.priority)
        for workspace_id, document_id in result.purges:
            self.enqueuer.purge(workspace_id, document_id)
        if result.resend or result.gave_up:
            log.warning(
                "documents.swept resent=%d gave_up=%d", len(result.resend), len(result.gave_up)
            )
        return result
