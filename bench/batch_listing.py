"""The batches page's summaries: one grouped query against loading every file of every batch.

Fills a fresh SQLite database (in a temp folder, migrated as the product does) with BATCHES
batches of FILES files each (documents in every status, one file in ten refused), then times
summarising the 100 newest batches both ways, ROUNDS times each, alternating: the grouped query
the page uses (`batch_summaries`) and one query per batch that loads its files
(`batch_progress(batch_items(...))`, what the page did before). Prints the medians, their
ratio and the peak memory each way, and checks the two give the same summaries.

    .venv/bin/python bench/batch_listing.py [--batches 100] [--files 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app.config import Settings  # noqa: E402
from app.documents.queries import (  # noqa: E402
    BatchProgress,
    batch_items,
    batch_progress,
    batch_summaries,
)
from app.documents.status import Status  # noqa: E402
from app.storage.db import SessionFactory, transaction  # noqa: E402
from app.storage.migrate import open_database  # noqa: E402
from app.storage.models import Batch, BatchItem, Document, Workspace  # noqa: E402

STATUSES = [s for s in Status]


def fill(sessions: SessionFactory, batches: int, files: int) -> list[str]:
    """Batches of `files` files in workspace ws1; returns their ids."""
    ids = [f"b{b:031d}" for b in range(batches)]
    with transaction(sessions) as session:
        session.add(Workspace(id="ws1", name="ws1"))
        session.flush()
        session.execute(
            insert(Batch), [{"id": b, "workspace_id": "ws1", "request_hash": "h"} for b in ids]
        )
        docs, items = [], []
        for b, batch_id in enumerate(ids):
            for position in range(files):
                n = b * files + position
                refused = n % 10 == 0
                doc_id = None if refused else f"{n:064d}"
                if doc_id:
                    status = STATUSES[n % len(STATUSES)]
                    docs.append(
                        {
                            "workspace_id": "ws1",
                            "id": doc_id,
                            "filename": f"{n}.pdf",
                            "size_bytes": 10,
                            "status": status,
                            "progress": (n % 7) / 7,
                        }
                    )
                items.append(
                    {
                        "batch_id": batch_id,
                        "position": position,
                        "workspace_id": "ws1",
                        "filename": f"{n}.pdf",
                        "document_id": doc_id,
                        "status_code": 422 if refused else None,
                        "reason": "not a PDF" if refused else None,
                    }
                )
        session.execute(insert(Document), docs)
        session.execute(insert(BatchItem), items)
    return ids


def timed(
    run: Callable[[], dict[str, BatchProgress]],
) -> tuple[float, float, dict[str, BatchProgress]]:
    tracemalloc.start()
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("$ .venv/bin/python bench/batch_listing.py " + shlex.join(sys.argv[1:]))
    with tempfile.TemporaryDirectory() as tmp:
        engine, sessions = open_database(Settings(data_dir=Path(tmp) / "data"))
        ids = fill(sessions, args.batches, args.files)[-100:]

        def grouped() -> dict[str, BatchProgress]:
            with sessions() as session:
                return batch_summaries(session, "ws1", ids)

        def per_batch() -> dict[str, BatchProgress]:
            with sessions() as session:
                return {b: batch_progress(batch_items(session, "ws1", b)) for b in ids}

        runs: dict[str, list[tuple[float, float]]] = {"grouped": [], "per_batch": []}
        for _ in range(args.rounds):
            for name, run in (("grouped", grouped), ("per_batch", per_batch)):
                seconds, peak, result = timed(run)
                runs[name].append((seconds, peak))
                if name == "grouped":
                    first = result
                else:
                    for b in ids:
                        assert first[b].counts == result[b].counts, b
                        assert abs(first[b].progress - result[b].progress) < 1e-4, b
        engine.dispose()
    print(f"{len(ids)} batches of {args.files} files (SQLite), median of {args.rounds} rounds:")
    median = {n: statistics.median(s for s, _ in r) for n, r in runs.items()}
    for name, label in (
        ("grouped", "one grouped query"),
        ("per_batch", "each batch's files loaded"),
    ):
        peak = max(p for _, p in runs[name])
        print(f"  {label:28s} {median[name]:8.3f} s   peak Python memory {peak:7.1f} MiB")
    print(f"  ratio {median['per_batch'] / median['grouped']:.1f}x; the summaries agree")


if __name__ == "__main__":
    main()
