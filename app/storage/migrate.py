"""Bring the database schema to the newest Alembic revision, one process at a time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import Engine, text

from app.config import Settings
from app.storage.db import SessionFactory, create_db_engine, session_factory

MIGRATIONS = Path(__file__).with_name("migrations")
# Any fixed number: PostgreSQL advisory locks are keyed by a 64-bit integer.
_PG_LOCK_KEY = 7_404_219


def alembic_config() -> Config:
    """Return an Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, settings: Settings) -> None:
    """Apply every pending migration; concurrent callers wait for each other."""
    config = alembic_config()
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(settings.data_dir / ".migrate.lock")), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(settings: Settings) -> tuple[Engine, SessionFactory]:
    """Connect to the configured database and bring its schema up to date."""
    engine = create_db_engine(settings)
    upgrade(engine, settings)
    return engine, session_factory(engine)
