"""PDF parsing in child processes with memory and time limits: a hostile file hurts only its child.

pypdf has a history of denial-of-service bugs (runaway memory, endless loops), so every PDF is
opened in a pebble worker process. Workers are spawned, never forked from this process: the
parent may hold torch threads, and a forked copy of a threaded process can deadlock. Not a
forkserver either: its Unix socket lives in the temp dir under the data dir, and a long data
dir path overflows the 108-byte limit of socket paths.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from app.config import UploadSettings
from app.errors import BadDocumentError
from app.ingestion.pdf import PypdfParser, check_pdf_bytes, open_pdf
from app.ingestion.types import ExtractedText

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MB = 1024 * 1024
# A worker that runs out of memory exits with this code (any code no other path uses).
_OUT_OF_MEMORY_EXIT = 86


@dataclass(frozen=True)
class PdfFacts:
    """What intake learns about a PDF without extracting its text."""

    pages: int


class PdfSandbox:
    """Probes and parses PDFs in worker processes with memory and time limits; thread-safe."""

    def __init__(self, upload: UploadSettings, max_pages: int, workers: int = 1) -> None:
        self.memory_mb = upload.parse_memory_mb
        self.timeout_s = upload.parse_timeout_s
        self.max_pages = max_pages
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPool | None = None
        self._closed = False

    def probe(self, data: bytes) -> PdfFacts:
        """Check that bytes are a readable PDF within the page limit, without extracting text."""
        check_pdf_bytes(data)  # Obvious non-PDFs need no child process.
        return self._run(_probe_in_child, data, self.max_pages, self.memory_mb)

    def parse(self, data: bytes, filename: str) -> ExtractedText:
        """Extract the text of every page in a worker process; refuse bad files with a reason."""
        return self._run(_parse_in_child, data, filename, self.max_pages, self.memory_mb)

    def close(self) -> None:
        """Stop the worker processes once the work in flight is done."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is None:
            return
        if pool.active:
            pool.close()  # type: ignore[no-untyped-call]  # unannotated in pebble
        else:
            pool.stop()  # type: ignore[no-untyped-call]  # a broken pool has nothing to finish
        pool.join()

    def __enter__(self) -> PdfSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, function: Callable[..., T], *args: object) -> T:
        try:
            return self._attempt(function, args)
        except BrokenProcessPool:
            # Pebble breaks the whole pool when a worker dies holding no task (killed while
            # idle), failing the tasks still queued: give this one a second go on a fresh pool.
            try:
                return self._attempt(function, args)
            except BrokenProcessPool as exc:
                raise BadDocumentError("the PDF parser crashed (its worker died)") from exc

    def _attempt(self, function: Callable[..., T], args: tuple[object, ...]) -> T:
        future = self._schedule(function, args)
        try:
            return future.result()
        except (BadDocumentError, BrokenProcessPool):
            raise
        except TimeoutError as exc:
            raise BadDocumentError(f"PDF took more than {self.timeout_s:g} s to parse") from exc
        except MemoryError as exc:
            raise self._out_of_memory() from exc
        except ProcessExpired as exc:
            raise self._expired(exc) from exc
        except Exception as exc:
            # pypdf raised something it should not (RecursionError, IndexError...): the file is
            # still the cause, but keep the child's traceback for whoever fixes the parser.
            logger.warning("PDF parser failed: %s", getattr(exc, "traceback", repr(exc)))
            raise BadDocumentError(f"the PDF parser failed ({type(exc).__name__})") from exc

    def _schedule(self, function: Callable[..., T], args: tuple[object, ...]) -> ProcessFuture[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the PDF sandbox is closed")
            pool = self._pool
            # Pebble starts a task's clock when a worker takes it: time queued behind other
            # files does not count against this one (pebble checks the clocks every 0.1 s).
            if pool is None or not pool.active:
                pool = self._replace_pool()
            try:
                return pool.schedule(function, args=args, timeout=self.timeout_s)
            except RuntimeError:
                # The pool broke between the check and the call; a fresh one takes the task.
                return self._replace_pool().schedule(function, args=args, timeout=self.timeout_s)

    def _replace_pool(self) -> ProcessPool:
        broken, self._pool = self._pool, _new_pool(self.workers)
        if broken is not None:
            # Joining may wait for a hung worker to be killed: do it off the caller's thread.
            broken.stop()  # type: ignore[no-untyped-call]
            threading.Thread(target=broken.join, name="pdf-sandbox-reaper", daemon=True).start()
        return self._pool

    def _out_of_memory(self) -> BadDocumentError:
        return BadDocumentError(f"PDF needs more than {self.memory_mb} MB to parse")

    def _expired(self, exc: ProcessExpired) -> BadDocumentError:
        code = exc.exitcode
        if code == _OUT_OF_MEMORY_EXIT:
            return self._out_of_memory()
        if code is not None and code < 0:
            return BadDocumentError(f"the PDF parser crashed (killed by {_signal_name(-code)})")
        return BadDocumentError(f"the PDF parser crashed (exit code {code})")


def _new_pool(workers: int) -> ProcessPool:
    # Workers live on between tasks, so the import cost of spawning is paid once per worker.
    context = multiprocessing.get_context("spawn")
    return ProcessPool(max_workers=workers, initializer=_init_worker, context=context)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _init_worker() -> None:
    # A crashed parser must not leave a core dump holding a client's document on disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@contextmanager
def _address_space_cap(memory_mb: int) -> Iterator[None]:
    """Cap this process's address space while the body runs; exit when the body exceeds it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    # Never loosen a stricter limit the service was started with.
    cap = min([memory_mb * _MB] + [v for v in (soft, hard) if v != resource.RLIM_INFINITY])
    # Set per task, not once per worker: receiving the task happens outside any code of ours,
    # and a cap hit there would break the pool instead of refusing the file.
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    except MemoryError:
        # Exit rather than report: the heap of a process that hit its cap may stay fragmented,
        # and the pool replaces a dead worker with a fresh one.
        os._exit(_OUT_OF_MEMORY_EXIT)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _probe_in_child(data: bytes, max_pages: int, memory_mb: int) -> PdfFacts:
    with _address_space_cap(memory_mb):
        return PdfFacts(pages=len(open_pdf(data, max_pages).pages))


def _parse_in_child(data: bytes, filename: str, max_pages: int, memory_mb: int) -> ExtractedText:
    with _address_space_cap(memory_mb):
        return PypdfParser(max_pages).parse(data, filename)
