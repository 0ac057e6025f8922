"""The queue as the document services see it."""

from __future__ import annotations

from typing import Protocol

from app.documents.status import Stage


class Enqueuer(Protocol):
    """Sends stage tasks to workers; a failed send returns False (the sweeper resends)."""

    def send(self, stage: Stage, workspace_id: str, document_id: str, priority: str) -> bool: ...

    def purge(self, workspace_id: str, document_id: str) -> bool: ...
