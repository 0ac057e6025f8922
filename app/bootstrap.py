"""The composition root: build the long-lived parts once, from Settings."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from app.config import TIER_ORDER, GatewaySettings, Settings
from app.documents.processing import DocumentProcessor
from app.documents.sweeper import Sweeper
from app.errors import ConfigurationError
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.finetune.registry import adapter_in_use, adapter_tasks
from app.gateway.anthropic_provider import AnthropicModel
from app.gateway.budget import Budgets
from app.gateway.cache import SemanticCache
from app.gateway.ledger import Ledger
from app.gateway.llamacpp import LlamaCppModel
from app.gateway.model_files import ensure_gguf
from app.gateway.openai_provider import OpenAICompatibleModel
from app.gateway.protocol import ChatModel
from app.gateway.router import Gateway
from app.ingestion.chunker import ClauseChunker
from app.ingestion.embedder import EMBEDDING_DIM, Embedder, MiniLMEmbedder
from app.ingestion.pipeline import Ingestor
from app.intake.sandbox import PdfSandbox
from app.observability.setup import start_tracing
from app.offline import apply_offline_environment
from app.queue.celery_config import CeleryEnqueuer, create_celery
from app.review.crew_plan import Reviewer
from app.review.report import Report
from app.review.service import ReviewParts, ReviewService
from app.storage.db import SessionFactory
from app.storage.files import DocumentFiles
from app.storage.migrate import open_database
from app.vectorstore.qdrant_local import QdrantStore

REVIEWER_GROUP = "lexcrew.reviewers"
RENDERER_GROUP = "lexcrew.renderers"
# (report, served text, page offsets) -> a document to write, e.g. an HTML page.
Renderer = Callable[[Report, str, list[tuple[int, int]]], str]


def load_reviewer(settings: Settings, name: str = "crewai") -> Reviewer:
    """Load the crew through its entry point (app never imports agents directly)."""
    found = [ep for ep in entry_points(group=REVIEWER_GROUP) if ep.name == name]
    if not found:
        raise ConfigurationError(f"no reviewer '{name}' installed (entry point {REVIEWER_GROUP})")
    reviewer: Reviewer = found[0].load()(settings)
    return reviewer


def load_renderer(name: str = "html") -> Renderer:
    """Load a report renderer (the web package's HTML page) through its entry point."""
    found = [ep for ep in entry_points(group=RENDERER_GROUP) if ep.name == name]
    if not found:
        raise ConfigurationError(f"no renderer '{name}' installed (entry point {RENDERER_GROUP})")
    renderer: Renderer = found[0].load()
    return renderer


def build_ingestor(settings: Settings) -> tuple[Ingestor, QdrantStore]:
    """Return the ingestion path and its store (close the store when done)."""
    # The store first: when another process holds it, say so before loading any model.
    q = settings.qdrant
    if q.url:
        key = q.api_key.get_secret_value() if q.api_key else None
        store = QdrantStore.server(q.url, key, q.timeout_s, EMBEDDING_DIM)
    else:
        store = QdrantStore.local(settings.qdrant_dir, EMBEDDING_DIM)
    embedder = MiniLMEmbedder(settings.ingest.embed_batch_size, settings.ingest.embed_threads)
    parser = PdfSandbox(settings.upload, settings.ingest.max_pages)
    return Ingestor(parser, ClauseChunker(settings.ingest.chunk_max_chars), embedder, store), store


def _adapter_version(path: Path | None) -> str:
    if path is None:
        return ""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.name}@{digest}"


def build_models(settings: Settings, adapter: Path | None) -> dict[str, ChatModel]:
    """One provider per enabled tier; paid tiers stay off until their key is set."""
    models: dict[str, ChatModel] = {}
    for name in TIER_ORDER:
        tier = settings.gateway.tier(name)
        if not tier.enabled:
            continue
        if tier.provider == "llamacpp":
            model = settings.model.model_copy(update={"lora_path": adapter})
            tasks = adapter_tasks(adapter)  # the LoRA serves what it learned; the base the rest
            models[name] = LlamaCppModel(ensure_gguf(settings), model, name, tasks)
        elif tier.provider == "anthropic":
            models[name] = AnthropicModel(name, tier)
        else:
            models[name] = OpenAICompatibleModel(name, tier)
    return models


def _gateway_settings(settings: Settings, adapter: Path | None) -> GatewaySettings:
    """Fill the in-process tier's adapter version and price from the model settings."""
    tiers = dict(settings.gateway.tiers)
    for name, tier in tiers.items():
        if tier.provider == "llamacpp":
            tiers[name] = tier.model_copy(
                update={
                    "adapter": tier.adapter or _adapter_version(adapter),
                    "usd_per_hour": tier.usd_per_hour or settings.model.usd_per_hour,
                }
            )
    return settings.gateway.model_copy(update={"tiers": tiers})


def build_gateway(
    settings: Settings, sessions: SessionFactory, store: QdrantStore, embedder: Embedder
) -> Gateway:
    """The model gateway with its ledger, budgets and cache."""
    adapter = adapter_in_use(settings)  # read once: the registry may change under a process
    config = _gateway_settings(settings, adapter)
    index = store.cache_index(embedder.dim) if config.cache.semantic else None
    cache = SemanticCache(sessions, config.cache, index, embedder.embed)
    return Gateway(
        config,
        build_models(settings, adapter),
        Ledger(sessions),
        Budgets(sessions, config.budget),
        cache,
    )


def build_processor(settings: Settings) -> tuple[DocumentProcessor, Sweeper, QdrantStore]:
    """Build what a worker runs: the document stages and the sweeper."""
    _engine, sessions = open_database(settings)
    service, store = build_service(settings, sessions)
    enqueuer = CeleryEnqueuer(create_celery(settings))
    processor = DocumentProcessor(settings.worker, sessions, service, store, enqueuer)
    return processor, Sweeper(sessions, settings.worker, enqueuer), store


def build_service(
    settings: Settings, sessions: SessionFactory | None = None
) -> tuple[ReviewService, QdrantStore]:
    """Prepare the data dir and offline environment, then build every part of a review."""
    settings.ensure_dirs()
    apply_offline_environment(settings)
    if sessions is None:
        _engine, sessions = open_database(settings)
    ingestor, store = build_ingestor(settings)
    start_tracing(settings.tracing, sessions)
    parts = ReviewParts(
        ingestor=ingestor,
        clause_model=ClauseModel.load(),
        phrase_model=PhraseModel.load(),
        gateway=build_gateway(settings, sessions, store, ingestor.embedder),
        reviewer=load_reviewer(settings),
        files=DocumentFiles(settings.documents_dir),
        sessions=sessions,
    )
    return ReviewService(settings, parts), store
