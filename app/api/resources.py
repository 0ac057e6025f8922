"""The long-lived parts the API needs, built once in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from app.config import Settings
from app.intake.sandbox import PdfSandbox
from app.intake.service import Intake
from app.queue.celery_config import CeleryEnqueuer, create_celery
from app.storage.db import SessionFactory
from app.storage.files import DocumentFiles
from app.storage.migrate import open_database
from app.workspaces.service import Workspaces


@dataclass
class Resources:
    """Everything a request handler may use; nothing here holds contract text."""

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    files: DocumentFiles
    workspaces: Workspaces
    intake: Intake
    enqueuer: CeleryEnqueuer
    sandbox: PdfSandbox

    @classmethod
    def build(cls, settings: Settings) -> Resources:
        """Connect to the database (migrating it), the queue and the PDF sandbox."""
        settings.ensure_dirs()
        engine, sessions = open_database(settings)
        files = DocumentFiles(settings.documents_dir)
        enqueuer = CeleryEnqueuer(create_celery(settings))
        sandbox = PdfSandbox(settings.upload, settings.ingest.max_pages, workers=2)
        intake = Intake(settings.upload, sessions, files, sandbox, enqueuer)
        return cls(
            settings, engine, sessions, files, Workspaces(sessions), intake, enqueuer, sandbox
        )

    def close(self) -> None:
        """Stop the sandbox's child processes and close database connections."""
        self.sandbox.close()
        self.engine.dispose()
