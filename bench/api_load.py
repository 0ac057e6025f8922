"""The service under load: upload acknowledgement latency, and batch throughput per worker.

Runs the real processes (`lexcrew serve --no-worker`, `lexcrew worker --beat`) on a fresh
temp data dir and a throwaway `redis-server`, as the service tests do (tests/support/stack.py),
with the production lease and sweep timings rather than the tests' short ones.

1. Latency: API only, no worker; CLIENTS concurrent clients each POST one distinct one-page
   PDF to /api/v1/documents per round, for ROUNDS rounds. Prints p50/p90/p99/max of the 202.
2. Throughput: a worker with 1 thread, then a worker with 2 threads (--concurrency 2); each on
   a fresh stack, warmed up with one document first (models loaded), then one batch of
   BATCH_DOCS documents timed from the POST until the batch is done. Prints docs and pages
   per minute, and the ratio 2/1 measured in this one run.

    .venv/bin/python bench/api_load.py [--clients 50] [--rounds 4] [--batch-docs 12]
        [--pdf-dir ../shared/cuad/dev] [--skip-latency] [--skip-throughput]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pdfs import page_documents  # noqa: E402
from tests.support.services import RedisServer  # noqa: E402
from tests.support.stack import Stack, wait_final  # noqa: E402

Docs = list[tuple[str, bytes]]
# Production timings (app/config.py defaults), not the tests' seconds-long leases.
SERVICE_ENV = {
    "LEXCREW_WORKER__LEASE_S": "120",
    "LEXCREW_WORKER__HEARTBEAT_S": "20",
    "LEXCREW_WORKER__SWEEP_INTERVAL_S": "30",
    "LEXCREW_WORKER__QUEUED_TIMEOUT_S": "300",
}
POLL_S = 0.5


@dataclass
class Upload:
    """One upload's answer as the client saw it."""

    seconds: float
    status: int  # 0: no HTTP answer at all
    detail: str


@dataclass
class BatchRun:
    """One timed batch on one worker configuration."""

    threads: int
    seconds: float
    docs: int
    pages: int
    counts: dict[str, int]
    warmup_s: float


# --- the service ------------------------------------------------------------------------


@contextmanager
def service(root: Path, aof: str, threads: int | None) -> Iterator[Stack]:
    """A fresh Redis and stack under `root`; a worker with `threads` threads unless None."""
    fsync = "everysec" if aof == "off" else aof
    redis = RedisServer(root / "redis", appendonly=aof != "off", appendfsync=fsync)
    env = dict(SERVICE_ENV)
    if threads is not None:
        env["LEXCREW_WORKER__CONCURRENCY"] = str(threads)
    try:
        redis.start()  # its first start may move it to another port: read the URL after
        with _stack(Stack(root / "stack", redis.url, **env), threads is not None) as stack:
            yield stack
    finally:
        redis.close()


@contextmanager
def _stack(stack: Stack, worker: bool) -> Iterator[Stack]:
    """Start the API (and a worker); show the logs' tails if anything fails; stop it all."""
    try:
        stack.start_api()
        if worker:
            stack.start_worker()
        yield stack
    except BaseException:
        for log in ("api.log", "worker.log"):
            print(f"--- {log} (tail)\n{stack.log_tail(log)}", file=sys.stderr)
        raise
    finally:
        stack.close()


