"""The ingestion path: parse -> chunk -> embed -> index, each stage timed."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from app.ingestion.chunker import CHUNKER_VERSION, ClauseChunker
from app.ingestion.embedder import Embedder
from app.ingestion.pdf import PdfParser
from app.ingestion.types import Chunk, EmbeddedChunk, ExtractedText
from app.observability.stages import stage
from app.vectorstore.protocol import VectorStore

CHUNK_NAMESPACE = uuid.UUID("6f1d1c52-93a8-4c0e-9a55-2f4de1f3c0a1")


def chunk_id(chunk: Chunk, embedder_name: str, workspace_id: str) -> str:
    """Return the chunk's deterministic point id (workspace, document, index, chunker, embedder).

    The workspace is part of the id: the same file in two workspaces is two sets of points.
    """
    key = f"{workspace_id}:{chunk.document_id}:{chunk.index}:{CHUNKER_VERSION}:{embedder_name}"
    return str(uuid.uuid5(CHUNK_NAMESPACE, key))


@dataclass(frozen=True)
class StageTimings:
    """Seconds spent in each ingestion stage."""

    parse_s: float
    chunk_s: float
    embed_s: float
    index_s: float

    @property
    def total_s(self) -> float:
        return self.parse_s + self.chunk_s + self.embed_s + self.index_s


@dataclass(frozen=True)
class IngestResult:
    """A parsed, chunked and indexed document."""

    text: ExtractedText
    chunks: tuple[Chunk, ...]
    new_points: int
    timings: StageTimings


class Ingestor:
    """Runs the ingestion stages; re-ingesting a document embeds and writes nothing."""

    def __init__(
        self, parser: PdfParser, chunker: ClauseChunker, embedder: Embedder, store: VectorStore
    ) -> None:
        self.parser = parser
        self.chunker = chunker
        self.embedder = embedder
        self.store = store

    def close(self) -> None:
        """Stop the parser's child processes (the store is closed by its owner)."""
        self.parser.close()

    def ingest(self, data: bytes, filename: str, workspace_id: str) -> IngestResult:
        """Parse, chunk, embed and index one PDF; raises BadDocumentError on bad input."""
        t0 = time.perf_counter()
        with stage("parse", "parser") as step:
            text = self.parser.parse(data, filename)
            if step is not None:
                step.attributes["pages"] = len(text.pages)
        t1 = time.perf_counter()
        with stage("chunk") as step:
            chunks = tuple(self.chunker.chunk(text))
            if step is not None:
                step.attributes["chunks"] = len(chunks)
        t2 = time.perf_counter()
        ids = [chunk_id(c, self.embedder.name, workspace_id) for c in chunks]
        missing = self.store.missing_ids(ids) if ids else set()
        todo = [(i, c) for i, c in zip(ids, chunks, strict=True) if i in missing]
        with stage("embed") as step:
            vectors = self.embedder.embed([c.text for _, c in todo])
            if step is not None:
                step.attributes["embedded"] = len(todo)
        t3 = time.perf_counter()
        with stage("index"):
            self.store.upsert(
                workspace_id,
                [(i, EmbeddedChunk(c, v)) for (i, c), v in zip(todo, vectors, strict=True)],
            )
        t4 = time.perf_counter()
        return IngestResult(
            text, chunks, len(todo), StageTimings(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
        )
