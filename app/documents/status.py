"""The statuses a client sees, and which of them are final."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a document is; every status but `completed` comes with a reason when it has one."""

    QUEUED = "queued"
    INGESTING = "ingesting"
    REVIEWING = "reviewing"
    COMPLETED = "completed"
    FAILED = "failed"
    BUDGET_EXCEEDED = "budget_exceeded"
    DELAYED = "delayed"


FINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.BUDGET_EXCEEDED})
IN_FLIGHT = frozenset({Status.QUEUED, Status.INGESTING, Status.REVIEWING, Status.DELAYED})


class Stage(StrEnum):
    """The two worker tasks a document goes through."""

    INGEST = "ingest"
    REVIEW = "review"


# The status a document holds while a stage works on it or waits for it.
STAGE_STATUS = {Stage.INGEST: Status.INGESTING, Stage.REVIEW: Status.REVIEWING}
