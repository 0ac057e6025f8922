"""The API's `/metrics`: the process registry, plus gauges read from the database at scrape time
(documents by status, the queue, drift), which only the API exports."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import select

from app.documents.queries import count_by_status, queue_waiting
from app.observability import metrics
from app.storage.db import SessionFactory
from app.storage.models import DriftRun, utcnow


def _gauge(name: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, metrics.DB_GAUGES[name], labels=labels)


class DatabaseCollector(Collector):
    """Documents by status, the queue's depth and age, and the latest drift replay."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        """Read the counts from the database when Prometheus scrapes."""
        documents = _gauge("lexcrew_documents", ["status"])
        depth = _gauge("lexcrew_queue_depth", ["stage"])
        oldest = _gauge("lexcrew_queue_oldest_seconds", ["stage"])
        score = _gauge("lexcrew_drift_score", ["metric"])
        baseline = _gauge("lexcrew_drift_baseline", ["metric"])
        alert = _gauge("lexcrew_drift_alert")
        with self.sessions() as session:
            for status, count in count_by_status(session).items():
                documents.add_metric([status], count)
            for stage, (count, age) in queue_waiting(session, utcnow()).items():
                depth.add_metric([stage], count)
                oldest.add_metric([stage], age)
            replay = session.scalars(
                select(DriftRun)
                .where(DriftRun.kind == "replay")
                .order_by(DriftRun.created_at.desc())
            ).first()
            base = (
                session.get(DriftRun, replay.baseline_id) if replay and replay.baseline_id else None
            )
            if replay is not None:
                for name, value in json.loads(replay.metrics).items():
                    score.add_metric([name], float(value))
            if base is not None:
                for name, value in json.loads(base.metrics).items():
                    baseline.add_metric([name], float(value))
            alert.add_metric([], 1.0 if replay is not None and replay.alert else 0.0)
        yield from (documents, depth, oldest, score, baseline, alert)


class _ProcessMetrics(Collector):
    """What this process counted (requests, stages, model calls, ...)."""

    def collect(self) -> Iterator[Metric]:
        yield from metrics.REGISTRY.collect()


class ApiMetrics:
    """The API's registry and the middleware that feeds it."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_ProcessMetrics())
        self.registry.register(DatabaseCollector(sessions))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Time every request; the route template (not the path) keeps label counts small."""
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        metrics.HTTP_LATENCY.labels(request.method, template).observe(elapsed)
        metrics.HTTP_REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        return response
