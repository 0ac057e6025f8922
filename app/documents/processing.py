"""What the worker tasks do: claim a document, run one stage, record the outcome."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from app.config import WorkerSettings
from app.documents import lifecycle
from app.documents.erasure import purge_everywhere
from app.documents.processing_types import Enqueuer
from app.documents.status import Stage, Status
from app.errors import BadDocumentError, ModelUnavailableError
from app.observability import metrics, tracing
from app.observability.logs import with_document_ids
from app.review.service import Progress, Requester, ReviewService, describe_outcome
from app.storage.db import SessionFactory, transaction
from app.storage.models import BatchItem, Document, Workspace, utcnow
from app.vectorstore.protocol import VectorStore

log = logging.getLogger("lexcrew.documents")

# Progress a client sees at each point of the review stage (ingest ends at 0.4).
_PROGRESS = {"reviewing": 0.45, "crew": 0.6}


@dataclass(frozen=True)
class Lease:
    """A claimed document."""

    workspace_id: str
    document_id: str
    token: str


class DocumentProcessor:
    """Runs the ingest and review stages of stored documents, exactly once each."""

    def __init__(
        self,
        config: WorkerSettings,
        sessions: SessionFactory,
        service: ReviewService,
        store: VectorStore,
        enqueuer: Enqueuer,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.service = service
        self.store = store
        self.enqueuer = enqueuer

    def close(self) -> None:
        """Stop child processes and release the vector store."""
        self.service.close()
        self.store.close()

    @with_document_ids
    def ingest(self, workspace_id: str, document_id: str) -> None:
        """Parse, chunk, embed and index a queued document, then send it to review."""
        lease = self._claim(workspace_id, document_id, Stage.INGEST)
        if lease is None:
            return
        stored = self.service.parts.files.load_pdf(workspace_id, document_id)
        if stored is None:
            self._end(lease, Status.FAILED, "the stored file is missing")
            return
        root = self._root(lease)
        with self._guard(lease, Stage.INGEST):
            try:
                with tracing.active(root), tracing.span("ingest"):
                    ingested = self.service.ingest(stored[0], stored[1], workspace_id)
            except BadDocumentError as exc:
                tracing.finish(root, f"BadDocumentError: {exc.reason}")
                self._end(lease, Status.FAILED, exc.reason)
                return
            with transaction(self.sessions) as session:
                handed_over = lifecycle.finish_ingest(
                    session, lease.token, len(ingested.text.pages)
                )
            if not handed_over:
                self._lost(lease)
                return
            priority = self._priority(lease)
            self.enqueuer.send(Stage.REVIEW, workspace_id, document_id, priority)
            log.info("documents.ingested document_id=%s", document_id)

    @with_document_ids
    def review(self, workspace_id: str, document_id: str) -> None:
        """Review an ingested document and store its one report."""
        lease = self._claim(workspace_id, document_id, Stage.REVIEW)
        if lease is None:
            return
        text = self.service.parts.files.load_text(workspace_id, document_id)
        if text is None:
            self._end(lease, Status.FAILED, "the document's text is missing; upload it again")
            return
        who = self._requester(lease)
        root = self._root(lease, who)
        with self._guard(lease, Stage.REVIEW):
            try:
                with tracing.active(root):
                    report = self.service.review_text(text, progress=self._progress(lease), who=who)
            except ModelUnavailableError as exc:
                # Not an outcome yet: the root span is recorded when the retry finishes.
                with transaction(self.sessions) as session:
                    lifecycle.delay(session, lease.token, exc.reason, self.config.delayed_retry_s)
                metrics.DOCUMENTS_FINISHED.labels(Status.DELAYED.value).inc()
                log.warning("documents.delayed document_id=%s", document_id)
                return
            body = report.model_dump(mode="json")
            status, reason = Status.COMPLETED, None
            if report.status == "budget_exceeded":
                status = Status.BUDGET_EXCEEDED
                reason = report.summary.memo.split("\n", 1)[0]
            with transaction(self.sessions) as session:
                done = lifecycle.complete(
                    session, lease.token, workspace_id, document_id, body, status, reason
                )
            if not done:
                self._lost(lease)
                return
            describe_outcome(root, report)
            tracing.finish(root)
            metrics.DOCUMENTS_FINISHED.labels(status.value).inc()
            log.info(
                "documents.completed document_id=%s clauses=%d", document_id, len(report.clauses)
            )

    @with_document_ids
    def purge(self, workspace_id: str, document_id: str) -> None:
        """Finish an erasure in the places only a worker reaches."""
        purge_everywhere(
            self.sessions,
            self.service.parts.files,
            self.store,
            workspace_id,
            document_id,
            self.service.parts.gateway.cache.forget_document,
        )

    def _claim(self, workspace_id: str, document_id: str, stage: Stage) -> Lease | None:
        with transaction(self.sessions) as session:
            token = lifecycle.claim(
                session,
                workspace_id,
                document_id,
                stage,
                self.config.lease_s,
                self.config.max_attempts,
            )
        if token is None:
            # Someone else holds it, it is done, erased, or out of attempts: nothing to do.
            log.info("documents.skipped stage=%s document_id=%s", stage, document_id)
            return None
        return Lease(workspace_id, document_id, token)

    def _end(self, lease: Lease, status: Status, reason: str) -> None:
        with transaction(self.sessions) as session:
            lifecycle.end(session, lease.token, status, reason)
        metrics.DOCUMENTS_FINISHED.labels(status.value).inc()
        log.warning("documents.failed document_id=%s reason=%s", lease.document_id, reason)

    def _lost(self, lease: Lease) -> None:
        # The row was erased (or taken over) while we worked: leave no trace of our work if
        # the document is gone.
        log.info("documents.lease_lost document_id=%s", lease.document_id)
        with self.sessions() as session:
            gone = session.get(Document, (lease.workspace_id, lease.document_id)) is None
        if gone:
            self.purge(lease.workspace_id, lease.document_id)

    def _requester(self, lease: Lease) -> Requester:
        with self.sessions() as session:
            workspace = session.get(Workspace, lease.workspace_id)
            batch_id = session.scalar(
                select(BatchItem.batch_id)
                .where(
                    BatchItem.workspace_id == lease.workspace_id,
                    BatchItem.document_id == lease.document_id,
                )
                .order_by(BatchItem.batch_id.desc())
                .limit(1)
            )
        local_only = True if workspace is None else workspace.local_only
        content = False if workspace is None else workspace.trace_content
        return Requester(lease.workspace_id, local_only, batch_id, content)

    def _root(self, lease: Lease, who: Requester | None = None) -> tracing.Span:
        """The document's trace root: the same ids in the ingest and the review process, from
        the upload to the report."""
        who = who or self._requester(lease)
        with self.sessions() as session:
            doc = session.get(Document, (lease.workspace_id, lease.document_id))
            created = doc.created_at if doc is not None else utcnow()
        root = tracing.root_span(
            "review",
            lease.workspace_id,
            lease.document_id,
            who.trace_content,
            start=created,
            trace_id=tracing.document_trace_id(lease.workspace_id, lease.document_id, created),
        )
        root.attributes.update(tracing.ids_of(root, who.batch_id))
        return root

    def _priority(self, lease: Lease) -> str:
        with self.sessions() as session:
            doc = session.get(Document, (lease.workspace_id, lease.document_id))
            return doc.priority if doc is not None else "interactive"

    def _progress(self, lease: Lease) -> Progress:
        def say(stage: str) -> None:
            value = _PROGRESS.get(stage)
            if value is not None:
                with transaction(self.sessions) as session:
                    lifecycle.heartbeat(session, lease.token, self.config.lease_s, value)

        return say

    @contextmanager
    def _guard(self, lease: Lease, stage: Stage) -> Iterator[None]:
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(lease, stop), daemon=True)
        beat.start()
        try:
            yield
        except Exception as exc:
            # An unexpected error: give the lease back so the sweeper retries it; the attempt
            # limit turns a document that always fails into a `failed` one.
            with transaction(self.sessions) as session:
                lifecycle.release(session, lease.token, f"{stage} error: {type(exc).__name__}")
            raise
        finally:
            stop.set()
            beat.join()

    def _beat(self, lease: Lease, stop: threading.Event) -> None:
        while not stop.wait(self.config.heartbeat_s):
            with transaction(self.sessions) as session:
                if not lifecycle.heartbeat(session, lease.token, self.config.lease_s):
                    return
