"""One Celery configuration for producers (CLI, API) and the workers."""

from __future__ import annotations

import logging

from celery import Celery
from celery.schedules import crontab
from kombu import Exchange, Queue  # type: ignore[attr-defined]

from app.config import Settings
from app.documents.status import Stage

INGEST_TASK = "lexcrew.ingest_document"
REVIEW_TASK = "lexcrew.review_document"
PURGE_TASK = "lexcrew.purge_document"
SWEEP_TASK = "lexcrew.sweep"
DRIFT_TASK = "lexcrew.drift"
TASKS = {Stage.INGEST: INGEST_TASK, Stage.REVIEW: REVIEW_TASK}
# Workers read the queues in this order: uploads from the web page and single-document posts
# go ahead of bulk batches, and a batch's ingested documents are reviewed before more of it is
# ingested, so its first reports arrive early instead of after the whole batch is parsed.
QUEUES = ("interactive", "bulk-review", "bulk")

log = logging.getLogger("lexcrew.queue")


def _queue(name: str) -> Queue:
    # Each queue on its own exchange: a shared default exchange would route bulk to nowhere.
    return Queue(name, Exchange(name), routing_key=name)  # type: ignore[no-untyped-call]


def create_celery(settings: Settings) -> Celery:
    """Return a Celery app on Redis when configured, else on a server-less filesystem queue."""
    options: dict[str, object] = {"queue_order_strategy": "priority"}
    if settings.redis_url is not None:
        broker = settings.redis_url.get_secret_value()
        # A publish to a Redis that is down must not hang an upload: the sweeper resends.
        options |= {"socket_timeout": 5, "socket_connect_timeout": 5}
    else:
        queue = settings.broker_dir / "queue"
        queue.mkdir(parents=True, exist_ok=True)
        broker = "filesystem://"
        options |= {"data_folder_in": str(queue), "data_folder_out": str(queue)}
    celery = Celery("lexcrew", broker=broker)
    celery.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_queues=[_queue(name) for name in QUEUES],
        task_default_queue="interactive",
        worker_prefetch_multiplier=1,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        beat_schedule={
            "sweep": {"task": SWEEP_TASK, "schedule": settings.worker.sweep_interval_s},
            # Weekly: replay the drift sample and compare it with its baseline.
            "drift": {
                "task": DRIFT_TASK,
                "schedule": crontab(
                    minute=0, hour=settings.drift.hour, day_of_week=settings.drift.day_of_week
                ),
                "options": {"queue": "bulk"},
            },
        },
    )
    return celery


class CeleryEnqueuer:
    """Sends tasks by name with ids only; a failed send is logged, never raised (the sweeper
    resends whatever the database says is still waiting)."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def send(self, stage: Stage, workspace_id: str, document_id: str, priority: str) -> bool:
        """Ask a worker to run a stage of a document."""
        queue = "interactive" if priority != "bulk" else "bulk"
        if queue == "bulk" and stage is Stage.REVIEW:
            queue = "bulk-review"
        return self._send(TASKS[stage], [workspace_id, document_id], queue)

    def purge(self, workspace_id: str, document_id: str) -> bool:
        """Ask a worker to erase a document's vectors and cache entries."""
        return self._send(PURGE_TASK, [workspace_id, document_id], "interactive")

    def _send(self, task: str, args: list[str], queue: str) -> bool:
        try:
            self.celery.send_task(
                task,
                args=args,
                queue=queue,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            )
        except Exception as exc:  # broker errors vary by transport
            log.warning("queue.send_failed task=%s error=%s", task, type(exc).__name__)
            return False
        return True
