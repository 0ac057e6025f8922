"""One Settings object: the only reader of the environment."""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.gateway.types import TaskKind

ENV_PREFIX = "LEXCREW_"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("lexcrew", appauthor=False))


class ModelSettings(BaseModel):
    """The self-hosted model served in-process by llama.cpp (the embedded default)."""

    gguf_path: Path | None = Field(
        default=None, description="A GGUF file; default: Gemma 3 270M assembled from PyPI."
    )
    lora_path: Path | None = Field(
        default=None,
        description="A GGUF LoRA adapter; default: the registered one, else the shipped one.",
    )
    use_adapter: bool = Field(default=True, description="False: run the base model, no LoRA.")
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


# The crew tasks a review may leave out when only base weights would answer them.
BaseWeightTask = Literal["validate", "summarize"]


class ExtractionSettings(BaseModel):
    """The clause model that finds candidate clauses."""

    threshold_scale: float = Field(
        default=1.0, description="Multiplies every per-category threshold of the clause model."
    )
    max_clauses_per_category: int = Field(
        default=10,
        description="Most findings per category of the clause model; the phrase model's "
        "categories (parties, title, dates) have their own cap, chosen on train.",
    )
    # Chosen by cross-validation on CUAD train (bench/cv_pipeline.py): with the rescorer, not
    # merging adjacent units gave clause F1 0.647, merging them 0.636.
    merge_adjacent: bool = Field(
        default=False, description="Adjacent units over the threshold become one clause."
    )
    # Possible clauses: candidates under the reporting threshold, shown apart. A floor of 0.02
    # and 20 per category were chosen by cross-validation on CUAD train (bench/cv_pipeline.py):
    # AUPR 0.653 and max recall 0.820 for 132 findings and possible clauses per contract
    # (floor 0.01: 0.655 / 0.834 for 179; floor 0.05: 0.644 / 0.785 for 75).
    possible_floor: float = Field(
        default=0.02, ge=0.0, le=1.0, description="Least confidence of a possible clause."
    )
    possible_per_category: int = Field(
        default=20, ge=0, description="Most possible clauses per category and document."
    )
    low_confidence: float = Field(
        default=0.5, description="Findings under this confidence go to the validator and people."
    )
    # On dev the base Gemma 3 270M's yes/no was no better than a coin (informedness 0.014, 25
    # answers to 172 questions) and its overview was used for 4 of 52 contracts, none saying
    # anything; the two took 250 of the review's 370 s of model time (README "Speed"). So a
    # task is put to base weights only when listed here.
    base_weight_tasks: list[BaseWeightTask] = Field(
        default_factory=list,
        description="Crew tasks still asked when the first tier for them would answer on base "
        "weights (a LoRA trained for other tasks only, or none): `validate` (the model check of "
        "low-confidence findings), `summarize` (the memo's overview). Deterministic checks and "
        "the memo built from the findings always run.",
    )
    judge_sample_rate: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description="Share of findings the LLM judge checks (both statement orders).",
    )
    judge_max_per_document: int = 8
    human_sample_rate: float = Field(
        default=0.07, ge=0.0, le=1.0, description="Share of other findings sent to people."
    )


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
    metrics_port: int | None = Field(
        default=None,
        description="Serve the worker's Prometheus metrics on this port (unset: not served; "
        "the embedded worker's metrics are on the API's /metrics).",
    )


class ApiSettings(BaseModel):
    """The HTTP service started by `lexcrew serve`."""

    host: str = "127.0.0.1"
    port: int = 8000
    embedded_worker: bool = Field(
        default=True, description="Start a worker process beside the API (the embedded default)."
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the web UI's session cookie; unset: a random one kept in the data dir.",
    )
    session_hours: float = 8.0
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (behind TLS)."
    )


class QdrantSettings(BaseModel):
    """Where vectors live: in-process in the data dir (unset url), or a Qdrant server."""

    url: str | None = Field(default=None, description="e.g. http://qdrant:6333")
    api_key: SecretStr | None = None
    timeout_s: float = 10.0


class LogSettings(BaseModel):
    """Log lines: `text` for a terminal, `json` (one object per line) for a log pipeline."""

    format: Literal["text", "json"] = "text"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


