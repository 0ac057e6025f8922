"""Hostile uploads through the API: each gets its reason, the API lives, good files complete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.service.conftest import redis_db_url
from tests.support.hostile import PASSES_PROBE, hostile_corpus, slow_pdf
from tests.support.pdfs import page_documents
from tests.support.services import RedisServer
from tests.support.stack import Stack, wait_final

pytestmark = pytest.mark.integration

MAX_PAGES = 50


@pytest.fixture(scope="module")
def strict_stack(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer
) -> Iterator[Stack]:
    live = Stack(
        tmp_path_factory.mktemp("hostile"),
        redis_db_url(redis_server),
        LEXCREW_INGEST__MAX_PAGES=str(MAX_PAGES),
        LEXCREW_UPLOAD__PARSE_TIMEOUT_S="3",
    )
    with live.running():
        yield live


@pytest.fixture(scope="module")
def corpus(sample_bytes: bytes) -> dict[str, tuple[bytes, int, str]]:
    return hostile_corpus(sample_bytes, max_pages=MAX_PAGES)


def test_each_hostile_pdf_alone_gets_its_status_and_reason(
    strict_stack: Stack, corpus: dict[str, tuple[bytes, int, str]]
) -> None:
    with strict_stack.client(strict_stack.workspace("single")) as api:
        for name, (data, code, fragment) in corpus.items():
            if name in PASSES_PROBE or name.endswith(".zip"):
                continue
            response = api.post(
                "/api/v1/documents", files=[("files", (name, data, "application/pdf"))]
            )
            assert response.status_code == code, (name, response.text)
            assert fragment in response.json()["detail"].lower(), name
        zipped = api.post(
            "/api/v1/documents",
            files=[("files", ("bomb.zip", corpus["bomb.zip"][0], "application/zip"))],
        )
        assert zipped.status_code == 415
    assert strict_stack.api_alive()


def test_hostile_batch_refuses_each_bad_file_and_completes_the_good_ones(
    strict_stack: Stack, corpus: dict[str, tuple[bytes, int, str]]
) -> None:
    good = page_documents(2)
    files = [("files", (n, d, "application/octet-stream")) for n, (d, _, _) in corpus.items()]
    files += [("files", ("slow.pdf", slow_pdf(), "application/pdf"))]
    files += [("files", (n, d, "application/pdf")) for n, d in good]
    with strict_stack.client(strict_stack.workspace("batch")) as api:
        response = api.post("/api/v1/batches", files=files)
        assert response.status_code == 202, response.text
        batch = response.json()
        refused = {r["filename"]: r for r in batch["refused"]}
        for name, (_, code, fragment) in corpus.items():
            if name in PASSES_PROBE:
                continue
            if name == "traversal.zip":
                for entry in ("traversal.zip/evil.pdf", "traversal.zip/abs.pdf"):
                    assert refused[entry]["status_code"] == code
                    assert fragment in refused[entry]["reason"].lower()
                continue
            assert refused[name]["status_code"] == code, name
            assert fragment in refused[name]["reason"].lower(), name
        accepted = {d["filename"]: d["id"] for d in batch["documents"]}
        expected = {"scanned.pdf", "slow.pdf", "traversal.zip/good.pdf", *(n for n, _ in good)}
        assert set(accepted) == expected
        states = wait_final(api, list(accepted.values()), timeout=600)
        by_name = {name: states[i] for name, i in accepted.items()}
        assert by_name["scanned.pdf"]["status"] == "failed"
        assert "no text layer" in by_name["scanned.pdf"]["reason"]
        assert by_name["slow.pdf"]["status"] == "failed"
        assert "took more than 3 s" in by_name["slow.pdf"]["reason"]
        for name in ("traversal.zip/good.pdf", *(n for n, _ in good)):
            assert by_name[name]["status"] == "completed", name
        progress = api.get(f"/api/v1/batches/{batch['id']}").json()
        assert progress["done"] == progress["total"]
        assert progress["counts"]["refused"] == len(batch["refused"])
    assert strict_stack.api_alive()
    # Nothing was written outside the workspace's own folders, whatever the zip entries said.
    data_dir = Path(strict_stack.env["LEXCREW_DATA_DIR"])
    assert not list(data_dir.rglob("evil.pdf")) and not list(data_dir.rglob("abs.pdf"))
