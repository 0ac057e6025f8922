from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.ingestion.chunker import ClauseChunker
from app.ingestion.embedder import MiniLMEmbedder
from app.ingestion.pdf import PypdfParser
from app.ingestion.pipeline import Ingestor
from app.vectorstore.qdrant_local import QdrantStore

pytestmark = pytest.mark.integration


def test_reingesting_a_document_changes_nothing_and_reads_are_workspace_scoped(
    settings: Settings, sample_bytes: bytes, tmp_path: Path
) -> None:
    embedder = MiniLMEmbedder()
    store = QdrantStore.local(tmp_path / "qdrant", embedder.dim)
    try:
        ingestor = Ingestor(PypdfParser(), ClauseChunker(), embedder, store)
        first = ingestor.ingest(sample_bytes, "agency.pdf", "ws-a")
        assert first.new_points == len(first.chunks) > 5
        assert store.count("ws-a") == len(first.chunks)

        again = ingestor.ingest(sample_bytes, "agency.pdf", "ws-a")
        assert again.new_points == 0
        assert store.count("ws-a") == len(first.chunks)

        query = embedder.embed(["governed by the laws of the State of Nevada"])[0]
        hits = store.search("ws-a", query, limit=3, document_id=first.text.document_id)
        assert hits and "Nevada" in first.text.text[hits[0].start : hits[0].end]
        assert store.search("ws-b", query, limit=3) == []
    finally:
        store.close()


def test_embeddings_are_unit_length_384_d() -> None:
    vectors = MiniLMEmbedder().embed(["a clause", "another clause"])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3
