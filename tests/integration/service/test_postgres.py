"""The same service on PostgreSQL: upload, review, batch results, erasure."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.service.conftest import redis_db_url
from tests.support.pdfs import page_documents
from tests.support.services import PostgresServer, RedisServer
from tests.support.stack import Stack, wait_final

pytestmark = pytest.mark.integration


def test_service_runs_on_postgresql(
    tmp_path: Path,
    redis_server: RedisServer,
    postgres_server: PostgresServer,
) -> None:
    database = postgres_server.create_database(f"svc{uuid.uuid4().hex[:10]}")
    stack = Stack(tmp_path, redis_db_url(redis_server), LEXCREW_DATABASE_URL=database)
    try:
        stack.start_api()
        stack.start_worker()
        docs = page_documents(2)
        with stack.client(stack.workspace("pg")) as api:
            files = [("files", (n, d, "application/pdf")) for n, d in docs]
            batch = api.post("/api/v1/batches", files=files).json()
            ids = [d["id"] for d in batch["documents"]]
            states = wait_final(api, ids, timeout=600)
            assert {s["status"] for s in states.values()} == {"completed"}
            lines = api.get(f"/api/v1/batches/{batch['id']}/results").text.splitlines()
            assert len(lines) == 2
            assert api.delete(f"/api/v1/documents/{ids[0]}").status_code == 204
            assert api.get(f"/api/v1/documents/{ids[0]}").status_code == 404
            assert api.get("/api/v1/documents").json()["total"] == 1
    finally:
        stack.close()
    assert not (Path(stack.env["LEXCREW_DATA_DIR"]) / "lexcrew.db").exists()
