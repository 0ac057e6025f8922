from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _compose() -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_every_service_has_a_healthcheck_and_workers_wait_for_redis() -> None:
    services = _compose()["services"]
    assert {"redis", "postgres", "api", "worker"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    for name in ("api", "worker"):
        for needed in ("redis", "postgres"):
            assert services[name]["depends_on"][needed]["condition"] == "service_healthy"


def test_redis_is_durable_and_never_runs_with_a_default_password() -> None:
    redis = _compose()["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "${REDIS_PASSWORD:?" in command  # compose refuses to start without a password
    worker_env = _compose()["services"]["worker"]["environment"]
    assert "${REDIS_PASSWORD:?" in worker_env["LEXCREW_REDIS_URL"]
    assert "${POSTGRES_PASSWORD:?" in worker_env["LEXCREW_DATABASE_URL"]


def test_the_image_installs_with_pip_and_runs_as_a_non_root_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert "USER lexcrew" in dockerfile
    for folder in ("app", "agents", "prompts", "workers", "web"):
        assert f"COPY {folder} ./{folder}" in dockerfile
