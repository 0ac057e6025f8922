from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from app.config import UploadSettings
from app.errors import BadDocumentError
from app.ingestion.pdf import PypdfParser, read_pdf
from app.ingestion.types import ExtractedText
from app.intake.sandbox import PdfFacts, PdfSandbox
from tests.support.hostile import PASSES_PROBE, bloated_pdf, slow_pdf

HOSTILE_PDFS = [
    "empty.pdf",
    "not_a_pdf.pdf",
    "corrupt.pdf",
    "truncated.pdf",
    "encrypted.pdf",
    "zero_pages.pdf",
    "many_pages.pdf",
    "scanned.pdf",
]


@pytest.fixture(scope="module")
def sandbox(max_pages: int) -> Iterator[PdfSandbox]:
    with PdfSandbox(UploadSettings(), max_pages=max_pages) as started:
        yield started


@pytest.fixture(scope="module")
def slow() -> bytes:
    # Seconds of parsing; every test that sends it stops it long before the end.
    return slow_pdf()


@pytest.fixture(scope="module")
def bloated() -> bytes:
    # A 70 MB content stream: under pypdf's own 75 MB cap, over any test's memory limit.
    return bloated_pdf(70)


def refusal(call: Callable[..., object], *args: object) -> BadDocumentError:
    with pytest.raises(BadDocumentError) as caught:
        call(*args)
    return caught.value


def pool_workers() -> dict[int, BaseProcess]:
    children = multiprocessing.active_children()
    return {p.pid: p for p in children if p.name == "pebble_pool_worker" and p.pid}


def start_worker(fresh: PdfSandbox, sample: bytes) -> BaseProcess:
    """Start the only worker of a sandbox that has none yet, and return it."""
    before = set(pool_workers())
    fresh.probe(sample)
    (worker,) = [process for pid, process in pool_workers().items() if pid not in before]
    return worker


