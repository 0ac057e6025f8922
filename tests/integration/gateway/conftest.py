"""Two real llama.cpp servers on loopback (a self-hosted tier and an "API" tier), each behind a
fault-injecting proxy whose request log shows what reached it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.gateway.model_files import ensure_gguf
from tests.support.faultproxy import FaultProxy
from tests.support.llama_server import LlamaServer


@pytest.fixture(scope="session")
def llama_servers(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LlamaServer, LlamaServer]]:
    gguf = ensure_gguf(settings)
    logs = tmp_path_factory.mktemp("llama-logs")
    local, api = LlamaServer(gguf, "local-gemma", logs), LlamaServer(gguf, "api-gemma", logs)
    local.start()
    try:
        api.start()
        yield local, api
    finally:
        api.close()
        local.close()


@pytest.fixture
def local_proxy(llama_servers: tuple[LlamaServer, LlamaServer]) -> Iterator[FaultProxy]:
    with FaultProxy(llama_servers[0].url) as proxy:
        yield proxy


@pytest.fixture
def api_proxy(llama_servers: tuple[LlamaServer, LlamaServer]) -> Iterator[FaultProxy]:
    with FaultProxy(llama_servers[1].url) as proxy:
        yield proxy


def server_tier(url: str, model: str, external: bool, **extra: Any) -> dict[str, Any]:
    """Tier settings for a llama.cpp server: plain completions constrained by a grammar."""
    tier: dict[str, Any] = {
        "provider": "openai",
        "model": model,
        "base_url": f"{url}/v1",
        "api": "completions",
        "structured": "gbnf",
        "external": external,
        "requires_key": external,
        "read_timeout_s": 60.0,
        "connect_timeout_s": 2.0,
    }
    if external:
        tier.update(api_key="test-key", usd_per_mtok_in=1.0, usd_per_mtok_out=4.0)
    tier.update(extra)
    return tier


@pytest.fixture
def gateway_dir(tmp_path: Path) -> Path:
    return tmp_path
