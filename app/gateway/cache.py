"""Semantic cache of model answers: an exact-hash fast path, then nearest neighbour in Qdrant.

Entries live in one partition per (workspace, task, model, adapter, prompt version, answer
schema): a lookup never sees another workspace's entries, and a new model, adapter or prompt
version starts an empty partition (the old entries expire with their TTL).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, update

from app.config import CacheSettings
from app.gateway.types import CompletionRequest
from app.storage.db import SessionFactory, transaction
from app.storage.models import CacheEntry, utcnow
from app.vectorstore.qdrant_local import CacheIndex

Embed = Callable[[Sequence[str]], npt.NDArray[np.float32]]
_UNTRUSTED = re.compile(r"<contract_text>(.*?)</contract_text>", re.DOTALL)
_WINDOW_WORDS = 180  # under MiniLM's 256-token limit


@dataclass(frozen=True)
class CacheHit:
    key: str
    answer: str
    prompt_tokens: int
    completion_tokens: int
    similarity: float  # 1.0 for an exact hit


def _sha(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def partition_of(workspace_id: str, model: str, adapter: str, request: CompletionRequest) -> str:
    """The partition a request's answer belongs to. It includes the prompt outside its contract
    text, so a nearest neighbour is only ever a prompt that asks the same question (the judge's
    two statement orders differ there and nowhere else)."""
    instructions = json.dumps(
        [[m.role, _UNTRUSTED.sub("<contract_text/>", m.content)] for m in request.messages]
    )
    return _sha(
        workspace_id,
        request.task,
        model,
        adapter,
        request.prompt_version,
        request.json_schema or "",
        str(request.max_tokens),
        instructions,
    )


def key_of(partition: str, request: CompletionRequest) -> str:
    """The exact key: the partition plus every message."""
    return _sha(partition, json.dumps([[m.role, m.content] for m in request.messages]))


def semantic_text(request: CompletionRequest) -> str:
    """What is compared for similarity: the contract text of the prompt, else all of it."""
    joined = "\n".join(m.content for m in request.messages)
    slots = _UNTRUSTED.findall(joined)
    return "\n".join(slots) if slots else joined


class SemanticCache:
    """Looks answers up and stores them; the exact path needs no embedding."""

    def __init__(
        self,
        sessions: SessionFactory,
        settings: CacheSettings,
        index: CacheIndex | None = None,
        embed: Embed | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._index = index if settings.semantic else None
        self._embed = embed

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    def _vector(self, text: str) -> npt.NDArray[np.float32] | None:
        if self._embed is None:
            return None
        words = text.split()
        windows = [
            " ".join(words[i : i + _WINDOW_WORDS]) for i in range(0, len(words), _WINDOW_WORDS)
        ] or [""]
        mean = self._embed(windows).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return (mean / norm).astype(np.float32) if norm > 0 else None

    def lookup(self, workspace_id: str, partition: str, key: str, text: str) -> CacheHit | None:
        """The exact entry, else the nearest one over the similarity threshold, if fresh."""
        hit = self._fresh(workspace_id, partition, key, 1.0)
        if hit is not None or self._index is None:
            return hit
        vector = self._vector(text)
        if vector is None:
            return None
        near = self._index.nearest(vector, workspace_id, partition)
        if near is None or near[1] < self._settings.similarity:
            return None
        return self._fresh(workspace_id, partition, near[0], near[1])

    def _fresh(
        self, workspace_id: str, partition: str, key: str, similarity: float
    ) -> CacheHit | None:
        with transaction(self._sessions) as session:
            entry = session.get(CacheEntry, key)
            if (
                entry is None
                or entry.workspace_id != workspace_id
                or entry.partition != partition
                or entry.expires_at <= utcnow()
            ):
                return None
            session.execute(
                update(CacheEntry).where(CacheEntry.key == key).values(hits=CacheEntry.hits + 1)
            )
            return CacheHit(
                key, entry.answer, entry.prompt_tokens, entry.completion_tokens, similarity
            )

    def store(
        self,
        workspace_id: str,
        document_id: str | None,
        partition: str,
        key: str,
        text: str,
        answer: str,
        tokens: tuple[int, int],
    ) -> None:
        """Keep an answer (replacing an expired one with the same key)."""
        expires = utcnow() + timedelta(days=self._settings.ttl_days)
        with transaction(self._sessions) as session:
            session.merge(
                CacheEntry(
                    key=key,
                    workspace_id=workspace_id,
                    partition=partition,
                    document_id=document_id,
                    answer=answer,
                    prompt_tokens=tokens[0],
                    completion_tokens=tokens[1],
                    created_at=utcnow(),
                    expires_at=expires,
                    hits=0,
                )
            )
        if self._index is not None:
            vector = self._vector(text)
            if vector is not None:
                self._index.add(key, vector, workspace_id, partition, document_id)

    def forget_document(self, workspace_id: str, document_id: str) -> None:
        """Erase the entries made while reviewing a document (rows and vectors)."""
        forget_entries(self._sessions, workspace_id, document_id)
        if self._index is not None:
            self._index.delete_document(workspace_id, document_id)


def forget_entries(sessions: SessionFactory, workspace_id: str, document_id: str) -> None:
    """Delete a document's cached answers from the database (vectors go with the purge)."""
    with transaction(sessions) as session:
        session.execute(
            delete(CacheEntry).where(
                CacheEntry.workspace_id == workspace_id, CacheEntry.document_id == document_id
            )
        )
