"""Two clients on one service: nothing of one is visible to the other; erasure leaves nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.support.pdfs import page_documents
from tests.support.stack import Stack, wait_final, wait_until

pytestmark = pytest.mark.integration


def _upload(api, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/documents", files=[("files", (name, data, "application/pdf"))])
    assert response.status_code == 202, response.text
    return str(response.json()["documents"][0]["id"])


def test_no_read_or_export_crosses_workspaces(stack: Stack) -> None:
    [(name, data)] = page_documents(1)
    key_a, key_b = stack.workspace("firm-a"), stack.workspace("firm-b")
    with stack.client(key_a) as a, stack.client(key_b) as b:
        doc = _upload(a, name, data)
        batch = a.post(
            "/api/v1/batches", files=[("files", (name, data, "application/pdf"))]
        ).json()["id"]
        wait_final(a, [doc], timeout=600)
        for path in (
            f"/api/v1/documents/{doc}",
            f"/api/v1/documents/{doc}/text",
            f"/api/v1/documents/{doc}/report",
            f"/api/v1/batches/{batch}",
            f"/api/v1/batches/{batch}/results",
        ):
            assert b.get(path).status_code == 404, path
        assert b.get("/api/v1/documents").json()["total"] == 0
        assert b.get("/api/v1/documents", params={"batch_id": batch}).status_code == 404
        assert b.delete(f"/api/v1/documents/{doc}").status_code == 404
        # The same file in the other workspace is that workspace's own document.
        assert _upload(b, "mine.pdf", data) == doc
        wait_final(b, [doc], timeout=600)
        assert b.get(f"/api/v1/documents/{doc}").json()["filename"] == "mine.pdf"
        assert a.get(f"/api/v1/documents/{doc}").json()["filename"] == name
        # Erasing it in one workspace leaves the other's intact.
        assert b.delete(f"/api/v1/documents/{doc}").status_code == 204
        assert a.get(f"/api/v1/documents/{doc}/report").status_code == 200


def _traces_of(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_size < 200_000_000:
            content = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in content]
    return found


def test_erasure_leaves_nothing_behind(stack: Stack) -> None:
    [(_, data)] = page_documents(2)[1:]
    name = "erasure-target-7f3a.pdf"
    key = stack.workspace("erasure")
    with stack.client(key) as api:
        doc = _upload(api, name, data)
        wait_final(api, [doc], timeout=600)
        body = api.get(f"/api/v1/documents/{doc}/text").json()["text"]
        snippet = " ".join(body.split()[20:32]).encode()
        assert api.delete(f"/api/v1/documents/{doc}").status_code == 204
        for path in ("", "/text", "/report"):
            assert api.get(f"/api/v1/documents/{doc}{path}").status_code == 404
        assert api.get("/api/v1/documents").json()["total"] == 0

    data_dir = Path(stack.env["LEXCREW_DATA_DIR"])
    database = create_engine(f"sqlite:///{data_dir / 'lexcrew.db'}")
    # The worker finishes the erasure in the vector store; its purge row goes when done.
    wait_until("the purge to finish", lambda: _purges(database) == 0, 120)
    with database.connect() as connection:
        for table in inspect(database).get_table_names():
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert not [r for r in rows if doc in map(str, r) or name in map(str, r)], table
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database.dispose()
    assert _traces_of(data_dir, [snippet, name.encode(), doc.encode()]) == []
    _assert_no_vectors(data_dir, doc)


def _purges(database) -> int:  # type: ignore[no-untyped-def]
    with database.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM purges")).scalar_one())


def _assert_no_vectors(data_dir: Path, document_id: str) -> None:
    # Read the vector store's file directly: the worker holds the store open.
    storage = next((data_dir / "qdrant").rglob("storage.sqlite"))
    with sqlite3.connect(f"file:{storage}?mode=ro", uri=True) as connection:
        blobs = [row[0] for row in connection.execute("SELECT point FROM points")]
    assert not [b for b in blobs if document_id.encode() in b]