def address_space_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmSize for process {pid}")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_busy(pid: int) -> None:
    """Return once the process has spent another tenth of a second of CPU (it holds a task)."""
    start = _cpu_s(pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _cpu_s(pid) - start >= 0.1:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never got busy")


# --- the same answers as the in-process parser ---


def test_probe_counts_the_pages_of_a_real_pdf(sandbox: PdfSandbox, sample_bytes: bytes) -> None:
    assert sandbox.probe(sample_bytes) == PdfFacts(pages=6)


def test_parse_gives_what_the_in_process_parser_gives(
    sandbox: PdfSandbox, sample_bytes: bytes, max_pages: int
) -> None:
    expected = PypdfParser(max_pages).parse(sample_bytes, "agency.pdf")
    assert sandbox.parse(sample_bytes, "agency.pdf") == expected


def test_the_sandbox_serves_as_the_pdf_parser(sandbox: PdfSandbox, sample_pdf: Path) -> None:
    assert read_pdf(sample_pdf, sandbox).filename == sample_pdf.name


@pytest.mark.parametrize("name", HOSTILE_PDFS)
def test_parse_errors_cross_the_process_boundary_unchanged(
    sandbox: PdfSandbox, corpus: dict[str, tuple[bytes, int, str]], max_pages: int, name: str
) -> None:
    data = corpus[name][0]
    in_process = refusal(PypdfParser(max_pages).parse, data, name)
    in_child = refusal(sandbox.parse, data, name)
    assert type(in_child) is type(in_process)
    assert in_child.reason == in_process.reason


def test_threads_share_one_sandbox_and_each_gets_its_own_answer(
    sample_bytes: bytes, corpus: dict[str, tuple[bytes, int, str]]
) -> None:
    files = [sample_bytes, corpus["encrypted.pdf"][0], corpus["scanned.pdf"][0]] * 4

    def outcome(parse: Callable[[bytes, str], ExtractedText], data: bytes) -> ExtractedText | str:
        try:
            return parse(data, "file.pdf")
        except BadDocumentError as exc:
            return exc.reason

    expected = [outcome(PypdfParser(50).parse, data) for data in files]
    with (
        PdfSandbox(UploadSettings(), max_pages=50, workers=2) as shared,
        ThreadPoolExecutor(max_workers=6) as threads,
    ):
        answers = list(threads.map(lambda data: outcome(shared.parse, data), files))
    assert answers == expected


# --- intake: what probe refuses ---


@pytest.mark.parametrize("name", sorted(set(HOSTILE_PDFS) - PASSES_PROBE))
def test_probe_refuses_hostile_pdfs_with_their_status_and_reason(
    sandbox: PdfSandbox, corpus: dict[str, tuple[bytes, int, str]], name: str
) -> None:
    data, status, fragment = corpus[name]
    refused = refusal(sandbox.probe, data)
    assert refused.status_code == status
    assert fragment in refused.reason.lower()


@pytest.mark.parametrize("name", sorted(PASSES_PROBE))
def test_some_pdfs_pass_intake_and_are_refused_on_parse(
    sandbox: PdfSandbox, corpus: dict[str, tuple[bytes, int, str]], name: str
) -> None:
    data, status, fragment = corpus[name]
    assert sandbox.probe(data).pages > 0
    refused = refusal(sandbox.parse, data, name)
    assert refused.status_code == status
    assert fragment in refused.reason.lower()


def test_too_many_pages_is_payload_too_large(
    sandbox: PdfSandbox, corpus: dict[str, tuple[bytes, int, str]], max_pages: int
) -> None:
    refused = refusal(sandbox.probe, corpus["many_pages.pdf"][0])
    assert refused.status_code == 413
    assert refused.reason == f"PDF has {max_pages + 1} pages, more than the limit {max_pages}"


# --- memory limit ---


def test_a_child_over_its_memory_limit_is_refused_and_the_sandbox_goes_on(
    sample_bytes: bytes, bloated: bytes
) -> None:
    with PdfSandbox(UploadSettings(), max_pages=50) as measuring:
        resting_mb = address_space_mb(start_worker(measuring, sample_bytes).pid or 0)
    # 48 MB above a resting child: plenty for the sample, far short of a 70 MB content stream.
    limit = resting_mb + 48
    with PdfSandbox(UploadSettings(parse_memory_mb=limit), max_pages=50) as capped:
        refused = refusal(capped.parse, bloated, "bloated.pdf")
        assert refused.status_code == 422
        assert refused.reason == f"PDF needs more than {limit} MB to parse"
        assert capped.parse(sample_bytes, "agency.pdf").document_id


def test_a_memory_limit_below_the_child_itself_refuses_without_breaking(bloated: bytes) -> None:
    with PdfSandbox(UploadSettings(parse_memory_mb=1), max_pages=50) as starved:
        for _ in range(2):
            refused = refusal(starved.parse, bloated, "bloated.pdf")
            assert refused.reason == "PDF needs more than 1 MB to parse"


# --- time limit ---


def test_a_child_over_a_tiny_time_limit_is_refused(slow: bytes) -> None:
    # The sample parses faster than pebble checks its clocks (every 0.1 s), so a 0.001 s
    # limit may not catch it; the slow PDF always overruns.
    with PdfSandbox(UploadSettings(parse_timeout_s=0.001), max_pages=50) as hurried:
        for _ in range(2):
            refused = refusal(hurried.parse, slow, "slow.pdf")
            assert refused.status_code == 422
            assert refused.reason == "PDF took more than 0.001 s to parse"


def test_a_child_over_its_time_limit_is_killed_and_replaced(
    sample_bytes: bytes, slow: bytes
) -> None:
    with PdfSandbox(UploadSettings(parse_timeout_s=1.0), max_pages=50) as timed:
        worker = start_worker(timed, sample_bytes)
        assert refusal(timed.parse, slow, "slow.pdf").reason == "PDF took more than 1 s to parse"
        assert not worker.is_alive()
        assert timed.parse(sample_bytes, "agency.pdf").document_id
        assert timed.probe(sample_bytes) == PdfFacts(pages=6)


# --- crashes ---


def test_a_child_killed_mid_parse_is_reported_as_a_crash(sample_bytes: bytes, slow: bytes) -> None:
    with PdfSandbox(UploadSettings(), max_pages=50) as crashing:
        worker = start_worker(crashing, sample_bytes)
        with ThreadPoolExecutor(max_workers=1) as thread:
            pending = thread.submit(refusal, crashing.parse, slow, "slow.pdf")
            wait_until_busy(worker.pid or 0)
            os.kill(worker.pid or 0, signal.SIGKILL)
            refused = pending.result()
        assert refused.status_code == 422
        assert refused.reason == "the PDF parser crashed (killed by SIGKILL)"
        assert crashing.parse(sample_bytes, "agency.pdf").document_id


def test_a_child_killed_while_idle_costs_no_file(sample_bytes: bytes) -> None:
    with PdfSandbox(UploadSettings(), max_pages=50) as orphaned:
        worker = start_worker(orphaned, sample_bytes)
        os.kill(worker.pid or 0, signal.SIGKILL)
        assert orphaned.parse(sample_bytes, "agency.pdf").document_id
        time.sleep(0.3)  # let the pool notice the death, then check again
        assert orphaned.probe(sample_bytes) == PdfFacts(pages=6)


def test_a_closed_sandbox_takes_no_more_work(sample_bytes: bytes) -> None:
    closed = PdfSandbox(UploadSettings(), max_pages=50)
    closed.close()
    with pytest.raises(RuntimeError, match="closed"):
        closed.probe(sample_bytes)
