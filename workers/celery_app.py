"""The worker's Celery app: `celery -A workers.celery_app worker` (or `lexcrew worker`)."""

from __future__ import annotations

from app.config import Settings
from app.observability import logs
from app.offline import apply_offline_environment
from app.production import require_fit
from app.queue.celery_config import create_celery

settings = Settings()
require_fit(settings)
logs.configure(settings.log)
apply_offline_environment(settings)
app = create_celery(settings)
app.conf.include = ["workers.tasks"]
