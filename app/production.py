"""Production mode (`LEXCREW_ENV=production`) refuses to start on settings that are only safe
on a laptop: default or short secrets, SQLite, the in-process queue and vector store, and
Redis or Qdrant without authentication."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from app.config import Settings
from app.errors import ConfigurationError

# What people leave in place: the .env.example values and the usual suspects.
_DEFAULTS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "password",
        "secret",
        "admin",
        "lexcrew",
        "postgres",
        "redis",
        "qdrant",
        "default",
        "example",
        "test",
    }
)
_MIN_SECRET = 16


def _weak(secret: str | None) -> bool:
    if not secret:
        return True
    return secret.lower() in _DEFAULTS or "change-me" in secret.lower() or len(secret) < _MIN_SECRET


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def problems(settings: Settings) -> list[str]:
    """What makes these settings unfit for production (empty when fit)."""
    found: list[str] = []
    session = _value(settings.api.session_secret)
    if _weak(session) or len(session or "") < 32:
        found.append("LEXCREW_API__SESSION_SECRET must be a random value of 32+ characters")
    redis = _value(settings.redis_url)
    if redis is None:
        found.append(
            "LEXCREW_REDIS_URL must point at Redis (the in-process queue is for one machine)"
        )
    elif _weak(urlsplit(redis).password):
        found.append("Redis must require a password that is not a default (redis://:PASSWORD@host)")
    database = _value(settings.database_url)
    if database is None or database.startswith("sqlite"):
        found.append("LEXCREW_DATABASE_URL must point at PostgreSQL, not the SQLite file")
    elif _weak(urlsplit(database).password):
        found.append("the database password is missing or a default")
    if not settings.qdrant.url:
        found.append("LEXCREW_QDRANT__URL must point at a Qdrant server")
    elif _weak(_value(settings.qdrant.api_key)):
        found.append("LEXCREW_QDRANT__API_KEY must be set to a non-default key")
    for name, tier in settings.gateway.tiers.items():
        key = _value(tier.api_key)
        if key is not None and _weak(key):
            found.append(f"the {name} tier's API key is a default value")
    return found


def require_fit(settings: Settings) -> None:
    """Raise ConfigurationError listing every problem, in production mode only."""
    if settings.env != "production":
        return
    found = problems(settings)
    if found:
        raise ConfigurationError("refusing to start in production mode: " + "; ".join(found))
