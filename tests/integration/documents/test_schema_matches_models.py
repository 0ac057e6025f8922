"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL: a
column added to a model without a migration would work in tests and fail on a real upgrade."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.config import Settings
from app.storage.migrate import open_database
from app.storage.models import Base


def test_the_migrated_schema_has_no_difference_from_the_models(db_settings: Settings) -> None:
    engine, _sessions = open_database(db_settings)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
