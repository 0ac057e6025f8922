"""What LangSmith tracing costs a review, and whether a bad endpoint holds a process at exit.

    .venv/bin/python bench/tracing_overhead.py [--pdf PDF] [--rounds 2]

Runs `lexcrew review PDF` as a fresh process per run, in one data dir (models warm on disk,
the gateway cache off so every run asks the model), with LangSmith:
  off          no endpoint configured;
  collector    a local collector (tests/support/langsmith_collector.py) that answers;
  unreachable  a loopback port nobody listens on;
  hanging      a collector that accepts connections and never answers.
Prints, per mode, the report's review_s (the review itself) and the process's wall time
(start to exit, which includes loading models). Modes are interleaved round by round so a
noisy machine hurts them alike; compare them as ratios to `off`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.langsmith_collector import Collector  # noqa: E402

DEFAULT_PDF = (
    ROOT.parent
    / "shared/cuad/dev/ADMA_BioManufacturing_LLC_-_Amendment_3_to_Manufacturing_Agreement.pdf"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(pdf: Path, data_dir: Path, endpoint: str | None, out: Path) -> tuple[float, float]:
    env = {
        **os.environ,
        "LEXCREW_DATA_DIR": str(data_dir),
        "LEXCREW_GATEWAY__CACHE__ENABLED": "false",
    }
    env.pop("LEXCREW_TRACING__LANGSMITH_ENDPOINT", None)
    if endpoint:
        env["LEXCREW_TRACING__LANGSMITH_ENDPOINT"] = endpoint
        env["LEXCREW_TRACING__LANGSMITH_API_KEY"] = "bench-key"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "review", str(pdf), "--out", str(out), "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    wall = time.perf_counter() - started
    return float(json.loads(out.read_text())["timing"]["review_s"]), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        ok = stack.enter_context(Collector("ok"))
        hang = stack.enter_context(Collector("hang"))
        modes = {
            "off": None,
            "collector": ok.url,
            "unreachable": f"http://127.0.0.1:{_free_port()}",
            "hanging": hang.url,
        }
        data_dir = Path(tmp) / "data"
        _run(args.pdf, data_dir, None, Path(tmp) / "warm.json")  # models onto disk
        results: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        for _ in range(args.rounds):
            for mode, endpoint in modes.items():
                results[mode].append(_run(args.pdf, data_dir, endpoint, Path(tmp) / "r.json"))
        runs_seen = len(ok.runs)
    print(
        f"command: .venv/bin/python bench/tracing_overhead.py --pdf {args.pdf.name} "
        f"--rounds {args.rounds}"
    )
    base_review = statistics.median(r for r, _ in results["off"])
    base_wall = statistics.median(w for _, w in results["off"])
    print(f"{'mode':<12} {'review_s':>9} {'x off':>6} {'process_s':>10} {'x off':>6}")
    for mode, runs in results.items():
        review = statistics.median(r for r, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(
            f"{mode:<12} {review:>9.2f} {review / base_review:>6.2f} {wall:>10.2f} "
            f"{wall / base_wall:>6.2f}"
        )
    print(f"runs received by the answering collector: {runs_seen}")


if __name__ == "__main__":
    main()
