"""Review tasks: ids in, report stored under the data dir, nothing else."""

from __future__ import annotations

import logging
from functools import cache

from app.bootstrap import build_service
from app.errors import BadDocumentError
from app.queue.celery_config import REVIEW_TASK
from app.review.service import ReviewService
from workers.celery_app import app, settings

log = logging.getLogger("lexcrew.worker")


@cache
def _service() -> ReviewService:
    # Built once per worker process, on the first task: models load here, not at import.
    service, _store = build_service(settings)
    return service


@app.task(name=REVIEW_TASK, acks_late=True)  # type: ignore[untyped-decorator]
def review_document(document_id: str, workspace_id: str) -> None:
    """Review a stored document by id; a document that is gone is skipped quietly."""
    service = _service()
    try:
        report = service.review_stored(document_id, workspace_id)
    except BadDocumentError as exc:
        service.record_failure(document_id, exc.reason)
        log.warning("review.document_failed document_id=%s reason=%s", document_id, exc.reason)
        return
    if report is None:
        log.info("review.document_gone document_id=%s", document_id)
        return
    log.info(
        "review.document_completed document_id=%s clauses=%d", document_id, len(report.clauses)
    )
