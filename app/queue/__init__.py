"""The job queue: Celery configuration and enqueueing by task name, with ids only."""
