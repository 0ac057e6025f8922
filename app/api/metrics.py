"""Prometheus metrics of the API: request latency, and documents by status read at scrape time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.documents.queries import count_by_status
from app.storage.db import SessionFactory


class DocumentsCollector(Collector):
    """`lexcrew_documents{status}`: how many documents are in each status, all workspaces."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Read the counts from the database when Prometheus scrapes."""
        family = GaugeMetricFamily(
            "lexcrew_documents", "Documents by status, all workspaces.", labels=["status"]
        )
        with self.sessions() as session:
            for status, count in count_by_status(session).items():
                family.add_metric([status], count)
        yield family


class ApiMetrics:
    """The API's registry and the middleware that feeds it."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lexcrew_http_requests",
            "HTTP requests by route and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "lexcrew_http_request_seconds",
            "HTTP request latency by route.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.registry.register(DocumentsCollector(sessions))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Time every request; the route template (not the path) keeps label counts small."""
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        self.latency.labels(request.method, template).observe(time.perf_counter() - started)
        self.requests.labels(request.method, template, str(response.status_code)).inc()
        return response
