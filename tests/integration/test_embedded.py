"""The embedded default (`make run`): `lexcrew serve` with its own worker, no Redis."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLE_PDF, blank_pdf
from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.integration


def _serve(stack: Stack) -> subprocess.Popen[bytes]:
    log = (stack.root / "serve.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(stack.port)],
        env=stack.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _ready(stack: Stack) -> bool:
    try:
        return httpx.get(f"{stack.base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_alone_takes_uploads_and_cli_submissions_to_completion(tmp_path: Path) -> None:
    stack = Stack(tmp_path, redis_url=None)
    server = _serve(stack)
    try:
        wait_until("lexcrew serve", lambda: _ready(stack), 120)
        with stack.client(stack.workspace("embedded")) as api:
            upload = api.post(
                "/api/v1/documents",
                files=[("files", (SAMPLE_PDF.name, SAMPLE_PDF.read_bytes(), "application/pdf"))],
            )
            assert upload.status_code == 202, upload.text
            doc = upload.json()["documents"][0]["id"]
            wait_until(
                "the upload to complete",
                lambda: api.get(f"/api/v1/documents/{doc}").json()["status"] == "completed",
                600,
                1.0,
            )

        scanned = tmp_path / "scanned.pdf"
        scanned.write_bytes(blank_pdf(2))
        notes = tmp_path / "notes.pdf"
        notes.write_bytes(b"just some notes\n" * 10)
        submitted = stack.cli("submit", str(SAMPLE_PDF), str(scanned), str(notes))
        assert submitted.returncode == 1, submitted.stderr  # the non-PDF is refused at once
        assert "notes.pdf: not a PDF" in submitted.stderr
        ids = [line.split("\t")[0] for line in submitted.stdout.splitlines()]
        assert len(ids) == 2

        def shown(document_id: str) -> dict[str, object] | None:
            body = json.loads(stack.cli("show", document_id).stdout)
            final = body.get("status") in ("completed", "failed")
            return dict(body) if final else None

        report = wait_until("the submitted contract", lambda: shown(ids[0]), 600, 1.0)
        assert report["schema_version"] == "1"
        failure = wait_until("the scanned PDF", lambda: shown(ids[1]), 600, 1.0)
        assert failure["status"] == "failed"
        assert "no text layer" in str(failure["reason"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    # Stopping serve stops its worker too: no process is left holding the data dir.
    assert stack.cli("review", str(SAMPLE_PDF), "--quiet").returncode == 0
