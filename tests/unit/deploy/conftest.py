"""Fixtures of the deploy tests: docker-compose.yml as data and the settings of .env.example."""

from __future__ import annotations

import pytest
import yaml

from tests.unit.deploy.paths import ROOT, read_env_file


@pytest.fixture(scope="session")
def compose_file() -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return read_env_file(ROOT / ".env.example")
