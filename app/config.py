"""One Settings object: the only reader of the environment."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("lexcrew", appauthor=False))


class ModelSettings(BaseModel):
    """The self-hosted model served in-process by llama.cpp (the embedded default)."""

    gguf_path: Path | None = Field(
        default=None, description="A GGUF file; default: Gemma 3 270M assembled from PyPI."
    )
    lora_path: Path | None = Field(default=None, description="Optional GGUF LoRA adapter.")
    name: str = "gemma-3-270m-q4_k_m"
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 7
    usd_per_hour: float | None = Field(
        default=None, description="Cost of the machine serving the model; unknown when unset."
    )


class IngestSettings(BaseModel):
    """Chunking and embedding of parsed text."""

    chunk_max_chars: int = 1500
    embed_batch_size: int = 64
    embed_threads: int = 1
    max_pages: int = 1000


class UploadSettings(BaseModel):
    """What intake accepts; every refusal is a 413, 415 or 422 with a reason."""

    max_file_mb: float = 50.0
    max_files_per_request: int = 1000
    max_zip_mb: float = Field(
        default=512.0, description="Size of a zip archive itself, before it is opened."
    )
    max_zip_entries: int = 5000
    max_zip_total_mb: float = 2048.0
    parse_memory_mb: int = 1024
    parse_timeout_s: float = 60.0

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_zip_bytes(self) -> int:
        return int(self.max_zip_mb * 1024 * 1024)

    @property
    def max_zip_total_bytes(self) -> int:
        return int(self.max_zip_total_mb * 1024 * 1024)


class ExtractionSettings(BaseModel):
    """The clause model that finds candidate clauses."""

    threshold_scale: float = Field(
        default=1.0, description="Multiplies every per-category threshold of the clause model."
    )
    max_clauses_per_category: int = 10
    # Chosen by cross-validation on CUAD train (bench/cv_pipeline.py): not merging adjacent
    # units and keeping up to 10 per category gave clause F1 0.611 (best 0.612), AUPR 0.567.
    merge_adjacent: bool = Field(
        default=False, description="Adjacent units over the threshold become one clause."
    )
    low_confidence: float = 0.5


class WorkerSettings(BaseModel):
    """Celery workers, leases on documents, and the sweeper that makes the database durable."""

    concurrency: int = Field(default=1, description="Threads per worker process.")
    lease_s: float = Field(
        default=120.0, description="A claimed document not heard from for this long is retried."
    )
    heartbeat_s: float = 20.0
    queued_timeout_s: float = Field(
        default=300.0, description="A queued document not picked up for this long is re-sent."
    )
    sweep_interval_s: float = 30.0
    max_attempts: int = Field(
        default=3, description="Lost attempts at one stage before a document fails."
    )
    delayed_retry_s: float = Field(
        default=60.0, description="When a document waiting for a model tier is tried again."
    )


class ApiSettings(BaseModel):
    """The HTTP service started by `lexcrew serve`."""

    host: str = "127.0.0.1"
    port: int = 8000
    embedded_worker: bool = Field(
        default=True, description="Start a worker process beside the API (the embedded default)."
    )


class Settings(BaseSettings):
    """Everything lexcrew reads from its environment, with defaults for the embedded mode."""

    model_config = SettingsConfigDict(
        env_prefix="LEXCREW_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    redis_url: SecretStr | None = Field(
        default=None, description="Celery broker; unset: a server-less filesystem queue."
    )
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; unset: a SQLite file in the data dir."
    )
    model: ModelSettings = ModelSettings()
    ingest: IngestSettings = IngestSettings()
    extraction: ExtractionSettings = ExtractionSettings()
    upload: UploadSettings = UploadSettings()
    worker: WorkerSettings = WorkerSettings()
    api: ApiSettings = ApiSettings()

    @property
    def database_url_value(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'lexcrew.db'}"

    @cached_property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @cached_property
    def qdrant_dir(self) -> Path:
        return self.data_dir / "qdrant"

    @cached_property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @cached_property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @cached_property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    def ensure_dirs(self) -> None:
        """Create the data dir and its sub-folders."""
        for path in (self.documents_dir, self.qdrant_dir, self.models_dir, self.cache_dir):
            path.mkdir(parents=True, exist_ok=True)
