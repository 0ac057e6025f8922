"""A list of batches is summarised by one grouped query, as each batch is from its files."""

from __future__ import annotations

import pytest

from app.documents.queries import batch_items, batch_progress, batch_summaries
from app.documents.status import Status
from app.storage.db import SessionFactory, transaction
from app.storage.models import Batch, BatchItem, Document, Workspace

# (status, progress) of each file's document; None: the file was refused.
BATCHES = {
    "b1": [(Status.COMPLETED, 1.0), (Status.REVIEWING, 0.4), (Status.QUEUED, 0.0), None],
    "b2": [(Status.FAILED, 0.3), (Status.DELAYED, 0.6), (Status.REVIEWING, 0.25), None, None],
    "b3": [None],
    "b4": [(Status.COMPLETED, 1.0), (Status.BUDGET_EXCEEDED, 0.5)],
}


def _fill(sessions: SessionFactory) -> None:
    with transaction(sessions) as session:
        for workspace in ("ws1", "ws2"):
            session.add(Workspace(id=workspace, name=workspace))
        session.flush()
        n = 0
        for batch_id, files in BATCHES.items():
            workspace = "ws2" if batch_id == "b4" else "ws1"
            session.add(Batch(id=batch_id, workspace_id=workspace, request_hash="h"))
            session.flush()
            for position, file in enumerate(files):
                doc_id = None
                if file is not None:
                    n += 1
                    doc_id = f"{n:064d}"
                    status, progress = file
                    session.add(
                        Document(
                            workspace_id=workspace,
                            id=doc_id,
                            filename=f"{n}.pdf",
                            size_bytes=10,
                            status=status,
                            progress=progress,
                        )
                    )
                session.add(
                    BatchItem(
                        batch_id=batch_id,
                        position=position,
                        workspace_id=workspace,
                        filename=f"{batch_id}-{position}.pdf",
                        document_id=doc_id,
                        status_code=None if doc_id else 422,
                        reason=None if doc_id else "not a PDF",
                    )
                )


def test_grouped_summaries_equal_the_summary_of_each_batchs_files(
    sessions: SessionFactory,
) -> None:
    _fill(sessions)
    with sessions() as session:
        grouped = batch_summaries(session, "ws1", ["b1", "b2", "b3"])
        for batch_id in ("b1", "b2", "b3"):
            one = batch_progress(batch_items(session, "ws1", batch_id))
            assert grouped[batch_id].counts == one.counts
            assert (grouped[batch_id].total, grouped[batch_id].done) == (one.total, one.done)
            assert grouped[batch_id].progress == pytest.approx(one.progress, abs=1e-4)
        # b1: one completed and one refused are whole, 0.4 and 0 under way: 2.4 of 4.
        assert grouped["b1"].progress == pytest.approx(0.6) and grouped["b1"].done == 2
        assert grouped["b3"].counts == {"refused": 1} and grouped["b3"].progress == 1.0
        # Another workspace's batch reads as an empty one, never as its counts.
        assert batch_summaries(session, "ws1", ["b4"])["b4"].total == 0
        assert batch_summaries(session, "ws2", ["b4"])["b4"].done == 2
        assert batch_summaries(session, "ws1", []) == {}
