"""Feedback on findings (`/documents/{id}/findings/{clause}/feedback`) and its export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from app.api.deps import ResourcesDep, SessionDep, WorkspaceDep
from app.api.schemas import Problem
from app.documents import queries
from app.feedback.service import FeedbackService, Verdict, latest, training_rows
from app.storage.models import Feedback

router = APIRouter(prefix="/api/v1", tags=["feedback"])
ERRORS: dict[int | str, dict[str, object]] = {401: {"model": Problem}, 404: {"model": Problem}}


class FeedbackIn(BaseModel):
    """A verdict; `correct` takes the right span text (copied from the page), value, or both."""

    action: Literal["accept", "correct", "reject"]
    text: str | None = Field(default=None, max_length=20_000)
    value: str | None = Field(default=None, max_length=500)


class FeedbackOut(BaseModel):
    clause_id: str
    category: str
    action: str
    text: str | None
    start: int | None
    end: int | None
    value: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: Feedback) -> FeedbackOut:
        return cls(
            clause_id=row.clause_id, category=row.category, action=row.action, text=row.text,
            start=row.start, end=row.end, value=row.value, created_at=row.created_at,
        )  # fmt: skip


@router.post(
    "/documents/{document_id}/findings/{clause_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackOut,
    responses={**ERRORS, 422: {"model": Problem}},
)
def give_feedback(
    resources: ResourcesDep,
    workspace: WorkspaceDep,
    document_id: str,
    clause_id: str,
    body: FeedbackIn,
) -> FeedbackOut:
    """Accept, correct or reject one finding; the latest verdict is the one that counts."""
    service = FeedbackService(resources.sessions, resources.files)
    verdict = Verdict(body.action, body.text, body.value)
    return FeedbackOut.of(service.record(workspace.id, document_id, clause_id, verdict))


@router.get("/documents/{document_id}/feedback", response_model=list[FeedbackOut], responses=ERRORS)
def document_feedback(
    session: SessionDep, workspace: WorkspaceDep, document_id: str
) -> list[FeedbackOut]:
    """The latest verdict on each finding of a document."""
    queries.get_document(session, workspace.id, document_id)
    return [FeedbackOut.of(r) for r in latest(session, workspace.id, document_id).values()]


@router.get(
    "/feedback/export",
    responses={401: {"model": Problem}, 200: {"content": {"application/x-ndjson": {}}}},
)
def export_feedback(session: SessionDep, workspace: WorkspaceDep) -> StreamingResponse:
    """Every reviewed finding as JSON lines (prediction and label): training data."""
    rows = list(training_rows(session, workspace.id))

    def lines() -> Iterator[str]:
        for row in rows:
            yield json.dumps(row) + "\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'},
    )
