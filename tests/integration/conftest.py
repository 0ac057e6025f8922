"""Real parts, started for real: llama.cpp with Gemma 3 270M, MiniLM, Qdrant in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.gateway.llamacpp import LlamaCppModel
from app.gateway.model_files import ensure_gguf
from app.offline import apply_offline_environment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lexcrew-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    settings = Settings(data_dir=data_dir)
    settings.ensure_dirs()
    apply_offline_environment(settings)
    return settings


@pytest.fixture(scope="session")
def llama(settings: Settings) -> Iterator[LlamaCppModel]:
    yield LlamaCppModel(ensure_gguf(settings), settings.model)
