"""Intake: check each upload before anything else, store it once, queue it durably."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import UploadSettings
from app.documents.processing_types import Enqueuer
from app.documents.status import Stage, Status
from app.errors import BadDocumentError, ConflictError, PayloadTooLargeError
from app.ingestion.pdf import document_id_for
from app.intake.archive import Refusal, Upload
from app.intake.sandbox import PdfFacts
from app.storage.db import SessionFactory, transaction
from app.storage.files import DocumentFiles
from app.storage.models import Batch, BatchItem, Document

log = logging.getLogger("lexcrew.intake")


class Prober(Protocol):
    """Checks PDF bytes in isolation (the sandbox)."""

    def probe(self, data: bytes) -> PdfFacts: ...


@dataclass(frozen=True)
class Accepted:
    """An upload that is (or already was) a document of the workspace."""

    name: str
    document_id: str
    status: str
    duplicate: bool


@dataclass(frozen=True)
class IntakeResult:
    """Per-file outcome of one request."""

    accepted: list[Accepted]
    refused: list[Refusal]
    batch_id: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class _Checked:
    upload: Upload
    sha256: str
    pages: int


def request_hash(uploads: list[Upload], ids: list[str], refused: list[Refusal]) -> str:
    """Return a fingerprint of a request's files (for Idempotency-Key checks)."""
    digest = hashlib.sha256()
    for upload, document_id in zip(uploads, ids, strict=True):
        digest.update(f"{upload.name}\0{document_id}\n".encode())
    for refusal in refused:
        digest.update(f"{refusal.name}\0refused\n".encode())
    return digest.hexdigest()


