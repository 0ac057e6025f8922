"""Fakes for unit-level tests; the real adapters are exercised by the integration tests."""

from __future__ import annotations

from app.documents.status import Stage


class RecordingEnqueuer:
    """The queue's fake: records what would be sent (the real one is tested with a worker)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str]] = []

    def send(self, stage: Stage, workspace_id: str, document_id: str, priority: str) -> bool:
        self.sent.append((str(stage), workspace_id, document_id, priority))
        return True

    def purge(self, workspace_id: str, document_id: str) -> bool:
        self.sent.append(("purge", workspace_id, document_id, "interactive"))
        return True
