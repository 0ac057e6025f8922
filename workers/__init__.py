"""Celery workers: thin tasks that load by id, call an app service, and store the result."""