class Intake:
    """Takes uploads into a workspace: one document per distinct file, queued after commit."""

    def __init__(
        self,
        limits: UploadSettings,
        sessions: SessionFactory,
        files: DocumentFiles,
        prober: Prober,
        enqueuer: Enqueuer,
    ) -> None:
        self.limits = limits
        self.sessions = sessions
        self.files = files
        self.prober = prober
        self.enqueuer = enqueuer

    def take(
        self, workspace_id: str, uploads: list[Upload], refused: list[Refusal], priority: str
    ) -> IntakeResult:
        """Accept the good uploads as documents; report each bad one with its reason."""
        ids = [document_id_for(u.data) for u in uploads]
        checked, refused = self._check_all(uploads, ids, refused)
        with transaction(self.sessions) as session:
            accepted, new = self._store(session, workspace_id, checked, priority)
        self._send(workspace_id, new, priority)
        return IntakeResult(accepted, refused)

    def take_batch(
        self,
        workspace_id: str,
        uploads: list[Upload],
        refused: list[Refusal],
        idempotency_key: str | None,
    ) -> IntakeResult:
        """Accept a batch (bulk priority); the same Idempotency-Key returns the same batch."""
        # Each file is hashed once: its id serves the fingerprint and the document alike.
        ids = [document_id_for(u.data) for u in uploads]
        fingerprint = request_hash(uploads, ids, refused)
        if idempotency_key is not None:
            earlier = self._replay(workspace_id, idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        checked, refused = self._check_all(uploads, ids, refused)
        if not checked:
            # Nothing to review: no batch, and the caller answers with the refusals.
            return IntakeResult([], refused)
        batch_id = uuid.uuid4().hex
        try:
            with transaction(self.sessions) as session:
                session.add(
                    Batch(
                        id=batch_id,
                        workspace_id=workspace_id,
                        idempotency_key=idempotency_key,
                        request_hash=fingerprint,
                    )
                )
                session.flush()
                accepted, new = self._store(session, workspace_id, checked, "bulk")
                _items(session, batch_id, workspace_id, accepted, refused)
        except IntegrityError:
            # The same key posted twice at once: the other request won; answer as it did.
            earlier = (
                self._replay(workspace_id, idempotency_key, fingerprint)
                if idempotency_key is not None
                else None
            )
            if earlier is None:
                raise
            return earlier
        self._send(workspace_id, new, "bulk")
        log.info("intake.batch_accepted batch_id=%s accepted=%d", batch_id, len(accepted))
        return IntakeResult(accepted, refused, batch_id)

    def _check_all(
        self, uploads: list[Upload], ids: list[str], refused: list[Refusal]
    ) -> tuple[list[_Checked], list[Refusal]]:
        checked, refused = [], list(refused)
        for upload, document_id in zip(uploads, ids, strict=True):
            try:
                checked.append(self._check(upload, document_id))
            except BadDocumentError as exc:
                refused.append(Refusal(upload.name, exc.status_code, exc.reason))
        return checked, refused

    def _check(self, upload: Upload, document_id: str) -> _Checked:
        if len(upload.data) > self.limits.max_file_bytes:
            raise PayloadTooLargeError(
                f"file is larger than the limit of {self.limits.max_file_mb:g} MB"
            )
        facts = self.prober.probe(upload.data)
        return _Checked(upload, document_id, facts.pages)

    def _store(
        self, session: Session, workspace_id: str, checked: list[_Checked], priority: str
    ) -> tuple[list[Accepted], list[str]]:
        accepted: list[Accepted] = []
        new: list[str] = []
        for item in checked:
            self.files.save_pdf(workspace_id, item.sha256, item.upload.data, item.upload.name)
            doc = session.get(Document, (workspace_id, item.sha256))
            if doc is None and item.sha256 not in new:
                session.add(
                    Document(
                        workspace_id=workspace_id,
                        id=item.sha256,
                        filename=item.upload.name,
                        size_bytes=len(item.upload.data),
                        pages=item.pages,
                        status=Status.QUEUED,
                        priority=priority,
                    )
                )
                new.append(item.sha256)
                accepted.append(Accepted(item.upload.name, item.sha256, Status.QUEUED, False))
                continue
            status = doc.status if doc is not None else Status.QUEUED
            accepted.append(Accepted(item.upload.name, item.sha256, status, True))
        return accepted, new

    def _send(self, workspace_id: str, document_ids: list[str], priority: str) -> None:
        # After the commit: a lost send leaves a queued row that the sweeper sends again.
        for document_id in document_ids:
            self.enqueuer.send(Stage.INGEST, workspace_id, document_id, priority)

    def _replay(self, workspace_id: str, key: str, fingerprint: str) -> IntakeResult | None:
        with self.sessions() as session:
            batch = session.scalar(
                select(Batch).where(
                    Batch.workspace_id == workspace_id, Batch.idempotency_key == key
                )
            )
            if batch is None:
                return None
            if batch.request_hash != fingerprint:
                raise ConflictError("this Idempotency-Key was used for a different set of files")
            items = session.scalars(
                select(BatchItem).where(BatchItem.batch_id == batch.id).order_by(BatchItem.position)
            ).all()
            ids = [i.document_id for i in items if i.document_id]
            rows = session.execute(
                select(Document.id, Document.status).where(
                    Document.workspace_id == workspace_id, Document.id.in_(ids)
                )
            )
            statuses = {str(doc_id): str(status) for doc_id, status in rows}
        accepted = [
            Accepted(i.filename, i.document_id, statuses.get(i.document_id, "erased"), True)
            for i in items
            if i.document_id is not None
        ]
        refused = [
            Refusal(i.filename, i.status_code or 422, i.reason or "")
            for i in items
            if i.document_id is None
        ]
        return IntakeResult(accepted, refused, batch.id, replayed=True)


def _items(
    session: Session,
    batch_id: str,
    workspace_id: str,
    accepted: list[Accepted],
    refused: list[Refusal],
) -> None:
    rows: list[tuple[str, str | None, int | None, str | None]]
    rows = [(a.name, a.document_id, None, None) for a in accepted]
    rows += [(r.name, None, r.status_code, r.reason) for r in refused]
    for position, (name, document_id, code, reason) in enumerate(rows):
        session.add(
            BatchItem(
                batch_id=batch_id,
                position=position,
                workspace_id=workspace_id,
                filename=name,
                document_id=document_id,
                status_code=code,
                reason=reason,
            )
        )