class TracingSettings(BaseModel):
    """Review traces: always kept in the local store; sent to LangSmith when configured."""

    local: bool = Field(default=True, description="Keep every span in the database for the UI.")
    langsmith_endpoint: str | None = Field(
        default=None, description="LangSmith API URL; unset: nothing is sent anywhere."
    )
    langsmith_api_key: SecretStr | None = None
    project: str = "lexcrew"
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 5.0
    exit_flush_s: float = Field(
        default=2.0, description="At most this long is spent sending traces at process exit."
    )


class DriftSettings(BaseModel):
    """The weekly replay of a fixed labelled sample, compared with its stored baseline."""

    sample_dir: Path | None = Field(
        default=None,
        description="A CUAD-format folder (<name>.pdf + <name>.json); unset: the checkout's "
        "samples/ (three CUAD contracts).",
    )
    max_drop: float = Field(
        default=0.05, description="Alert when a headline metric falls more than this share."
    )
    day_of_week: str = "mon"
    hour: int = Field(default=3, ge=0, le=23)


TierName = Literal["self_hosted", "mid", "frontier"]
TIER_ORDER: tuple[TierName, ...] = ("self_hosted", "mid", "frontier")


class TierSettings(BaseModel):
    """One model tier: which provider serves it, where, at what price."""

    provider: Literal["llamacpp", "openai", "anthropic"] = Field(
        default="openai",
        description="llamacpp: in-process GGUF; openai: any OpenAI-compatible server "
        "(vLLM, llama.cpp server, OpenAI); anthropic: Anthropic's Messages API.",
    )
    model: str = ""
    adapter: str = Field(
        default="", description="Adapter (LoRA) version served with the model; part of cache keys."
    )
    base_model: str = Field(
        default="",
        description="Served name of the base model beside a LoRA served as `model` (vLLM "
        "--lora-modules): the tasks not in `adapter_tasks` go to it. Empty: `model` serves all.",
    )
    adapter_tasks: tuple[TaskKind, ...] = Field(
        default=("extract",),
        description="With `base_model` or `adapter` set: the crew tasks the LoRA was trained "
        "for (its finetune.json `tasks`). The others go to `base_model`, or, with no "
        "`base_model`, to the same weights, and count as untrained: the review leaves out the "
        "validator and summarizer there unless `extraction.base_weight_tasks` lists them.",
    )
    base_url: str | None = None
    api_key: SecretStr | None = None
    api: Literal["completions", "chat"] = Field(
        default="chat", description="OpenAI-compatible endpoint: chat or plain completions."
    )
    structured: Literal["gbnf", "json_schema", "vllm", "none"] = Field(
        default="json_schema",
        description="How a JSON answer is constrained: gbnf (llama.cpp server grammar), "
        "json_schema (OpenAI response_format), vllm (structured_outputs), none.",
    )
    external: bool = Field(
        default=True, description="Calls leave the premises: redacted, audited, never local_only."
    )
    requires_key: bool = Field(default=True, description="Off until api_key is set (paid APIs).")
    usd_per_mtok_in: float | None = None
    usd_per_mtok_out: float | None = None
    usd_per_hour: float | None = Field(
        default=None, description="Self-hosted: price of the serving machine per hour."
    )
    tokens_per_s: float | None = Field(
        default=None, description="Self-hosted: measured throughput, for cost per call."
    )
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 60.0
    max_tokens: int = 512

    @property
    def enabled(self) -> bool:
        if self.provider == "llamacpp":
            return True
        if not self.model or (self.provider == "openai" and not self.base_url):
            return False
        return self.api_key is not None or not self.requires_key


def _default_tiers() -> dict[str, TierSettings]:
    return {
        "self_hosted": TierSettings(provider="llamacpp", external=False, requires_key=False),
        "mid": TierSettings(),
        "frontier": TierSettings(),
    }


class RetrySettings(BaseModel):
    """Bounded retries of one tier, with exponential backoff and jitter (tenacity)."""

    attempts: int = Field(default=3, ge=1, le=10)
    initial_wait_s: float = 0.5
    max_wait_s: float = 8.0
    max_retry_after_s: float = Field(
        default=30.0, description="A longer Retry-After fails over to the next tier instead."
    )


