"""One Celery configuration for producers (CLI, API) and the workers."""

from __future__ import annotations

from celery import Celery

from app.config import Settings

REVIEW_TASK = "lexcrew.review_document"


def create_celery(settings: Settings) -> Celery:
    """Return a Celery app on Redis when configured, else on a server-less filesystem queue."""
    options: dict[str, object] = {}
    if settings.redis_url is not None:
        broker = settings.redis_url.get_secret_value()
    else:
        queue = settings.broker_dir / "queue"
        queue.mkdir(parents=True, exist_ok=True)
        broker = "filesystem://"
        options = {"data_folder_in": str(queue), "data_folder_out": str(queue)}
    celery = Celery("lexcrew", broker=broker)
    celery.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


def enqueue_review(celery: Celery, document_id: str, workspace_id: str) -> None:
    """Ask a worker to review a stored document: by name, with ids only."""
    celery.send_task(REVIEW_TASK, args=[document_id, workspace_id])
