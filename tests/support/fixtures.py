"""Session-scoped pytest fixtures that start real Redis and PostgreSQL servers.

Use from a conftest (or a test module)::

    from tests.support.fixtures import postgres_server, redis_server  # noqa: F401

Both servers are stopped in fixture teardown; ``tests.support.services`` also stops any
survivor at interpreter exit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import PostgresServer, RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A started Redis (password ``test-secret``, AOF on); ``.url`` to connect."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A started PostgreSQL; ``.url`` is a SQLAlchemy URL, ``.create_database(name)`` more."""
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    server.start()
    try:
        yield server
    finally:
        server.close()
