"""The worker's Celery app: `celery -A workers.celery_app worker` (or `lexcrew worker`)."""

from __future__ import annotations

from app.config import Settings
from app.offline import apply_offline_environment
from app.queue.celery_config import create_celery

settings = Settings()
apply_offline_environment(settings)
app = create_celery(settings)
app.conf.include = ["workers.tasks"]
