from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.documents.status import Stage
from app.queue.celery_config import CeleryEnqueuer, create_celery


def _queued(settings: Settings) -> list[str]:
    names = [p.name for p in (settings.broker_dir / "queue").iterdir()]
    return sorted(name.split(".", 1)[1].removesuffix(".msg") for name in names)


def test_batch_reviews_go_ahead_of_batch_ingests_and_uploads_ahead_of_both(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    enqueuer = CeleryEnqueuer(create_celery(settings))
    assert enqueuer.send(Stage.INGEST, "ws", "a" * 64, "bulk")
    assert enqueuer.send(Stage.REVIEW, "ws", "b" * 64, "bulk")
    assert enqueuer.send(Stage.INGEST, "ws", "c" * 64, "interactive")
    assert enqueuer.purge("ws", "d" * 64)
    assert _queued(settings) == ["bulk", "bulk-review", "interactive", "interactive"]