class BreakerSettings(BaseModel):
    """Per-tier circuit breaker: open after consecutive failures, try again after a pause."""

    fail_max: int = 5
    reset_timeout_s: float = 30.0


class CacheSettings(BaseModel):
    """Semantic cache of model answers, scoped by workspace, model, adapter and prompt."""

    enabled: bool = True
    similarity: float = Field(default=0.95, ge=0.5, le=1.0)
    ttl_days: float = 30.0
    semantic: bool = Field(default=True, description="Nearest-neighbour lookups after the hash.")


class BudgetSettings(BaseModel):
    """Caps in money (USD) and tokens; unset means no cap."""

    call_usd: float | None = None
    call_tokens: int | None = None
    document_usd: float | None = None
    document_tokens: int | None = None
    batch_usd: float | None = None
    batch_tokens: int | None = None
    workspace_day_usd: float | None = None
    workspace_day_tokens: int | None = None


class GatewaySettings(BaseModel):
    """Tiers, routing, retries, breaker, cache and budgets of the model gateway."""

    tiers: dict[str, TierSettings] = Field(default_factory=_default_tiers)
    routes: dict[str, TierName] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "extract": "self_hosted",
            "validate": "self_hosted",
            "summarize": "self_hosted",
            "judge": "frontier",
        },
        description="The first tier tried for each task.",
    )
    escalate_below: float = Field(
        default=0.35, description="Clauses under this confidence are re-checked at a higher tier."
    )
    hard_categories: list[str] = Field(
        default_factory=lambda: ["Uncapped Liability", "Cap On Liability", "Non-Compete"],
        description="Categories always re-checked at a higher tier when one is allowed.",
    )
    max_escalations: int = 8
    retry: RetrySettings = RetrySettings()
    breaker: BreakerSettings = BreakerSettings()
    cache: CacheSettings = CacheSettings()
    budget: BudgetSettings = BudgetSettings()

    @field_validator("tiers", mode="before")
    @classmethod
    def _keep_default_tiers(cls, tiers: object) -> object:
        # Configuring one tier (e.g. only `mid` from the environment) keeps the others, and
        # one field of a tier (LEXCREW_GATEWAY__TIERS__SELF_HOSTED__MAX_TOKENS) keeps its other
        # defaults: the in-process tier stays llama.cpp, on the premises.
        if not isinstance(tiers, dict):
            return tiers
        merged: dict[str, object] = dict(_default_tiers())
        for name, tier in tiers.items():
            default = merged.get(name)
            if isinstance(tier, dict) and isinstance(default, TierSettings):
                tier = {**default.model_dump(exclude_unset=True), **tier}
            merged[name] = tier
        return merged

    def tier(self, name: str) -> TierSettings:
        return self.tiers.get(name) or TierSettings()


class Settings(BaseSettings):
    """Everything lexcrew reads from its environment, with defaults for the embedded mode."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", env_ignore_empty=True
    )

    env: Literal["development", "production"] = Field(
        default="development",
        description="production: refuse to start with default secrets or unauthenticated "
        "Redis/Qdrant.",
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
    gateway: GatewaySettings = GatewaySettings()
    qdrant: QdrantSettings = QdrantSettings()
    log: LogSettings = LogSettings()
    tracing: TracingSettings = TracingSettings()
    drift: DriftSettings = DriftSettings()

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


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X; anything else unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _names_a_setting(parts: list[str]) -> bool:
    current: Any = Settings
    while parts:
        current = _unwrap(current)
        if get_origin(current) is dict:  # gateway tiers: any name, then a tier's fields
            current, parts = get_args(current)[1], parts[1:]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return False
        field = current.model_fields.get(parts[0])
        if field is None:
            return False
        current, parts = field.annotation, parts[1:]
    return True


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """The LEXCREW_ variables that name no setting: Settings ignores them, so a mistyped name
    would otherwise change nothing without a word. Names only: values may be secrets."""
    names = os.environ if environ is None else environ
    delimiter = str(Settings.model_config["env_nested_delimiter"])
    return sorted(
        name
        for name in names
        if name.startswith(ENV_PREFIX)
        and not _names_a_setting(name[len(ENV_PREFIX) :].lower().split(delimiter))
    )
