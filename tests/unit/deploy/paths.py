"""Where the deploy files are, and which settings are secrets."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SECRETS = (
    "REDIS_PASSWORD",
    "POSTGRES_PASSWORD",
    "QDRANT_API_KEY",
    "SESSION_SECRET",
    "GRAFANA_ADMIN_PASSWORD",
)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines the way compose reads a plain .env file (no quotes used here)."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
