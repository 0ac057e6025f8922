"""Leases, the sweeper and the attempt limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from app.config import WorkerSettings
from app.documents import lifecycle
from app.documents.status import Stage, Status
from app.documents.sweeper import Sweeper
from app.storage.db import SessionFactory, transaction
from app.storage.models import Document, ReportRow, Workspace
from tests.support.fakes import RecordingEnqueuer

DOC = "d" * 64


def _queued(sessions: SessionFactory, workspace: str = "ws1") -> None:
    with transaction(sessions) as session:
        if session.get(Workspace, workspace) is None:
            session.add(Workspace(id=workspace, name=workspace))
            session.flush()
        session.add(
            Document(
                workspace_id=workspace,
                id=DOC,
                filename="a.pdf",
                size_bytes=10,
                status=Status.QUEUED,
            )
        )


def _claim(sessions: SessionFactory, stage: Stage, lease_s: float = 60.0) -> str | None:
    with transaction(sessions) as session:
        return lifecycle.claim(session, "ws1", DOC, stage, lease_s, max_attempts=3)


def _doc(sessions: SessionFactory) -> Document:
    with sessions() as session:
        doc = session.get(Document, ("ws1", DOC))
        assert doc is not None
        return doc


def test_only_one_worker_can_claim_a_document(sessions: SessionFactory) -> None:
    _queued(sessions)
    first = _claim(sessions, Stage.INGEST)
    second = _claim(sessions, Stage.INGEST)
    assert first is not None
    assert second is None
    assert _doc(sessions).status == Status.INGESTING


def test_a_document_gets_exactly_one_report(sessions: SessionFactory) -> None:
    _queued(sessions)
    ingest = _claim(sessions, Stage.INGEST)
    assert ingest is not None
    with transaction(sessions) as session:
        assert lifecycle.finish_ingest(session, ingest, pages=3)
    review = _claim(sessions, Stage.REVIEW, lease_s=0.0)
    assert review is not None
    time.sleep(0.01)
    # The lease ran out; a second delivery takes over, and the first holder can no longer write.
    takeover = _claim(sessions, Stage.REVIEW)
    assert takeover is not None
    with transaction(sessions) as session:
        assert not lifecycle.complete(session, review, "ws1", DOC, {"from": "first"})
    with transaction(sessions) as session:
        assert lifecycle.complete(session, takeover, "ws1", DOC, {"from": "second"})
    with sessions() as session:
        reports = session.query(ReportRow).all()
    assert [r.body for r in reports] == [{"from": "second"}]
    assert _doc(sessions).status == Status.COMPLETED


def test_sweeper_resends_a_stuck_document_then_gives_up(sessions: SessionFactory) -> None:
    _queued(sessions)
    enqueuer = RecordingEnqueuer()
    sweeper = Sweeper(sessions, WorkerSettings(max_attempts=3), enqueuer)
    for attempt in range(3):
        assert _claim(sessions, Stage.INGEST, lease_s=0.0) is not None, attempt
        time.sleep(0.01)
        sweeper.run()
    # Three leases ran out (three dead workers): the third sweep fails the document.
    assert len(enqueuer.sent) == 2
    assert {s[0] for s in enqueuer.sent} == {"ingest"}
    doc = _doc(sessions)
    assert doc.status == Status.FAILED
    assert doc.reason is not None and "gave up after 3 attempts at ingest" in doc.reason
    assert _claim(sessions, Stage.INGEST) is None


def test_sweeper_resends_a_lost_queued_message(sessions: SessionFactory) -> None:
    _queued(sessions)
    enqueuer = RecordingEnqueuer()
    Sweeper(sessions, WorkerSettings(queued_timeout_s=3600), enqueuer).run()
    assert enqueuer.sent == []
    Sweeper(sessions, WorkerSettings(queued_timeout_s=0), enqueuer).run()
    assert enqueuer.sent == [("ingest", "ws1", DOC, "interactive")]


def test_delayed_document_is_resent_when_due(sessions: SessionFactory) -> None:
    _queued(sessions)
    token = _claim(sessions, Stage.INGEST)
    assert token is not None
    with transaction(sessions) as session:
        lifecycle.finish_ingest(session, token, pages=1)
    review = _claim(sessions, Stage.REVIEW)
    assert review is not None
    with transaction(sessions) as session:
        assert lifecycle.delay(session, review, "every model tier is down", retry_s=0.0)
    doc = _doc(sessions)
    assert (doc.status, doc.reason) == (Status.DELAYED, "every model tier is down")
    enqueuer = RecordingEnqueuer()
    time.sleep(0.01)
    Sweeper(sessions, WorkerSettings(), enqueuer).run()
    assert enqueuer.sent == [("review", "ws1", DOC, "interactive")]
    assert _claim(sessions, Stage.REVIEW) is not None
    assert _doc(sessions).status == Status.REVIEWING