def pdf_part(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    """One multipart `files` field."""
    return ("files", (name, data, "application/pdf"))


# --- 1. upload acknowledgement latency ---------------------------------------------------


async def client_uploads(base_url: str, key: str, docs: Docs) -> list[Upload]:
    """One client: its uploads one after the other, each timed until its answer."""
    found: list[Upload] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as client:
        for name, data in docs:
            began = time.perf_counter()
            try:
                response = await client.post("/api/v1/documents", files=[pdf_part(name, data)])
                status, detail = response.status_code, response.text[:300]
            except httpx.HTTPError as exc:
                status, detail = 0, repr(exc)
            found.append(Upload(time.perf_counter() - began, status, detail))
    return found


async def all_uploads(base_url: str, key: str, docs: Docs, clients: int) -> list[Upload]:
    """`clients` clients at once, each with its share of `docs` (one per round)."""
    shares = [docs[i::clients] for i in range(clients)]
    done = await asyncio.gather(*(client_uploads(base_url, key, s) for s in shares))
    return [upload for share in done for upload in share]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_latency(tmp: Path, clients: int, rounds: int, aof: str) -> None:
    """Part 1: print the latency figures of clients × rounds distinct uploads."""
    docs = page_documents(clients * rounds)
    with service(tmp / "latency", aof, threads=None) as stack:
        key = stack.workspace("latency")
        began = time.perf_counter()
        uploads = asyncio.run(all_uploads(stack.base_url, key, docs, clients))
        wall = time.perf_counter() - began
    ms = [u.seconds * 1000 for u in uploads]
    bad = [u for u in uploads if u.status != 202]
    print(f"\n== upload acknowledgement: {clients} clients x {rounds} rounds = {len(docs)} uploads")
    print(f"   (API only, no worker: each upload is stored and queued; {len(docs)} distinct PDFs)")
    figures = " ".join(f"p{p} {percentile(ms, p):7.1f}" for p in (50, 90, 99))
    print(f"latency ms: {figures}  max {max(ms):7.1f}  mean {sum(ms) / len(ms):7.1f}")
    print(f"wall {wall:.1f} s, {len(docs) / wall:.1f} uploads/s acknowledged")
    print(f"non-202 answers: {len(bad)}")
    for upload in bad:
        print(f"   {upload.status} after {upload.seconds * 1000:.0f} ms: {upload.detail}")


# --- 2. batch throughput -----------------------------------------------------------------


def count_pages(docs: Docs) -> int:
    """Pages in the PDFs, as pypdf counts them."""
    return sum(len(PdfReader(io.BytesIO(data)).pages) for _, data in docs)


def warm_up(stack: Stack, doc: tuple[str, bytes], timeout: float) -> float:
    """Review one document in its own workspace so the worker has its models loaded."""
    began = time.perf_counter()
    with stack.client(stack.workspace("warmup")) as api:
        response = api.post("/api/v1/documents", files=[pdf_part(*doc)])
        assert response.status_code == 202, response.text
        ids = [d["id"] for d in response.json()["documents"]]
        states = wait_final(api, ids, timeout)
    status = states[ids[0]]["status"]
    assert status == "completed", f"warm-up document ended {status}: {states[ids[0]]}"
    return time.perf_counter() - began


def poll_batch(api: httpx.Client, batch_id: str, timeout: float, every: float) -> dict[str, Any]:
    """GET the batch every POLL_S seconds until done == total; print progress every `every` s."""
    started = time.monotonic()
    deadline, shown = started + timeout, started
    while True:
        response = api.get(f"/api/v1/batches/{batch_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if every and time.monotonic() - shown >= every:
            shown = time.monotonic()
            print(
                f"   {shown - started:6.0f} s  progress {body['progress']:.2f}"
                f"  done {body['done']}/{body['total']}  {body['counts']}",
                flush=True,
            )
        if body["done"] == body["total"]:
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"batch not done after {timeout:.0f} s: {body['counts']}")
        time.sleep(POLL_S)


def run_batch(tmp: Path, threads: int, docs: Docs, args: argparse.Namespace) -> BatchRun:
    """One fresh stack whose worker has `threads` threads; time one batch of `docs`."""
    warm_doc = page_documents(len(docs) + 1)[-1]  # bytes of its own, in its own workspace
    with service(tmp / f"throughput-{threads}", args.redis_aof, threads) as stack:
        warm_s = warm_up(stack, warm_doc, args.timeout)
        with stack.client(stack.workspace("bench")) as api:
            began = time.perf_counter()
            response = api.post("/api/v1/batches", files=[pdf_part(n, d) for n, d in docs])
            assert response.status_code == 202, response.text
            body = poll_batch(api, response.json()["id"], args.timeout, args.progress_every)
            seconds = time.perf_counter() - began
    return BatchRun(threads, seconds, body["total"], count_pages(docs), body["counts"], warm_s)


def batch_docs(args: argparse.Namespace) -> Docs:
    """The batch: one-page sample PDFs, or the first N PDFs of --pdf-dir."""
    if args.pdf_dir is None:
        return page_documents(args.batch_docs)
    pdfs = sorted(args.pdf_dir.glob("*.pdf"))[: args.batch_docs]
    assert pdfs, f"no PDFs in {args.pdf_dir}"
    return [(p.name, p.read_bytes()) for p in pdfs]


def report_batch(run: BatchRun) -> None:
    minutes = run.seconds / 60
    print(
        f"worker {run.threads} thread(s): {run.seconds:6.1f} s for {run.docs} docs"
        f" / {run.pages} pages -> {run.docs / minutes:6.2f} docs/min"
        f" {run.pages / minutes:6.2f} pages/min  (warm-up {run.warmup_s:.1f} s)"
        f"  statuses {run.counts}"
    )


def run_throughput(tmp: Path, args: argparse.Namespace) -> None:
    """Part 2: the same batch on a 1-thread and a 2-thread worker; print both and the ratio."""
    docs = batch_docs(args)
    source = args.pdf_dir or "one-page sample PDFs (tests/support/pdfs.py)"
    print(f"\n== batch throughput: {len(docs)} documents from {source}")
    print("   '2 workers' = one `lexcrew worker --concurrency 2` (2 threads in one process):")
    print("   the embedded Qdrant store allows one process per data dir.")
    print("   timed from the POST /api/v1/batches until done == total (polled every 0.5 s),")
    print("   after a warm-up document (models loaded) that is not timed")
    runs = []
    for threads in args.threads:
        runs.append(run_batch(tmp, threads, docs, args))
        report_batch(runs[-1])
    if len(runs) == 2:
        one, two = runs
        ratio = one.seconds / two.seconds
        print(f"ratio {two.threads} threads / {one.threads} thread(s): {ratio:.2f}x docs/min")


# --- main --------------------------------------------------------------------------------


def machine(when: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine {when}: {os.cpu_count()} CPUs, load average (1/5/15 min) {load}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50, help="concurrent upload clients")
    parser.add_argument("--rounds", type=int, default=4, help="uploads per client")
    parser.add_argument("--batch-docs", type=int, default=12, help="documents in the batch")
    parser.add_argument("--pdf-dir", type=Path, default=None, help="batch from these PDFs")
    parser.add_argument(
        "--threads",
        type=lambda text: [int(t) for t in text.split(",")],
        default=[1, 2],
        help="worker threads to compare, e.g. 1,2",
    )
    parser.add_argument(
        "--progress-every", type=float, default=0.0, help="print batch progress every N s"
    )
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per wait")
    parser.add_argument(
        "--redis-aof", choices=["off", "everysec", "always"], default="everysec",
        help="Redis append-only file fsync policy (off: no persistence)",
    )  # fmt: skip
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    print(f"redis appendonly: {args.redis_aof}; service timings: {SERVICE_ENV}")
    machine("before")
    with tempfile.TemporaryDirectory(prefix="lexcrew-load-") as tmp:
        if not args.skip_latency:
            run_latency(Path(tmp), args.clients, args.rounds, args.redis_aof)
        if not args.skip_throughput:
            run_throughput(Path(tmp), args)
    machine("after")


if __name__ == "__main__":
    main()
