"""Thin tasks: ids in, an app service does the work, the database records the outcome."""

from __future__ import annotations

import logging
from functools import cache

from celery.signals import worker_ready, worker_shutdown

from app.bootstrap import build_processor
from app.documents.processing import DocumentProcessor
from app.documents.sweeper import Sweeper
from app.evaluation.drift import run_drift
from app.observability.metrics import serve_worker_metrics
from app.queue.celery_config import (
    DRIFT_TASK,
    INGEST_TASK,
    PURGE_TASK,
    REVIEW_TASK,
    SWEEP_TASK,
)
from workers.celery_app import app, settings

log = logging.getLogger("lexcrew.worker")


@cache
def _parts() -> tuple[DocumentProcessor, Sweeper]:
    # Built once per worker process, on first use: models load here, not at import.
    processor, sweeper, _store = build_processor(settings)
    return processor, sweeper


@app.task(name=INGEST_TASK)  # type: ignore[untyped-decorator]
def ingest_document(workspace_id: str, document_id: str) -> None:
    """Parse, chunk, embed and index a queued document."""
    _parts()[0].ingest(workspace_id, document_id)


@app.task(name=REVIEW_TASK)  # type: ignore[untyped-decorator]
def review_document(workspace_id: str, document_id: str) -> None:
    """Review an ingested document and store its report."""
    _parts()[0].review(workspace_id, document_id)


@app.task(name=PURGE_TASK)  # type: ignore[untyped-decorator]
def purge_document(workspace_id: str, document_id: str) -> None:
    """Finish the erasure of a deleted document (vectors, caches)."""
    _parts()[0].purge(workspace_id, document_id)


@app.task(name=SWEEP_TASK)  # type: ignore[untyped-decorator]
def sweep() -> None:
    """Send again what the database says is waiting; fail what is out of attempts."""
    _parts()[1].run()


@app.task(name=DRIFT_TASK)  # type: ignore[untyped-decorator]
def drift() -> None:
    """Replay the drift sample; an alert is logged and shows on /metrics and in the UI."""
    result = run_drift(_parts()[0].service)
    log.info("worker.drift kind=%s alert=%s", result.kind, result.alert)


@worker_ready.connect  # type: ignore[untyped-decorator]
def _sweep_on_start(**_kwargs: object) -> None:
    # A restarted worker picks up at once what its previous life left behind.
    sweep.delay()
    if settings.worker.metrics_port:
        serve_worker_metrics(settings.worker.metrics_port)
        log.info("worker.metrics port=%d", settings.worker.metrics_port)


@worker_shutdown.connect  # type: ignore[untyped-decorator]
def _close_on_shutdown(**_kwargs: object) -> None:
    # The PDF sandbox's child processes would otherwise keep the worker from exiting.
    if _parts.cache_info().currsize:
        _parts()[0].close()
