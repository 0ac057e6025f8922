"""Feedback on findings: accept, correct (the span or the value) or reject; the latest counts.

A corrected span must be text of the document: it is located in the extracted text (nearest to
the finding's own place), so a correction is as verifiable as a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents.queries import get_report
from app.errors import InvalidRequestError, NotFoundError
from app.storage.db import SessionFactory, transaction
from app.storage.files import DocumentFiles
from app.storage.models import Feedback, ReportRow

Action = Literal["accept", "correct", "reject"]


@dataclass(frozen=True)
class Verdict:
    """What a reviewer said about one finding."""

    action: Action
    text: str | None = None
    value: str | None = None


def _clause(report: dict[str, object], clause_id: str) -> dict[str, object]:
    clauses = report.get("clauses")
    for clause in clauses if isinstance(clauses, list) else []:
        if isinstance(clause, dict) and clause.get("id") == clause_id:
            return clause
    raise NotFoundError(f"no finding '{clause_id}' in this document")


def _locate(text: str, wanted: str, near: int) -> tuple[int, int]:
    """Offsets of `wanted` in the document (whitespace-insensitive), nearest to `near`."""
    words = wanted.split()
    if not words:
        raise InvalidRequestError("the corrected text is empty")
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    found = [(abs(m.start() - near), m.start(), m.end()) for m in pattern.finditer(text)]
    if not found:
        raise InvalidRequestError("the corrected text is not in the document: copy it from a page")
    _distance, start, end = min(found)
    return start, end


class FeedbackService:
    """Stores verdicts, scoped to the workspace like every other read and write."""

    def __init__(self, sessions: SessionFactory, files: DocumentFiles) -> None:
        self.sessions = sessions
        self.files = files

    def record(
        self, workspace_id: str, document_id: str, clause_id: str, verdict: Verdict
    ) -> Feedback:
        """Keep one verdict; a correction needs a new span text, a new value, or both."""
        with self.sessions() as session:
            clause = _clause(get_report(session, workspace_id, document_id), clause_id)
        row = Feedback(
            workspace_id=workspace_id,
            document_id=document_id,
            clause_id=clause_id,
            category=str(clause["category"]),
            action=verdict.action,
        )
        if verdict.action == "correct":
            if not (verdict.text or verdict.value):
                raise InvalidRequestError("a correction needs the right text, value, or both")
            if verdict.text:
                doc = self.files.load_text(workspace_id, document_id)
                if doc is None:
                    raise NotFoundError("this document's text is gone")
                start = clause.get("start")
                row.start, row.end = _locate(
                    doc.text, verdict.text, start if isinstance(start, int) else 0
                )
                row.text = doc.text[row.start : row.end]
            row.value = verdict.value.strip() if verdict.value else None
        with transaction(self.sessions) as session:
            session.add(row)
        return row


def latest(session: Session, workspace_id: str, document_id: str) -> dict[str, Feedback]:
    """The last verdict per finding of a document."""
    rows = session.scalars(
        select(Feedback)
        .where(Feedback.workspace_id == workspace_id, Feedback.document_id == document_id)
        .order_by(Feedback.id)
    )
    return {row.clause_id: row for row in rows}


def training_rows(session: Session, workspace_id: str) -> Iterator[dict[str, object]]:
    """Every finding's last verdict with the finding itself: what a fine-tune learns from."""
    rows = session.scalars(
        select(Feedback).where(Feedback.workspace_id == workspace_id).order_by(Feedback.id)
    )
    last: dict[tuple[str, str], Feedback] = {}
    for row in rows:
        last[(row.document_id, row.clause_id)] = row
    reports: dict[str, dict[str, object]] = {}
    for (document_id, clause_id), row in sorted(last.items()):
        if document_id not in reports:
            found = session.get(ReportRow, (workspace_id, document_id))
            reports[document_id] = dict(found.body) if found is not None else {}
        try:
            clause = _clause(reports[document_id], clause_id)
        except NotFoundError:
            continue
        yield {
            "document_id": document_id,
            "clause_id": clause_id,
            "category": row.category,
            "action": row.action,
            "predicted": {k: clause.get(k) for k in ("text", "start", "end", "normalized")},
            "label": None
            if row.action == "reject"
            else {
                "text": row.text if row.text is not None else clause.get("text"),
                "start": row.start if row.start is not None else clause.get("start"),
                "end": row.end if row.end is not None else clause.get("end"),
                "value": row.value if row.value is not None else clause.get("normalized"),
            },
            "at": row.created_at.isoformat(),
        }
