"""Fixtures shared by the intake tests: a page limit and the hostile corpus built against it."""

from __future__ import annotations

import pytest

from tests.support.hostile import hostile_corpus


@pytest.fixture(scope="session")
def max_pages() -> int:
    return 50


@pytest.fixture(scope="session")
def corpus(sample_bytes: bytes, max_pages: int) -> dict[str, tuple[bytes, int, str]]:
    return hostile_corpus(sample_bytes, max_pages=max_pages)
