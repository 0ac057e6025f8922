"""Every tier down: the document waits, visibly, as `delayed`, and completes once a tier is back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.bootstrap import build_service
from app.config import Settings
from app.documents.processing import DocumentProcessor
from app.documents.status import Stage, Status
from app.documents.sweeper import Sweeper
from app.storage.db import transaction
from app.storage.migrate import open_database
from app.storage.models import Document
from app.workspaces.service import Workspaces
from tests.integration.gateway.conftest import server_tier
from tests.support.fakes import RecordingEnqueuer
from tests.support.faultproxy import FaultProxy

pytestmark = pytest.mark.integration


def test_a_document_waits_as_delayed_while_every_tier_is_down_then_completes(
    tmp_path: Path, local_proxy: FaultProxy, sample_bytes: bytes
) -> None:
    settings = Settings.model_validate(
        {
            "data_dir": tmp_path,
            "worker": {"delayed_retry_s": 0.0},
            "gateway": {
                "tiers": {"self_hosted": server_tier(local_proxy.url, "local-gemma", False)},
                "retry": {"attempts": 2, "initial_wait_s": 0.05, "max_wait_s": 0.1},
            },
        }
    )
    _engine, sessions = open_database(settings)
    workspace = Workspaces(sessions).ensure_local()
    doc_id = hashlib.sha256(sample_bytes).hexdigest()
    with transaction(sessions) as session:
        session.add(
            Document(
                workspace_id=workspace.id, id=doc_id, filename="agency.pdf",
                size_bytes=len(sample_bytes), status=Status.QUEUED,
            )
        )  # fmt: skip
    service, store = build_service(settings, sessions)
    service.parts.files.save_pdf(workspace.id, doc_id, sample_bytes, "agency.pdf")
    enqueuer = RecordingEnqueuer()
    processor = DocumentProcessor(settings.worker, sessions, service, store, enqueuer)
    try:
        processor.ingest(workspace.id, doc_id)
        local_proxy.set_default("drop")  # the only tier goes down
        processor.review(workspace.id, doc_id)
        with sessions() as session:
            doc = session.get(Document, (workspace.id, doc_id))
            assert doc is not None
            assert doc.status == Status.DELAYED
            assert doc.reason is not None and "no model tier answered" in doc.reason

        local_proxy.set_default("forward")  # the tier is back; the sweeper sends it again
        enqueuer.sent.clear()
        Sweeper(sessions, settings.worker, enqueuer).run()
        assert (str(Stage.REVIEW), workspace.id, doc_id) in [s[:3] for s in enqueuer.sent]
        processor.review(workspace.id, doc_id)
        with sessions() as session:
            doc = session.get(Document, (workspace.id, doc_id))
            assert doc is not None and doc.status == Status.COMPLETED
    finally:
        processor.close()
