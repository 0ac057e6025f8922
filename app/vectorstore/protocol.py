"""What the app needs from a vector store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.ingestion.types import EmbeddedChunk


@dataclass(frozen=True)
class ScoredChunk:
    """A search hit: the chunk's place in its document and its cosine score."""

    id: str
    score: float
    document_id: str
    page: int
    start: int
    end: int
    section: str


class VectorStore(Protocol):
    """Stores chunk vectors scoped to a workspace; ids are deterministic."""

    def missing_ids(self, ids: Sequence[str]) -> set[str]: ...

    def upsert(self, workspace_id: str, points: Sequence[tuple[str, EmbeddedChunk]]) -> None: ...

    def search(
        self,
        workspace_id: str,
        vector: npt.NDArray[np.float32],
        limit: int,
        document_id: str | None = None,
    ) -> list[ScoredChunk]: ...

    def close(self) -> None: ...

    def delete_document(self, workspace_id: str, document_id: str) -> None: ...

    def count(self, workspace_id: str, document_id: str | None = None) -> int: ...
