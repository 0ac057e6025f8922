"""Feedback on SQLite with real files, and the review-queue policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import InvalidRequestError, NotFoundError
from app.feedback.queue import pending, why_reviewed
from app.feedback.service import FeedbackService, Verdict, latest, training_rows
from app.ingestion.types import ExtractedText, PageSpan
from app.storage.db import SessionFactory, transaction
from app.storage.files import DocumentFiles
from app.storage.models import Document, Feedback, ReportRow, Workspace
from tests.support.gateway import open_sessions

TEXT = "The Agreement is governed by the laws of New York.\nTerm: five years from signing."


def _clause(cid: str, text: str, confidence: float, flagged: bool = False) -> dict[str, object]:
    start = TEXT.index(text)
    return {
        "id": cid, "category": "Governing Law", "text": text, "page": 1, "start": start,
        "end": start + len(text), "normalized": "New York", "confidence": confidence,
        "tier": "self_hosted", "escalated": False, "checks": {"flagged": flagged} if flagged
        else {}, "risk": {"severity": "low", "reason": "r"},
    }  # fmt: skip


@pytest.fixture
def stored(tmp_path: Path) -> tuple[SessionFactory, DocumentFiles]:
    sessions = open_sessions(tmp_path)
    files = DocumentFiles(tmp_path / "documents")
    clauses = [
        _clause("c1", "governed by the laws of New York", 0.9),
        _clause("c2", "Term: five years", 0.2),
        _clause("c3", "The Agreement", 0.95, flagged=True),
    ]
    with transaction(sessions) as session:
        session.add(Workspace(id="ws", name="ws"))
        session.flush()
        session.add(Document(workspace_id="ws", id="d1", filename="c.pdf", size_bytes=1,
                             status="completed"))  # fmt: skip
        session.flush()
        session.add(ReportRow(workspace_id="ws", document_id="d1", body={"clauses": clauses}))
    pages = (PageSpan(number=1, start=0, end=len(TEXT)),)
    files.save_text("ws", ExtractedText(document_id="d1", filename="c.pdf", text=TEXT, pages=pages))
    return sessions, files


def test_a_correction_is_located_in_the_text_and_the_latest_verdict_counts(
    stored: tuple[SessionFactory, DocumentFiles],
) -> None:
    sessions, files = stored
    service = FeedbackService(sessions, files)
    service.record("ws", "d1", "c1", Verdict("reject"))
    row = service.record(
        "ws", "d1", "c1", Verdict("correct", text="laws of  New\nYork", value="NY")
    )
    assert TEXT[row.start : row.end] == row.text == "laws of New York"
    with sessions() as session:
        assert latest(session, "ws", "d1")["c1"].action == "correct"
        [exported] = list(training_rows(session, "ws"))
    assert exported["label"] == {"text": "laws of New York", "start": row.start, "end": row.end,
                                 "value": "NY"}  # fmt: skip


def test_bad_feedback_is_refused(stored: tuple[SessionFactory, DocumentFiles]) -> None:
    service = FeedbackService(*stored)
    with pytest.raises(InvalidRequestError, match="not in the document"):
        service.record("ws", "d1", "c1", Verdict("correct", text="laws of Texas"))
    with pytest.raises(InvalidRequestError):
        service.record("ws", "d1", "c1", Verdict("correct"))
    with pytest.raises(NotFoundError):
        service.record("ws", "d1", "c9", Verdict("accept"))
    with pytest.raises(NotFoundError):  # another workspace's document looks missing
        service.record("other", "d1", "c1", Verdict("accept"))
    with stored[0]() as session:
        assert session.scalars(select(Feedback)).all() == []


def test_the_queue_holds_flagged_low_confidence_and_sampled_findings_until_reviewed(
    stored: tuple[SessionFactory, DocumentFiles],
) -> None:
    sessions, files = stored
    with sessions() as session:
        items = pending(session, "ws", low_confidence=0.5, rate=0.0)
    assert {(i.clause["id"], i.why) for i in items} == {
        ("c2", "low confidence"),
        ("c3", "flagged by the validator"),
    }
    FeedbackService(sessions, files).record("ws", "d1", "c2", Verdict("accept"))
    with sessions() as session:
        assert [i.clause["id"] for i in pending(session, "ws", 0.5, 0.0)] == ["c3"]
        assert len(pending(session, "ws", 0.5, 1.0)) == 2  # c1 joins as a sample, c2 is done
    assert why_reviewed("d1", _clause("c1", "The Agreement", 0.9), 0.5, 0.0) is None


def test_feedback_export_writes_one_workspace_unless_told_otherwise(
    stored: tuple[SessionFactory, DocumentFiles], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli.main import app

    sessions, files = stored
    FeedbackService(sessions, files).record("ws", "d1", "c1", Verdict("accept"))
    FeedbackService(sessions, files).record("ws", "d1", "c2", Verdict("reject"))
    monkeypatch.setenv("LEXCREW_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    refused = runner.invoke(app, ["feedback", "export"])
    assert refused.exit_code == 2 and "--all-workspaces" in refused.output
    out = tmp_path / "train" / "feedback.jsonl"
    done = runner.invoke(app, ["feedback", "export", "--workspace", "ws", "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["workspace"], r["clause_id"], r["action"]) for r in rows] == [
        ("ws", "c1", "accept"),
        ("ws", "c2", "reject"),
    ]
    assert rows[0]["label"]["text"] == "governed by the laws of New York"
    assert rows[1]["label"] is None
    unknown = runner.invoke(app, ["feedback", "export", "--workspace", "nobody"])
    assert unknown.exit_code == 2 and "no workspace named nobody" in unknown.output
