"""Gateway overhead per call (excluding provider time) against calling the provider directly,
and cache lookup latency at 10k and 100k entries, in one run.

    .venv/bin/python bench/gateway.py [--calls 60] [--sizes 10000,100000]

Starts a real llama.cpp server (Gemma 3 270M) on loopback. Overhead per call = the gateway's
wall time minus the provider adapter's own time for that call (routing, budget reservation,
ledger rows, cache lookup and store, all on SQLite). Cache lookups run on a Qdrant local-mode
collection filled with random unit vectors in one workspace and partition (the worst case:
every entry is a candidate) and a SQLite table of the same size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.gateway.cache import SemanticCache  # noqa: E402
from app.gateway.model_files import ensure_gguf  # noqa: E402
from app.gateway.openai_provider import OpenAICompatibleModel  # noqa: E402
from app.gateway.types import CompletionRequest, Message  # noqa: E402
from app.ingestion.embedder import EMBEDDING_DIM, MiniLMEmbedder  # noqa: E402
from app.offline import apply_offline_environment  # noqa: E402
from app.storage.db import transaction  # noqa: E402
from app.storage.models import CacheEntry, utcnow  # noqa: E402
from app.vectorstore.qdrant_local import CACHE_COLLECTION, CacheIndex  # noqa: E402
from tests.support.gateway import bound, gateway_settings, make_gateway, open_sessions  # noqa: E402
from tests.support.llama_server import LlamaServer  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def _request(n: int) -> CompletionRequest:
    text = f"<contract_text>[c1] Governing Law: the laws of state number {n}.</contract_text>"
    return CompletionRequest(messages=(Message("user", text),), task="validate", max_tokens=2)


def overhead(data: Path, calls: int) -> None:
    settings = Settings(data_dir=data)
    settings.ensure_dirs()
    apply_offline_environment(settings)
    server = LlamaServer(ensure_gguf(settings), "bench", data)
    server.start()
    try:
        tier = {"provider": "openai", "model": "bench", "base_url": f"{server.url}/v1",
                "api": "completions", "structured": "none", "external": False,
                "requires_key": False}  # fmt: skip
        config = gateway_settings(tiers={"self_hosted": tier}, cache={"semantic": False})
        provider = OpenAICompatibleModel("self_hosted", config.tier("self_hosted"))
        direct, gateway_total, gateway_over = [], [], []
        for n in range(calls):  # direct calls: the provider adapter alone
            started = time.perf_counter()
            provider.complete(_request(n))
            direct.append(time.perf_counter() - started)
        gateway = make_gateway(open_sessions(data), {"self_hosted": provider}, config)
        doc = bound(gateway)
        for n in range(calls):  # fresh prompts: every call misses the cache and is stored
            started = time.perf_counter()
            done = doc.complete(_request(10_000 + n))
            total = time.perf_counter() - started
            gateway_total.append(total)
            gateway_over.append(total - done.latency_s)
        print(f"calls: {calls} direct, {calls} through the gateway (cache misses, SQLite ledger)")
        print(
            f"direct provider call   p50 {_pct(direct, 50):7.1f} ms  p99 {_pct(direct, 99):7.1f} ms"
        )
        print(
            f"through the gateway    p50 {_pct(gateway_total, 50):7.1f} ms  "
            f"p99 {_pct(gateway_total, 99):7.1f} ms"
        )
        print(
            f"gateway overhead       p50 {_pct(gateway_over, 50):7.1f} ms  "
            f"p99 {_pct(gateway_over, 99):7.1f} ms  (wall time minus provider time)"
        )
    finally:
        server.close()


def cache_lookups(data: Path, size: int, embedder: MiniLMEmbedder) -> None:
    sessions = open_sessions(data / f"cache-{size}")
    client = QdrantClient(location=":memory:")
    index = CacheIndex(client, threading.RLock(), EMBEDDING_DIM)
    rng = np.random.default_rng(7)
    partition = "p" * 64
    keys = [uuid.uuid4().hex + uuid.uuid4().hex for _ in range(size)]
    for start in range(0, size, 5000):
        chunk = keys[start : start + 5000]
        vectors = rng.normal(size=(len(chunk), EMBEDDING_DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        client.upsert(CACHE_COLLECTION, points=[
            models.PointStruct(id=str(uuid.UUID(k[:32])), vector=v.tolist(),
                               payload={"workspace_id": "ws", "partition": partition, "key": k})
            for k, v in zip(chunk, vectors, strict=True)
        ])  # fmt: skip
        with transaction(sessions) as session:
            session.bulk_insert_mappings(CacheEntry, [  # type: ignore[arg-type]
                {"key": k, "workspace_id": "ws", "partition": partition, "answer": "{}",
                 "prompt_tokens": 1, "completion_tokens": 1, "created_at": utcnow(),
                 "expires_at": utcnow().replace(year=2100), "hits": 0}
                for k in chunk
            ])  # fmt: skip
    cache = SemanticCache(sessions, gateway_settings().cache, index, embedder.embed)
    exact, semantic, embed_only = [], [], []
    for n in range(30):
        started = time.perf_counter()
        assert cache.lookup("ws", partition, keys[n * 7], "x") is not None
        exact.append(time.perf_counter() - started)
        text = f"the laws of state number {n} govern this agreement"
        started = time.perf_counter()
        embedder.embed([text])
        embed_only.append(time.perf_counter() - started)
        started = time.perf_counter()
        cache.lookup("ws", partition, "0" * 64, text)  # exact miss, then nearest neighbour
        semantic.append(time.perf_counter() - started)
    print(
        f"cache at {size:>7,} entries: exact hit p50 {_pct(exact, 50):6.1f} ms "
        f"p99 {_pct(exact, 99):6.1f} ms; miss + nearest neighbour p50 "
        f"{_pct(semantic, 50):6.1f} ms p99 {_pct(semantic, 99):6.1f} ms "
        f"(of which embedding p50 {_pct(embed_only, 50):.1f} ms)"
    )
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    with tempfile.TemporaryDirectory(prefix="lexcrew-bench-") as tmp:
        data = Path(tmp)
        overhead(data, args.calls)
        embedder = MiniLMEmbedder()
        for size in (int(s) for s in args.sizes.split(",")):
            cache_lookups(data, size, embedder)


if __name__ == "__main__":
    main()
