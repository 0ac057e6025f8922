"""The API end to end with a real worker: upload, progress, report, exports, batches, auth."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.pdfs import page_documents
from tests.support.stack import Stack, wait_final

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def key(stack: Stack) -> str:
    return stack.workspace("acme")


def test_requests_without_a_valid_key_are_refused(stack: Stack) -> None:
    with stack.client(None) as anonymous:
        response = anonymous.get("/api/v1/documents")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    with stack.client("lxk_not-a-real-key") as stranger:
        assert stranger.get("/api/v1/documents").status_code == 401


def test_uploaded_contract_is_reviewed_with_verifiable_findings(
    stack: Stack, key: str, sample_bytes: bytes
) -> None:
    with stack.client(key) as api:
        upload = api.post(
            "/api/v1/documents", files=[("files", ("agency.pdf", sample_bytes, "application/pdf"))]
        )
        assert upload.status_code == 202, upload.text
        [doc] = upload.json()["documents"]
        assert doc["duplicate"] is False
        states = wait_final(api, [doc["id"]], timeout=600)
        assert states[doc["id"]]["status"] == "completed", states
        assert states[doc["id"]]["progress"] == 1.0
        completed_at = datetime.fromisoformat(states[doc["id"]]["completed_at"])
        assert completed_at.utcoffset() == timedelta(0)  # times are UTC, with their zone

        report = api.get(f"/api/v1/documents/{doc['id']}/report").json()
        text = api.get(f"/api/v1/documents/{doc['id']}/text").json()
        assert report["schema_version"] == "1"
        assert report["document"]["sha256"] == doc["id"]
        assert report["clauses"], "the sample contract has findings"
        for clause in report["clauses"]:
            assert text["text"][clause["start"] : clause["end"]] == clause["text"]

        exported = api.get(f"/api/v1/documents/{doc['id']}/report", params={"format": "csv"})
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [r["clause_id"] for r in rows] == [c["id"] for c in report["clauses"]]

        again = api.post(
            "/api/v1/documents", files=[("files", ("copy.pdf", sample_bytes, "application/pdf"))]
        )
        assert again.json()["documents"][0] == {
            "filename": "copy.pdf",
            "id": doc["id"],
            "status": "completed",
            "duplicate": True,
        }


def test_batch_is_idempotent_and_reports_progress_and_results(stack: Stack, key: str) -> None:
    docs = page_documents(3)
    files = [("files", (name, data, "application/pdf")) for name, data in docs]
    headers = {"Idempotency-Key": "batch-001"}
    with stack.client(key) as api:
        first = api.post("/api/v1/batches", files=files, headers=headers)
        assert first.status_code == 202, first.text
        batch = first.json()
        assert batch["total"] == 3
        replay = api.post("/api/v1/batches", files=files, headers=headers)
        assert replay.status_code == 200
        assert replay.json()["id"] == batch["id"]
        other = api.post("/api/v1/batches", files=files[:1], headers=headers)
        assert other.status_code == 409

        ids = [d["id"] for d in batch["documents"]]
        wait_final(api, ids, timeout=600)
        done = api.get(f"/api/v1/batches/{batch['id']}").json()
        assert done["done"] == 3
        assert done["progress"] == 1.0
        assert done["counts"] == {"completed": 3}

        listed = api.get("/api/v1/documents", params={"batch_id": batch["id"]}).json()
        assert sorted(d["id"] for d in listed["documents"]) == sorted(ids)
        assert listed["total"] == 3

        lines = api.get(f"/api/v1/batches/{batch['id']}/results").text.splitlines()
        outcomes = [json.loads(line) for line in lines]
        assert [o["status"] for o in outcomes] == ["completed"] * 3
        assert all(o["report"]["schema_version"] == "1" for o in outcomes)

        archive = api.get(f"/api/v1/batches/{batch['id']}/results", params={"format": "zip"})
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert sorted(names) == sorted([f"reports/{i}.json" for i in ids] + ["manifest.jsonl"])

        table = api.get(f"/api/v1/batches/{batch['id']}/results", params={"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(table.text)))
        reported = sum(len(o["report"]["clauses"]) for o in outcomes)
        assert len(rows) == reported  # one row per finding of every report in the batch
        assert {r["document_id"] for r in rows} <= set(ids)


def test_health_and_metrics(stack: Stack) -> None:
    with stack.client(None) as api:
        assert api.get("/healthz").json() == {"status": "ok"}
        assert api.get("/readyz").json() == {"status": "ready"}
        metrics = api.get("/metrics").text
        docs = api.get("/docs")
        assert docs.status_code == 200
        assert "cdn" not in docs.text.lower()  # offline machines still get the API docs
        asset = docs.text.split('src="', 1)[1].split('"', 1)[0]
        assert api.get(asset).status_code == 200
    assert 'lexcrew_documents{status="completed"}' in metrics
    assert "lexcrew_http_request_seconds_bucket" in metrics


def test_schemathesis_finds_no_server_error(stack: Stack, key: str) -> None:
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            f"{stack.base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization: Bearer {key}",
            "--max-examples",
            "15",
            "--request-timeout",
            "60",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        cwd=stack.root,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Tested: 15" in run.stdout, run.stdout[-2000:]
    assert stack.api_alive()
