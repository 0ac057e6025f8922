"""Traces, metrics and logs of a real stack: API + worker on Redis, LangSmith's SDK sending to
a local collector, JSON logs at DEBUG, the worker's metrics on their own port."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.service.conftest import redis_db_url
from tests.support.langsmith_collector import Collector
from tests.support.services import RedisServer, free_port
from tests.support.stack import Stack, wait_final, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    with Collector() as running:
        yield running


@pytest.fixture(scope="module")
def observed(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,
    collector: Collector,
) -> Iterator[Stack]:
    live = Stack(
        tmp_path_factory.mktemp("observed"),
        redis_db_url(redis_server),
        LEXCREW_TRACING__LANGSMITH_ENDPOINT=collector.url,
        LEXCREW_TRACING__LANGSMITH_API_KEY="lsv2-test-key",
        LEXCREW_TRACING__PROJECT="lexcrew-tests",
        LEXCREW_WORKER__METRICS_PORT=str(free_port()),
        LEXCREW_LOG__FORMAT="json",
        LEXCREW_LOG__LEVEL="DEBUG",
    )
    with live.running():
        yield live


def _review(stack: Stack, key: str, pdf: bytes, name: str) -> dict[str, Any]:
    with stack.client(key) as api:
        upload = api.post("/api/v1/documents", files=[("files", (name, pdf, "application/pdf"))])
        assert upload.status_code == 202, upload.text
        [doc] = upload.json()["documents"]
        states = wait_final(api, [doc["id"]], timeout=600)
        assert states[doc["id"]]["status"] == "completed", states
        report: dict[str, Any] = api.get(f"/api/v1/documents/{doc['id']}/report").json()
        report["_text"] = api.get(f"/api/v1/documents/{doc['id']}/text").json()["text"]
        return report


def _trace(collector: Collector, trace_id: str) -> list[dict[str, Any]]:
    """The runs of one trace, once its root has arrived (the root is sent last)."""
    wanted = str(uuid.UUID(trace_id))

    def root_arrived() -> bool:
        return any(r.get("id") == wanted and r.get("end_time") for r in collector.runs.values())

    wait_until("the trace's root run at the collector", root_arrived, 60)
    return [r for r in collector.runs.values() if r.get("trace_id") == wanted]


@pytest.fixture(scope="module")
def acme(observed: Stack) -> str:
    return observed.workspace("acme")


@pytest.fixture(scope="module")
def reviewed(observed: Stack, acme: str, sample_bytes: bytes) -> dict[str, Any]:
    return _review(observed, acme, sample_bytes, "agency.pdf")


def test_a_review_is_one_trace_with_agents_and_every_model_call_nested(
    observed: Stack, collector: Collector, reviewed: dict[str, Any]
) -> None:
    runs = _trace(collector, reviewed["trace"]["id"])
    by_id = {r["id"]: r for r in runs}
    roots = [r for r in runs if not r.get("parent_run_id")]
    assert [r["name"] for r in roots] == ["review"]
    root = roots[0]
    assert root["extra"]["metadata"]["document_id"] == reviewed["document"]["id"]
    assert root["outputs"]["status"] == "completed"
    assert "lsv2-test-key" in collector.api_keys

    def path(run: dict[str, Any]) -> list[str]:
        names = [run["name"]]
        while run.get("parent_run_id"):
            run = by_id[run["parent_run_id"]]
            names.append(run["name"])
        return names[::-1]

    names = {r["name"] for r in runs}
    assert {"ingest", "parse", "chunk", "embed", "index", "candidates", "crew"} <= names
    calls = [r for r in runs if r["run_type"] == "llm"]
    assert len(calls) == reviewed["usage"]["llm_calls"] >= 1
    for call in calls:
        # review -> crew (or escalation, judge) -> agent -> task -> model call
        trail = path(call)
        assert trail[0] == "review" and trail[1] in ("crew", "escalation", "judge"), trail
        assert trail[2].startswith("agent: ") and trail[3].startswith("task: "), trail
        meta = call["extra"]["metadata"]
        assert meta["tier"] == "self_hosted" and meta["model"]
        assert meta["prompt_tokens"] > 0 and "cost_usd" in meta
        usage = call["outputs"]["usage_metadata"]
        assert usage["input_tokens"] == meta["prompt_tokens"]
        # The default workspace keeps contract text out of traces.
        assert call["inputs"]["messages"][-1]["content"].startswith("[withheld: ")
        assert call["outputs"]["output"].startswith("[withheld: ")
    agents = {r["name"] for r in runs if r["name"].startswith("agent: ")}
    assert "agent: extractor" in agents  # the sample's parties need the extractor's values
    tokens = sum(c["extra"]["metadata"]["prompt_tokens"] for c in calls)
    assert tokens == reviewed["usage"]["prompt_tokens"]


def test_the_local_trace_store_keeps_the_same_tree_for_the_ui(
    observed: Stack, collector: Collector, reviewed: dict[str, Any]
) -> None:
    runs = _trace(collector, reviewed["trace"]["id"])
    db = sqlite3.connect(observed.root / "data" / "lexcrew.db")
    stored = {
        row[0]
        for row in db.execute(
            "SELECT id FROM trace_spans WHERE trace_id = ?", (reviewed["trace"]["id"],)
        )
    }
    assert stored == {r["id"].replace("-", "") for r in runs}


def test_a_workspace_that_allows_it_gets_contract_text_in_its_traces(
    observed: Stack, collector: Collector, sample_bytes: bytes
) -> None:
    made = observed.cli("workspace", "create", "open-book", "--trace-content")
    assert made.returncode == 0, made.stderr
    # The same contract in another workspace: its own document, trace and cache partition.
    report = _review(observed, made.stdout.strip().splitlines()[-1], sample_bytes, "open.pdf")
    calls = [r for r in _trace(collector, report["trace"]["id"]) if r["run_type"] == "llm"]
    prompt = calls[0]["inputs"]["messages"][-1]["content"]
    assert not prompt.startswith("[withheld")
    assert any(c["text"][:40] in prompt for c in report["clauses"])


def test_metrics_expose_every_family_after_a_review(
    observed: Stack, reviewed: dict[str, Any]
) -> None:
    with observed.client(None) as api:
        served = api.get("/metrics").text
    port = observed.env["LEXCREW_WORKER__METRICS_PORT"]
    worker = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    for sample in (
        'lexcrew_documents{status="completed"}',
        'lexcrew_queue_depth{stage="ingest"}',
        'lexcrew_queue_oldest_seconds{stage="review"}',
        "lexcrew_drift_alert 0.0",
        "lexcrew_http_request_seconds_bucket",
        "lexcrew_build_info",
    ):
        assert sample in served, sample
    for sample in (
        'lexcrew_stage_seconds_count{stage="parse"}',
        'lexcrew_stage_seconds_count{stage="embed"}',
        'lexcrew_stage_seconds_count{stage="candidates"}',
        'lexcrew_stage_seconds_count{stage="extractor"}',
        'lexcrew_stage_seconds_count{stage="review"}',
        'lexcrew_model_calls_total{model="gemma-3-270m-q4_k_m",outcome="ok"',
        'lexcrew_model_tokens_total{kind="prompt"',
        'lexcrew_model_call_seconds_bucket{le="1.0"',
        'lexcrew_cache_lookups_total{result="miss"}',
        'lexcrew_documents_finished_total{status="completed"}',
    ):
        assert sample.split("{")[0] in worker, sample
        assert any(_matches(line, sample) for line in worker.splitlines()), sample


def _matches(line: str, sample: str) -> bool:
    """`sample` names a metric and some of its labels, in any order."""
    name, _, labels = sample.partition("{")
    if not line.startswith(name + "{") and line.split(" ")[0] != name:
        return False
    return all(part in line for part in labels.rstrip("}").split(",") if part)


def test_logs_are_json_with_ids_and_never_contract_text(
    observed: Stack, reviewed: dict[str, Any]
) -> None:
    lines: list[dict[str, Any]] = []
    raw = ""
    for name in ("api.log", "worker.log"):
        content = (observed.root / name).read_text(errors="replace")
        raw += content
        lines += [json.loads(line) for line in content.splitlines() if line.startswith("{")]
    assert lines, "no JSON log lines"
    ours = [line for line in lines if str(line.get("logger", "")).startswith("lexcrew.")]
    assert any(line.get("document_id") == reviewed["document"]["id"] for line in ours)
    # At DEBUG, across every process log: no clause of the contract, no slice of its text.
    text = reviewed["_text"]
    probes = [c["text"][:60] for c in reviewed["clauses"] if len(c["text"]) >= 30]
    probes += [text[i : i + 60] for i in range(0, len(text) - 60, max(len(text) // 25, 60))]
    leaked = [p for p in probes if p.strip() and p in raw]
    assert not leaked, leaked[:3]


def test_the_ui_shows_the_span_tree_to_its_workspace_only(
    observed: Stack, acme: str, reviewed: dict[str, Any]
) -> None:
    url = f"/ui/documents/{reviewed['document']['id']}/trace"
    with observed.client(None) as browser:
        assert browser.post("/ui/login", data={"key": acme}).status_code == 303
        page = browser.get(url).text
    for name in (
        "review",
        "ingest",
        "parse",
        "crew",
        "agent: extractor",
        "self_hosted: extract",
    ):
        assert f"<strong>{name}</strong>" in page, name
    with observed.client(None) as stranger:
        stranger.post("/ui/login", data={"key": observed.workspace("acme-other")})
        assert stranger.get(url).status_code == 404
