"""The composition root: build the long-lived parts once, from Settings."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from app.config import Settings
from app.documents.processing import DocumentProcessor
from app.documents.sweeper import Sweeper
from app.errors import ConfigurationError
from app.extraction.clause_model import ClauseModel
from app.extraction.phrase_model import PhraseModel
from app.gateway.llamacpp import LlamaCppModel
from app.gateway.model_files import ensure_gguf
from app.ingestion.chunker import ClauseChunker
from app.ingestion.embedder import EMBEDDING_DIM, MiniLMEmbedder
from app.ingestion.pipeline import Ingestor
from app.intake.sandbox import PdfSandbox
from app.offline import apply_offline_environment
from app.queue.celery_config import CeleryEnqueuer, create_celery
from app.review.crew_plan import Reviewer
from app.review.report import Report
from app.review.service import ReviewParts, ReviewService
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
    store = QdrantStore.local(settings.qdrant_dir, EMBEDDING_DIM)
    embedder = MiniLMEmbedder(settings.ingest.embed_batch_size, settings.ingest.embed_threads)
    parser = PdfSandbox(settings.upload, settings.ingest.max_pages)
    return Ingestor(parser, ClauseChunker(settings.ingest.chunk_max_chars), embedder, store), store


def build_processor(settings: Settings) -> tuple[DocumentProcessor, Sweeper, QdrantStore]:
    """Build what a worker runs: the document stages and the sweeper."""
    service, store = build_service(settings)
    _engine, sessions = open_database(settings)
    enqueuer = CeleryEnqueuer(create_celery(settings))
    processor = DocumentProcessor(settings.worker, sessions, service, store, enqueuer)
    return processor, Sweeper(sessions, settings.worker, enqueuer), store


def build_service(settings: Settings) -> tuple[ReviewService, QdrantStore]:
    """Prepare the data dir and offline environment, then build every part of a review."""
    settings.ensure_dirs()
    apply_offline_environment(settings)
    ingestor, store = build_ingestor(settings)
    parts = ReviewParts(
        ingestor=ingestor,
        clause_model=ClauseModel.load(),
        phrase_model=PhraseModel.load(),
        model=LlamaCppModel(ensure_gguf(settings), settings.model),
        reviewer=load_reviewer(settings),
        files=DocumentFiles(settings.documents_dir),
    )
    return ReviewService(settings, parts), store
