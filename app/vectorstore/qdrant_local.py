"""Qdrant adapter: in-process (local mode, on disk under the data dir) or a Qdrant server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient, models

from app.errors import LexcrewError
from app.ingestion.types import EmbeddedChunk
from app.vectorstore.protocol import ScoredChunk

COLLECTION = "chunks"


class StoreBusyError(LexcrewError):
    """The in-process store is locked by another process (local mode allows one at a time)."""

    status_code = 503


def _filter(workspace_id: str, document_id: str | None) -> models.Filter:
    must = [models.FieldCondition(key="workspace_id", match=models.MatchValue(value=workspace_id))]
    if document_id is not None:
        must.append(
            models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))
        )
    return models.Filter(must=must)  # type: ignore[arg-type]


def _scrub_local(client: QdrantClient, collection_name: str) -> None:
    # Local mode keeps points in SQLite, whose freed pages still hold deleted payloads
    # (section titles are contract text). Rewrite the file so erased data is really gone.
    # qdrant-client has no public call for this; a server compacts on its own.
    local = getattr(client, "_client", None)
    collection = getattr(local, "collections", {}).get(collection_name)
    storage = getattr(getattr(collection, "storage", None), "storage", None)
    if storage is not None:
        storage.execute("VACUUM")


class QdrantStore:
    """Chunk vectors in one collection, hard-filtered by workspace on every read."""

    def __init__(self, client: QdrantClient, dim: int) -> None:
        self._client = client
        # Local mode is not thread-safe, and a worker runs several tasks in threads.
        self._lock = threading.RLock()
        if not client.collection_exists(COLLECTION):
            client.create_collection(
                COLLECTION,
                vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
            )

    @classmethod
    def local(cls, path: Path, dim: int) -> QdrantStore:
        """Open (or create) the in-process store at `path`."""
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = QdrantClient(path=str(path))
        except RuntimeError as exc:
            if "already accessed" not in str(exc):
                raise
            raise StoreBusyError(
                f"the vector store in {path} is open in another lexcrew process (a worker?); "
                "stop it, or set another LEXCREW_DATA_DIR"
            ) from exc
        return cls(client, dim)

    @classmethod
    def server(cls, url: str, api_key: str | None, timeout_s: float, dim: int) -> QdrantStore:
        """Connect to a Qdrant server (production: several workers share it)."""
        return cls(QdrantClient(url=url, api_key=api_key, timeout=int(timeout_s)), dim)

    def close(self) -> None:
        """Release the local store's lock."""
        self._client.close()

    def missing_ids(self, ids: Sequence[str]) -> set[str]:
        """Return the ids not yet stored."""
        with self._lock:
            found = self._client.retrieve(COLLECTION, ids=list(ids), with_payload=False)
        return set(ids) - {str(p.id) for p in found}

    def upsert(self, workspace_id: str, points: Sequence[tuple[str, EmbeddedChunk]]) -> None:
        """Insert or replace points; the same id twice leaves one point."""
        if not points:
            return
        with self._lock:
            self._client.upsert(
                COLLECTION,
                points=[
                    models.PointStruct(
                        id=point_id,
                        vector=item.vector.tolist(),
                        payload={
                            "workspace_id": workspace_id,
                            "document_id": item.chunk.document_id,
                            "page": item.chunk.page,
                            "start": item.chunk.start,
                            "end": item.chunk.end,
                            "section": item.chunk.section,
                        },
                    )
                    for point_id, item in points
                ],
            )

    def search(
        self,
        workspace_id: str,
        vector: npt.NDArray[np.float32],
        limit: int,
        document_id: str | None = None,
    ) -> list[ScoredChunk]:
        """Return the nearest chunks of this workspace (and document, when given)."""
        with self._lock:
            hits = self._client.query_points(
                COLLECTION,
                query=vector.tolist(),
                query_filter=_filter(workspace_id, document_id),
                limit=limit,
                with_payload=True,
            ).points
        return [
            ScoredChunk(
                id=str(h.id),
                score=float(h.score),
                document_id=str(h.payload["document_id"]),
                page=int(h.payload["page"]),
                start=int(h.payload["start"]),
                end=int(h.payload["end"]),
                section=str(h.payload["section"]),
            )
            for h in hits
            if h.payload is not None
        ]

    def delete_document(self, workspace_id: str, document_id: str) -> None:
        """Remove every point of one document of one workspace."""
        with self._lock:
            self._client.delete(
                COLLECTION,
                points_selector=models.FilterSelector(filter=_filter(workspace_id, document_id)),
                wait=True,
            )
            _scrub_local(self._client, COLLECTION)

    def count(self, workspace_id: str, document_id: str | None = None) -> int:
        """Count the points of a workspace (and document, when given)."""
        with self._lock:
            result = self._client.count(
                COLLECTION, count_filter=_filter(workspace_id, document_id), exact=True
            )
        return int(result.count)

    def cache_index(self, dim: int) -> CacheIndex:
        """The semantic cache's vectors, in the same client (local mode allows one per dir)."""
        return CacheIndex(self._client, self._lock, dim)


CACHE_COLLECTION = "gateway_cache"


class CacheIndex:
    """Vectors of cached prompts; every search is hard-filtered by workspace and partition."""

    def __init__(self, client: QdrantClient, lock: threading.RLock, dim: int) -> None:
        self._client = client
        self._lock = lock
        with lock:
            if not client.collection_exists(CACHE_COLLECTION):
                client.create_collection(
                    CACHE_COLLECTION,
                    vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
                )

    def add(
        self,
        key: str,
        vector: npt.NDArray[np.float32],
        workspace_id: str,
        partition: str,
        document_id: str | None,
    ) -> None:
        """Index one cache entry by its hex key (the same key twice leaves one point)."""
        payload = {"workspace_id": workspace_id, "partition": partition, "key": key}
        if document_id is not None:
            payload["document_id"] = document_id
        point = models.PointStruct(
            id=str(uuid.UUID(key[:32])), vector=vector.tolist(), payload=payload
        )
        with self._lock:
            self._client.upsert(CACHE_COLLECTION, points=[point])

    def nearest(
        self, vector: npt.NDArray[np.float32], workspace_id: str, partition: str
    ) -> tuple[str, float] | None:
        """The key of the closest entry of this workspace and partition, with its cosine."""
        query_filter = models.Filter(
            must=[
                models.FieldCondition(
                    key="workspace_id", match=models.MatchValue(value=workspace_id)
                ),
                models.FieldCondition(key="partition", match=models.MatchValue(value=partition)),
            ]
        )
        with self._lock:
            hits = self._client.query_points(
                CACHE_COLLECTION,
                query=vector.tolist(),
                query_filter=query_filter,
                limit=1,
                with_payload=["key"],
            ).points
        if not hits or hits[0].payload is None:
            return None
        return str(hits[0].payload["key"]), float(hits[0].score)

    def delete_document(self, workspace_id: str, document_id: str) -> None:
        """Remove the entries made while reviewing one document."""
        with self._lock:
            self._client.delete(
                CACHE_COLLECTION,
                points_selector=models.FilterSelector(filter=_filter(workspace_id, document_id)),
                wait=True,
            )
            _scrub_local(self._client, CACHE_COLLECTION)

    def count(self) -> int:
        with self._lock:
            return int(self._client.count(CACHE_COLLECTION, exact=True).count)
