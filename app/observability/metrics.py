"""Every Prometheus family lexcrew exports, in one process-wide registry.

The API serves the registry at `/metrics`; a worker process serves it on
`LEXCREW_WORKER__METRICS_PORT`. Counters and histograms are fed where the work happens
(gateway, ingestion, review); gauges over the database (documents, queue, drift) are read
at scrape time by collectors that only the API registers, so replicas never double-count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

REGISTRY = CollectorRegistry()

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_STAGE = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320)

HTTP_REQUESTS = Counter(
    "lexcrew_http_requests",
    "HTTP requests by route and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "lexcrew_http_request_seconds",
    "HTTP request latency by route.",
    ["method", "route"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
STAGE_SECONDS = Histogram(
    "lexcrew_stage_seconds",
    "Seconds per pipeline stage: parse, chunk, embed, index, candidates, each agent, "
    "escalation, review.",
    ["stage"],
    buckets=_STAGE,
    registry=REGISTRY,
)
MODEL_CALLS = Counter(
    "lexcrew_model_calls",
    "Model calls through the gateway by tier, model, task and outcome "
    "(ok, error, breaker_open, budget, cache_hit).",
    ["tier", "model", "task", "outcome"],
    registry=REGISTRY,
)
MODEL_CALL_SECONDS = Histogram(
    "lexcrew_model_call_seconds",
    "Provider latency of answered model calls.",
    ["tier", "model"],
    buckets=_STAGE,
    registry=REGISTRY,
)
MODEL_TOKENS = Counter(
    "lexcrew_model_tokens",
    "Tokens of answered model calls (cache hits excluded), by kind: prompt or completion.",
    ["tier", "model", "kind"],
    registry=REGISTRY,
)
MODEL_COST = Counter(
    "lexcrew_model_cost_usd",
    "USD spent on model calls with a known price.",
    ["tier", "model"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "lexcrew_cache_lookups",
    "Gateway cache lookups by result: hit or miss.",
    ["result"],
    registry=REGISTRY,
)
ESCALATIONS = Counter(
    "lexcrew_escalations",
    "Model calls sent to a higher tier for a hard, doubtful or rejected clause.",
    ["tier"],
    registry=REGISTRY,
)
BUDGET_REFUSALS = Counter(
    "lexcrew_budget_refusals",
    "Model calls refused by a budget cap, by scope: call, document, batch, workspace_day.",
    ["scope"],
    registry=REGISTRY,
)
DOCUMENTS_FINISHED = Counter(
    "lexcrew_documents_finished",
    "Documents that reached an outcome in this process: completed, failed, budget_exceeded, "
    "delayed.",
    ["status"],
    registry=REGISTRY,
)
BUILD_INFO = Gauge(
    "lexcrew_build_info", "The running lexcrew version.", ["version"], registry=REGISTRY
)
try:
    BUILD_INFO.labels(version("lexcrew")).set(1)
except PackageNotFoundError:  # running from a checkout that was never installed
    BUILD_INFO.labels("unknown").set(1)

# Read from the database at scrape time (app.api.metrics registers the collectors).
DB_GAUGES = {
    "lexcrew_documents": "Documents by status, all workspaces.",
    "lexcrew_queue_depth": "Documents waiting for a worker, by stage: ingest or review.",
    "lexcrew_queue_oldest_seconds": "Age of the oldest document waiting for a stage.",
    "lexcrew_drift_score": "The latest drift replay's value of each headline metric.",
    "lexcrew_drift_baseline": "The stored baseline value of each headline metric.",
    "lexcrew_drift_alert": "1 when the latest drift replay dropped more than the threshold.",
}


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Observe the seconds a stage takes, also when it fails."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)


def exported_metric_names() -> set[str]:
    """Every sample name lexcrew can export (`_total`, `_bucket`, ... included)."""
    names = set(DB_GAUGES)
    for family in REGISTRY.collect():
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "sum", "count", "created")}
        else:
            names.add(family.name)
    return names


def serve_worker_metrics(port: int) -> None:
    """Expose this process's registry on `port` (a worker; the API has `/metrics`)."""
    start_http_server(port, registry=REGISTRY)
