"""A migrated database per test, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.config import Settings
from app.storage.db import SessionFactory
from tests.support.fakes import RecordingEnqueuer
from tests.support.fixtures import postgres_server  # noqa: F401
from tests.support.services import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    url = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = SecretStr(server.create_database(f"t{uuid.uuid4().hex[:12]}"))
    yield Settings(data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def sessions(db_settings: Settings) -> Iterator[SessionFactory]:
    from app.storage.migrate import open_database

    engine, factory = open_database(db_settings)
    yield factory
    engine.dispose()


@pytest.fixture
def enqueuer() -> RecordingEnqueuer:
    return RecordingEnqueuer()
