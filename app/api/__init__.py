"""The HTTP API (FastAPI): documents, batches, health and metrics."""
