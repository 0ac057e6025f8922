"""What the API returns: documented response models, built from rows, never raw rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.documents.queries import BatchItemView, BatchProgress
from app.intake.archive import Refusal
from app.intake.service import Accepted
from app.storage.models import Document


class DocumentOut(BaseModel):
    """A document and where it is in its review."""

    id: str = Field(description="SHA-256 of the file's bytes.")
    filename: str
    status: str = Field(
        description="queued, ingesting, reviewing, completed, failed, budget_exceeded or delayed"
    )
    reason: str | None = Field(description="Why it is not completed, when there is a reason.")
    progress: float = Field(ge=0.0, le=1.0)
    pages: int | None
    size_bytes: int
    priority: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, doc: Document) -> DocumentOut:
        """Build the response from a row."""
        return cls(
            id=doc.id,
            filename=doc.filename,
            status=doc.status,
            reason=doc.reason,
            progress=round(doc.progress, 4),
            pages=doc.pages,
            size_bytes=doc.size_bytes,
            priority=doc.priority,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            completed_at=doc.completed_at,
        )


class DocumentList(BaseModel):
    """A page of documents."""

    documents: list[DocumentOut]
    total: int
    limit: int
    offset: int


class AcceptedOut(BaseModel):
    """An upload that became (or already was) a document."""

    filename: str
    id: str
    status: str
    duplicate: bool

    @classmethod
    def of(cls, item: Accepted) -> AcceptedOut:
        """Build the response from an intake result."""
        return cls(
            filename=item.name, id=item.document_id, status=item.status, duplicate=item.duplicate
        )


class RefusedOut(BaseModel):
    """An upload that was refused, with the HTTP status it would get alone and why."""

    filename: str
    status_code: int
    reason: str

    @classmethod
    def of(cls, item: Refusal) -> RefusedOut:
        """Build the response from an intake refusal."""
        return cls(filename=item.name, status_code=item.status_code, reason=item.reason)


class UploadOut(BaseModel):
    """The outcome of each file of an upload."""

    documents: list[AcceptedOut]
    refused: list[RefusedOut]
    detail: str | None = Field(default=None, description="Set when no file was accepted.")


class BatchOut(BaseModel):
    """A batch: counts per status and overall progress."""

    id: str
    created_at: datetime
    total: int
    done: int
    progress: float = Field(ge=0.0, le=1.0)
    counts: dict[str, int] = Field(
        description="Files per status; refused files count as 'refused'."
    )
    documents: list[AcceptedOut] = Field(default_factory=list)
    refused: list[RefusedOut] = Field(default_factory=list)

    @classmethod
    def of(
        cls,
        batch_id: str,
        created_at: datetime,
        items: list[BatchItemView],
        progress: BatchProgress,
    ) -> BatchOut:
        """Build the response from a batch's items."""
        return cls(
            id=batch_id,
            created_at=created_at,
            total=progress.total,
            done=progress.done,
            progress=progress.progress,
            counts=progress.counts,
            documents=[
                AcceptedOut(
                    filename=i.filename, id=i.document.id, status=i.document.status, duplicate=False
                )
                for i in items
                if i.document is not None
            ],
            refused=[
                RefusedOut(
                    filename=i.filename, status_code=i.status_code or 422, reason=i.reason or ""
                )
                for i in items
                if i.document is None
            ],
        )


class PageOut(BaseModel):
    """Where a page sits in the document text."""

    number: int
    start: int
    end: int


class TextOut(BaseModel):
    """The extracted text that every finding's start/end index into."""

    id: str
    text: str
    pages: list[PageOut]


class Problem(BaseModel):
    """An error: one line fit for a user."""

    detail: str
