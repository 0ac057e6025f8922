"""Build a real Gateway (SQLite ledger, budgets, cache) over given tier models, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.config import GatewaySettings, Settings
from app.gateway.budget import Budgets
from app.gateway.cache import Embed, SemanticCache
from app.gateway.ledger import CallContext, Ledger
from app.gateway.metering import UsageMeter
from app.gateway.protocol import ChatModel
from app.gateway.router import BoundGateway, Gateway
from app.storage.db import SessionFactory
from app.storage.migrate import open_database
from app.vectorstore.qdrant_local import CacheIndex


def gateway_settings(**overrides: Any) -> GatewaySettings:
    """Gateway settings with fast retries; `tiers`, `budget` etc. as plain dicts or models."""
    base: dict[str, Any] = {"retry": {"attempts": 3, "initial_wait_s": 0.05, "max_wait_s": 0.2}}
    base.update(overrides)
    return GatewaySettings.model_validate(base)


def open_sessions(data_dir: Path) -> SessionFactory:
    """A migrated SQLite database in `data_dir`."""
    _engine, sessions = open_database(Settings(data_dir=data_dir))
    return sessions


def make_gateway(
    sessions: SessionFactory,
    models: dict[str, ChatModel],
    config: GatewaySettings,
    index: CacheIndex | None = None,
    embed: Embed | None = None,
) -> Gateway:
    """A gateway with a real ledger, budgets and cache on `sessions`."""
    cache = SemanticCache(sessions, config.cache, index, embed)
    return Gateway(config, models, Ledger(sessions), Budgets(sessions, config.budget), cache)


def bound(
    gateway: Gateway,
    workspace_id: str = "ws-a",
    local_only: bool = False,
    document_id: str | None = "doc-1",
    batch_id: str | None = None,
) -> BoundGateway:
    """The gateway bound to one document's context, with a fresh meter."""
    ctx = CallContext(workspace_id, document_id, batch_id, "trace-1", local_only)
    return gateway.bind(ctx, UsageMeter())
