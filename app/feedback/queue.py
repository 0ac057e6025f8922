"""The human review queue: the findings the policy routes to people, not yet reviewed.

Policy: every finding the validator flagged or the judge did not confirm (`incorrect`, or
`inconsistent` across the two statement orders), every one under the low-confidence threshold,
and a stable random sample of the rest (by a hash of document and finding, so the same
findings stay in the sample).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage.models import Document, Feedback, ReportRow

RECENT_DOCUMENTS = 200


@dataclass(frozen=True)
class QueueItem:
    document_id: str
    filename: str
    clause: dict[str, object]
    why: str


def _sampled(document_id: str, clause_id: str, rate: float) -> bool:
    digest = hashlib.sha256(f"{document_id}:{clause_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < rate


def why_reviewed(
    document_id: str, clause: dict[str, object], low_confidence: float, rate: float
) -> str | None:
    """Why the policy sends this finding to a person, or None."""
    checks = clause.get("checks")
    if isinstance(checks, dict) and checks.get("flagged") is True:
        return "flagged by the validator"
    if isinstance(checks, dict) and checks.get("judge") in ("incorrect", "inconsistent"):
        return f"judge: {checks['judge']}"
    confidence = clause.get("confidence")
    if isinstance(confidence, int | float) and confidence < low_confidence:
        return "low confidence"
    if _sampled(document_id, str(clause.get("id")), rate):
        return "random sample"
    return None


def pending(
    session: Session, workspace_id: str, low_confidence: float, rate: float
) -> list[QueueItem]:
    """Findings to review, newest documents first, without a verdict yet."""
    rows = session.execute(
        select(ReportRow, Document.filename)
        .join(
            Document,
            (Document.workspace_id == ReportRow.workspace_id)
            & (Document.id == ReportRow.document_id),
        )
        .where(ReportRow.workspace_id == workspace_id)
        .order_by(ReportRow.created_at.desc())
        .limit(RECENT_DOCUMENTS)
    ).all()
    reviewed = {
        (row.document_id, row.clause_id)
        for row in session.execute(
            select(Feedback.document_id, Feedback.clause_id).where(
                Feedback.workspace_id == workspace_id
            )
        )
    }
    items = []
    for report, filename in rows:
        clauses = report.body.get("clauses")
        for clause in clauses if isinstance(clauses, list) else []:
            if not isinstance(clause, dict) or (report.document_id, clause.get("id")) in reviewed:
                continue
            why = why_reviewed(report.document_id, clause, low_confidence, rate)
            if why is not None:
                items.append(QueueItem(report.document_id, filename, clause, why))
    return items
