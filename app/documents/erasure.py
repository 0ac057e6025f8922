"""Erasure: a deleted document leaves nothing behind, in any store."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import delete, update

from app.documents.processing_types import Enqueuer
from app.errors import NotFoundError
from app.storage.db import SessionFactory, transaction
from app.storage.files import DocumentFiles
from app.storage.models import (
    BatchItem,
    CacheEntry,
    Document,
    Feedback,
    ModelCall,
    Purge,
    RedactionAudit,
    ReportRow,
    TraceSpan,
)
from app.vectorstore.protocol import VectorStore

log = logging.getLogger("lexcrew.documents")


def erase(
    sessions: SessionFactory,
    files: DocumentFiles,
    enqueuer: Enqueuer,
    workspace_id: str,
    document_id: str,
) -> None:
    """Delete a document's rows and files now; vectors follow through a durable purge task."""
    with transaction(sessions) as session:
        doc = session.get(Document, (workspace_id, document_id))
        if doc is None:
            raise NotFoundError("no such document")
        session.execute(
            delete(ReportRow).where(
                ReportRow.workspace_id == workspace_id, ReportRow.document_id == document_id
            )
        )
        # Batches keep their counts, not the erased file's name.
        session.execute(
            update(BatchItem)
            .where(BatchItem.workspace_id == workspace_id, BatchItem.document_id == document_id)
            .values(document_id=None, filename="(erased)", status_code=410, reason="erased")
        )
        session.delete(doc)
        # Cached answers are contract text; ledger rows keep the spend but lose the id.
        session.execute(
            delete(Feedback).where(
                Feedback.workspace_id == workspace_id, Feedback.document_id == document_id
            )
        )
        for owned in (CacheEntry, TraceSpan):  # spans hold text when the workspace allowed it
            session.execute(
                delete(owned).where(
                    owned.workspace_id == workspace_id, owned.document_id == document_id
                )
            )
        for table in (ModelCall, RedactionAudit):
            session.execute(
                update(table)
                .where(table.workspace_id == workspace_id, table.document_id == document_id)
                .values(document_id=None)
            )
        session.merge(Purge(workspace_id=workspace_id, document_id=document_id))
    files.erase(workspace_id, document_id)
    enqueuer.purge(workspace_id, document_id)
    log.info("documents.erased document_id=%s", document_id)


def purge_everywhere(
    sessions: SessionFactory,
    files: DocumentFiles,
    store: VectorStore,
    workspace_id: str,
    document_id: str,
    forget_cached: Callable[[str, str], None] | None = None,
) -> None:
    """Remove an erased document's vectors, cache entries and files; a document uploaded again
    is kept."""
    with sessions() as session:
        back = session.get(Document, (workspace_id, document_id)) is not None
    if not back:
        store.delete_document(workspace_id, document_id)
        if forget_cached is not None:
            forget_cached(workspace_id, document_id)
        files.erase(workspace_id, document_id)
    with transaction(sessions) as session:
        if not back:  # spans a review in flight recorded after the erasure
            session.execute(
                delete(TraceSpan).where(
                    TraceSpan.workspace_id == workspace_id, TraceSpan.document_id == document_id
                )
            )
        session.execute(
            delete(Purge).where(
                Purge.workspace_id == workspace_id, Purge.document_id == document_id
            )
        )
    log.info("documents.purged document_id=%s", document_id)
