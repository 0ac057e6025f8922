from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.api.main import create_app
from app.config import Settings
from app.errors import ConfigurationError
from app.production import problems, require_fit

STRONG = "9f" * 24


def _settings(**env: object) -> Settings:
    fit: dict[str, object] = {
        "env": "production",
        "redis_url": f"redis://:{STRONG}@redis:6379/0",
        "database_url": f"postgresql+psycopg://lexcrew:{STRONG}@postgres:5432/lexcrew",
        "qdrant": {"url": "http://qdrant:6333", "api_key": STRONG},
        "api": {"session_secret": STRONG},
    }
    return Settings(**{**fit, **env})  # type: ignore[arg-type]


def test_settings_with_real_secrets_are_fit() -> None:
    assert problems(_settings()) == []
    require_fit(_settings())


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"api": {"session_secret": "change-me"}}, "SESSION_SECRET"),
        ({"api": {}}, "SESSION_SECRET"),
        ({"redis_url": "redis://redis:6379/0"}, "Redis must require a password"),
        ({"redis_url": "redis://:change-me@redis:6379/0"}, "Redis must require a password"),
        ({"redis_url": None}, "LEXCREW_REDIS_URL"),
        ({"database_url": None}, "PostgreSQL"),
        ({"database_url": "postgresql+psycopg://lexcrew:change-me@pg/lexcrew"}, "database"),
        ({"qdrant": {"url": "http://qdrant:6333"}}, "QDRANT__API_KEY"),
        ({"qdrant": {}}, "QDRANT__URL"),
    ],
)
def test_each_laptop_default_is_named(change: dict[str, object], complaint: str) -> None:
    found = problems(_settings(**change))
    assert any(complaint in p for p in found), found
    with pytest.raises(ConfigurationError, match="refusing to start in production mode"):
        require_fit(_settings(**change))


def test_development_mode_starts_with_the_embedded_defaults() -> None:
    require_fit(Settings(env="development"))


def test_the_api_refuses_to_start_with_default_secrets() -> None:
    with pytest.raises(ConfigurationError, match="SESSION_SECRET"):
        create_app(_settings(api={"session_secret": "change-me"}))


def test_the_cli_and_the_worker_refuse_too(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "LEXCREW_DATA_DIR": str(tmp_path),
        "LEXCREW_ENV": "production",
        "LEXCREW_REDIS_URL": "redis://:change-me@127.0.0.1:1/0",
    }
    cli = subprocess.run(
        [sys.executable, "-m", "app.cli", "workspace", "create", "acme"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert cli.returncode == 2
    assert "refusing to start in production mode" in cli.stderr
    worker = subprocess.run(
        [sys.executable, "-c", "import workers.celery_app"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert worker.returncode != 0 and "ConfigurationError" in worker.stderr
    assert not (tmp_path / "lexcrew.db").exists()  # refused before touching anything
