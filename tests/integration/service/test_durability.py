"""Nothing is lost: worker crashes, a broker restart, and a document that kills its worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.service.conftest import redis_db_url
from tests.support.pdfs import page_documents
from tests.support.services import RedisServer
from tests.support.stack import Stack, wait_final, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def fresh_stack(tmp_path: Path, redis_server: RedisServer) -> Iterator[Stack]:
    # The generated contracts ask the model the same questions: with the cache on, every review
    # after the first takes ~0.1 s and no worker can be caught mid-review to be killed.
    live = Stack(tmp_path, redis_db_url(redis_server), LEXCREW_GATEWAY__CACHE__ENABLED="false")
    try:
        live.start_api()
        yield live
    finally:
        live.close()


def _batch(api: httpx.Client, count: int) -> list[str]:
    files = [("files", (n, d, "application/pdf")) for n, d in page_documents(count)]
    response = api.post("/api/v1/batches", files=files)
    assert response.status_code == 202, response.text
    return [d["id"] for d in response.json()["documents"]]


def _reviewing_once(api: httpx.Client, seen: set[str]) -> str | None:
    listed = api.get("/api/v1/documents", params={"status": "reviewing", "limit": 100}).json()
    for doc in listed["documents"]:
        # Claimed for review (progress moves past 0.4) and never crashed before.
        if doc["progress"] > 0.4 and doc["id"] not in seen:
            return str(doc["id"])
    return None


def _query(stack: Stack, sql: str, **params: str) -> list[tuple[object, ...]]:
    database = create_engine(f"sqlite:///{Path(stack.env['LEXCREW_DATA_DIR']) / 'lexcrew.db'}")
    with database.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text(sql), params).all()]
    database.dispose()
    return rows


def _reports_per_document(stack: Stack) -> dict[str, int]:
    rows = _query(stack, "SELECT document_id, count(*) FROM reports GROUP BY document_id")
    return {str(doc): int(str(n)) for doc, n in rows}


def _held(stack: Stack, document_id: str, attempt: int) -> bool:
    rows = _query(
        stack,
        "SELECT attempts FROM documents WHERE id = :id AND lease_token IS NOT NULL",
        id=document_id,
    )
    return bool(rows) and rows[0][0] == attempt


def test_killing_the_worker_mid_review_20_times_loses_nothing(fresh_stack: Stack) -> None:
    stack = fresh_stack
    with stack.client(stack.workspace("crashes")) as api:
        ids = _batch(api, 24)
        crashed: set[str] = set()
        for _ in range(20):
            stack.start_worker()
            victim = wait_until(
                "a document under review", lambda: _reviewing_once(api, crashed), 300, 0.2
            )
            stack.kill_workers()
            crashed.add(victim)
        stack.start_worker()
        states = wait_final(api, ids, timeout=900)
    assert len(crashed) == 20
    assert {s["status"] for s in states.values()} == {"completed"}, states
    assert _reports_per_document(stack) == dict.fromkeys(ids, 1)


def test_batch_completes_across_a_redis_restart(
    tmp_path: Path,
    redis_server: RedisServer,
) -> None:
    # A Redis without persistence: the restart loses every queued message, and the
    # database, through the sweeper, still gets the whole batch done.
    broker = RedisServer(tmp_path / "redis", appendonly=False)
    broker.start()
    stack = Stack(tmp_path / "stack", broker.url)
    try:
        stack.start_api()
        with stack.client(stack.workspace("restart")) as api:
            ids = _batch(api, 20)
            stack.start_worker()
            wait_until(
                "the first completed document",
                lambda: api.get("/api/v1/documents", params={"status": "completed"}).json()[
                    "total"
                ],
                600,
                1.0,
            )
            broker.kill()
            broker.start()
            states = wait_final(api, ids, timeout=900)
        assert {s["status"] for s in states.values()} == {"completed"}, states
        assert _reports_per_document(stack) == dict.fromkeys(ids, 1)
    finally:
        stack.close()
        broker.close()


def test_a_document_that_kills_its_worker_fails_after_3_attempts(fresh_stack: Stack) -> None:
    stack = fresh_stack
    with stack.client(stack.workspace("poison")) as api:
        poison, *others = _batch(api, 3)
        # Whenever the poison document is being worked on, its worker dies (as if the PDF
        # crashed it); the other documents must still complete.
        for attempt in range(1, 4):
            stack.start_worker()
            wait_until(
                f"attempt {attempt} at the poison document",
                lambda attempt=attempt: _held(stack, poison, attempt),
                300,
                0.1,
            )
            stack.kill_workers()
        stack.start_worker()
        states = wait_final(api, [poison, *others], timeout=600)
    assert states[poison]["status"] == "failed"
    assert "gave up after 3 attempts" in states[poison]["reason"]
    assert [states[d]["status"] for d in others] == ["completed", "completed"]


def test_interactive_uploads_go_ahead_of_a_waiting_batch(fresh_stack: Stack) -> None:
    stack = fresh_stack
    bulk_docs, (single,) = page_documents(4)[:3], page_documents(4)[3:]
    with stack.client(stack.workspace("priority")) as api:
        files = [("files", (n, d, "application/pdf")) for n, d in bulk_docs]
        batch = api.post("/api/v1/batches", files=files).json()
        bulk = [d["id"] for d in batch["documents"]]
        upload = api.post(
            "/api/v1/documents", files=[("files", (single[0], single[1], "application/pdf"))]
        )
        interactive = upload.json()["documents"][0]["id"]
        stack.start_worker()
        states = wait_final(api, [interactive, *bulk], timeout=600)
    finished = {i: s["completed_at"] for i, s in states.items()}
    assert finished[interactive] < min(finished[i] for i in bulk)
