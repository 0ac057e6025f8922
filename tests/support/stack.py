"""A real lexcrew service for tests: `lexcrew serve` and `lexcrew worker` as processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.support.services import free_port

FINAL = {"completed", "failed", "budget_exceeded"}


def wait_until(what: str, check: Callable[[], Any], timeout: float, every: float = 0.25) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Stack:
    """An API process and worker processes on one data dir (and Redis when given)."""

    def __init__(self, root: Path, redis_url: str | None, **env: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "LEXCREW_DATA_DIR": str(root / "data"),
            # Short leases and a fast sweeper, so recovery shows within seconds.
            "LEXCREW_WORKER__LEASE_S": "6",
            "LEXCREW_WORKER__HEARTBEAT_S": "1",
            "LEXCREW_WORKER__SWEEP_INTERVAL_S": "1",
            "LEXCREW_WORKER__QUEUED_TIMEOUT_S": "20",
            **env,
        }
        self.env.pop("LEXCREW_REDIS_URL", None)
        if redis_url is not None:
            self.env["LEXCREW_REDIS_URL"] = redis_url
        self.api: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_starts = 0

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        out = (self.root / log).open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a kill reaches the worker's sandbox children too
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a lexcrew command against this stack's data dir."""
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start_api(self) -> None:
        """Start `lexcrew serve` without its embedded worker and wait until it is ready."""
        self.api = self._spawn(["serve", "--no-worker", "--port", str(self.port)], "api.log")
        wait_until("the API to be ready", self._ready, 90)

    def _ready(self) -> bool:
        assert self.api is not None and self.api.poll() is None, self.log_tail("api.log")
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    @contextlib.contextmanager
    def running(self) -> Iterator[Stack]:
        """The API and one worker, stopped when the block ends."""
        try:
            self.start_api()
            self.start_worker()
            yield self
        finally:
            self.close()

    def start_worker(self) -> subprocess.Popen[bytes]:
        """Start one worker process (with the sweeper schedule)."""
        self.worker_starts += 1
        worker = self._spawn(["worker", "--beat"], "worker.log")
        self.workers.append(worker)
        return worker

    def kill_workers(self) -> None:
        """SIGKILL every worker process and its children: a crash, not a shutdown."""
        for worker in self.workers:
            _signal_group(worker, signal.SIGKILL)
            worker.wait(timeout=30)
        self.workers = []

    def workspace(self, name: str) -> str:
        """Create a workspace with `lexcrew workspace create` and return its key."""
        done = self.cli("workspace", "create", name)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def client(self, key: str | None) -> httpx.Client:
        """Return an HTTP client for the API, signed in with `key`."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=120)

    def api_alive(self) -> bool:
        """Tell whether the API process is still running."""
        return self.api is not None and self.api.poll() is None

    def log_tail(self, name: str, lines: int = 40) -> str:
        """Return the end of a process log."""
        path = self.root / name
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        """Stop everything."""
        for worker in self.workers:
            _signal_group(worker, signal.SIGTERM)
        for worker in self.workers:
            _wait_or_kill(worker)
        if self.api is not None:
            _signal_group(self.api, signal.SIGTERM)
            _wait_or_kill(self.api)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _wait_or_kill(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)


def wait_final(client: httpx.Client, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Wait until every document is in a final status; return each one's last state."""
    states: dict[str, dict[str, Any]] = {}

    def all_final() -> bool:
        for document_id in ids:
            if states.get(document_id, {}).get("status") in FINAL:
                continue
            response = client.get(f"/api/v1/documents/{document_id}")
            assert response.status_code == 200, response.text
            states[document_id] = response.json()
        return all(states[i]["status"] in FINAL for i in ids)

    wait_until(f"{len(ids)} documents to finish", all_final, timeout, every=1.0)
    return states
