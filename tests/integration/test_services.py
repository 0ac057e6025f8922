"""The real-service helpers: Redis and PostgreSQL start, persist, restart and isolate."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.support.fixtures import postgres_server, redis_server  # noqa: F401
from tests.support.services import PostgresServer, RedisServer, find_postgres_bindir

pytestmark = pytest.mark.integration

NO_RETRY = Retry(NoBackoff(), 0)  # redis-py retries (with backoff) auth and connection errors


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, retry=NO_RETRY)


def test_redis_ping_needs_the_password(redis_server: RedisServer) -> None:  # noqa: F811
    with _redis(redis_server.url) as client:
        assert client.ping() is True
    anonymous = redis.Redis(host=redis_server.host, port=redis_server.port, retry=NO_RETRY)
    with anonymous, pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    wrong = redis.Redis(
        host=redis_server.host, port=redis_server.port, password="wrong", retry=NO_RETRY
    )
    with wrong, pytest.raises(redis.AuthenticationError):
        wrong.ping()


def test_redis_data_survives_restart_and_kill(tmp_path: Path) -> None:
    with RedisServer(tmp_path) as server:
        port = server.port
        with _redis(server.url) as client:
            client.set("before-restart", "kept")
        server.restart()
        assert server.port == port
        with _redis(server.url) as client:
            assert client.get("before-restart") == b"kept"
            client.set("before-kill", "also kept")

        server.kill()
        assert not server.running
        with pytest.raises(redis.ConnectionError), _redis(server.url) as client:
            client.ping()
        server.start()
        assert server.port == port
        with _redis(server.url) as client:
            assert client.get("before-restart") == b"kept"
            assert client.get("before-kill") == b"also kept"  # appendfsync always
    assert not server.running


def test_redis_missing_binary_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install -y redis-server"):
        RedisServer(tmp_path).start()


def test_postgres_sqlalchemy_select_1(postgres_server: PostgresServer) -> None:  # noqa: F811
    engine = sa.create_engine(postgres_server.url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
            assert conn.execute(sa.text("show server_encoding")).scalar_one() == "UTF8"
    finally:
        engine.dispose()


def test_postgres_create_database_is_isolated(postgres_server: PostgresServer) -> None:  # noqa: F811
    first = postgres_server.create_database(f"iso_{uuid.uuid4().hex[:12]}")
    second = postgres_server.create_database(f"iso_{uuid.uuid4().hex[:12]}")
    assert first != second
    engines = [sa.create_engine(first), sa.create_engine(second)]
    try:
        with engines[0].begin() as conn:
            conn.execute(sa.text("create table marker (v int)"))
            conn.execute(sa.text("insert into marker values (42)"))
        with engines[0].connect() as conn:
            assert conn.execute(sa.text("select v from marker")).scalar_one() == 42
        with engines[1].connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert "marker" not in tables
    finally:
        for engine in engines:
            engine.dispose()


def test_postgres_missing_binaries_name_the_package(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="apt-get install -y postgresql"):
        find_postgres_bindir(tmp_path)
