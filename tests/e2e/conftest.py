"""Browser tests: Playwright from PyPI driving Debian's Chromium against a live service."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.e2e


# Module scope: Playwright's sync API keeps an event loop running while it is open, and CrewAI
# refuses to run a crew synchronously under a running loop; later test modules must not see it.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (.ci/run does)")
    # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start. A short TMPDIR:
    # the app points TMPDIR into its (deep) data dir, too long for Chromium's socket path.
    short_tmp = tempfile.mkdtemp(prefix="pw-", dir="/tmp")
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox"],
        env={**os.environ, "TMPDIR": short_tmp},
    )
    yield launched
    launched.close()
    shutil.rmtree(short_tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`lexcrew serve` and a worker on the server-less queue, as `make run` starts them."""
    stack = Stack(tmp_path_factory.mktemp("ui-stack"), None)
    try:
        stack.start_api()
        stack.start_worker()
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: LEXCREW_SCREENSHOTS (docs/screenshots for the README) or tmp."""
    chosen = os.environ.get("LEXCREW_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
