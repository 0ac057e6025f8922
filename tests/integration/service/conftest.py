"""A live service per test module: `lexcrew serve` + a worker, on a real Redis."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fixtures import postgres_server, redis_server  # noqa: F401
from tests.support.services import RedisServer
from tests.support.stack import Stack

_databases = itertools.count(1)


def redis_db_url(server: RedisServer) -> str:
    """Return a URL to a Redis database no other stack uses (stacks never share queues)."""
    return server.url.rsplit("/", 1)[0] + f"/{next(_databases) % 16}"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,  # noqa: F811
) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("stack")
    live = Stack(root, redis_db_url(redis_server))
    with live.running():
        yield live
